/**
 * `HEAD /ui/events/stream` (fastify answers HEAD with the GET route): it opened a live stream that never
 * answered, so the request hung until the client gave up while the receiver kept it as a stream client.
 * It now answers at once with the stream's headers and no body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startAdminReceiver } from '../admin/test-support/admin-test-receiver.js';
import type { TestReceiver } from '../test-support/test-receiver.js';

describe('HEAD of the live stream', () => {
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await startAdminReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it('answers at once with the headers of the stream', async () => {
    const response = await fetch(`${receiver.baseUrl}/ui/events/stream`, {
      method: 'HEAD',
      headers: bearer(),
      signal: AbortSignal.timeout(3000),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('still needs the admin credential', async () => {
    const response = await fetch(`${receiver.baseUrl}/ui/events/stream`, {
      method: 'HEAD',
      signal: AbortSignal.timeout(3000),
    });
    expect(response.status).toBe(401);
  });

  it.each(['/ui/events/stream?x=1', '/ui/session?x=1'])(
    'refuses an unknown query field (%s) as every inspector page does',
    async (path) => {
      const response = await fetch(`${receiver.baseUrl}${path}`, {
        headers: bearer(),
        signal: AbortSignal.timeout(3000),
      });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('unknown field x');
    },
  );
});

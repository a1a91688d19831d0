/**
 * A body the route cannot take, said in the receiver's words on the admin API and in the inspector:
 * a Content-Type the route has no parser for was called "not a valid media type" (it was valid, just
 * not accepted), and the inspector showed fastify's own text for a broken JSON body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startAdminReceiver } from '../admin/test-support/admin-test-receiver.js';
import type { TestReceiver } from '../test-support/test-receiver.js';

describe('bodies a route cannot take', () => {
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await startAdminReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it('answers an admin API POST with a form body 415, naming what it takes', async () => {
    const response = await fetch(`${receiver.baseUrl}/admin/api/dead-letters/replay`, {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'handler=log',
    });
    expect(response.status).toBe(415);
    const body = (await response.json()) as { ok: boolean; error: { code: string; message: string } };
    expect(body.error.code).toBe('unsupported_media_type');
    expect(body.error.message).not.toContain('not a valid media type');
    expect(body.error.message).toContain('application/json');
  });

  it("answers an inspector form posted as broken JSON in the receiver's words, not fastify's", async () => {
    const response = await fetch(`${receiver.baseUrl}/ui/events/evt_00000000000000000000000000/replay`, {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/json' },
      body: '{bad',
    });
    expect(response.status).toBe(400);
    const page = await response.text();
    expect(page).toContain('The body is not valid JSON.');
    expect(page).not.toContain('content-type is set to');
  });
});

/**
 * A known admin API path with a method it does not take is answered 405 with `Allow` (what to change),
 * not the 404 of a path that does not exist; both only after the admin token, like every admin route.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestReceiver } from '../test-support/test-receiver.js';
import { bearer, startAdminReceiver } from './test-support/admin-test-receiver.js';

interface Answer {
  status: number;
  allow: string | null;
  body: { ok: boolean; error: { code: string; message: string; allow?: string[] } };
}

describe('admin API: a wrong method on a known path', () => {
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await startAdminReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  async function call(method: string, path: string, init: RequestInit = {}): Promise<Answer> {
    const response = await fetch(`${receiver.baseUrl}${path}`, { method, ...init });
    return {
      status: response.status,
      allow: response.headers.get('allow'),
      body: (await response.json()) as Answer['body'],
    };
  }

  it.each([
    ['GET', '/admin/api/events/evt_01kabc/replay', 'POST'],
    ['DELETE', '/admin/api/events', 'GET, HEAD'],
    ['POST', '/admin/api/deliveries/dlv_01kabc', 'GET, HEAD'],
    ['PUT', '/admin/api/handlers/log/enable', 'POST'],
    ['GET', '/admin/api/prune', 'POST'],
  ])('%s %s → 405, Allow: %s', async (method, path, allow) => {
    const answer = await call(method, path, { headers: bearer() });
    expect(answer.status).toBe(405);
    expect(answer.allow).toBe(allow);
    expect(answer.body.ok).toBe(false);
    expect(answer.body.error.code).toBe('method_not_allowed');
    expect(answer.body.error.allow).toEqual(allow.split(', '));
    expect(answer.body.error.message).toContain(`${method} is not a method of ${path}: it takes ${allow}.`);
  });

  it('answers 405 before reading the body: JSON that does not parse changes nothing', async () => {
    const answer = await call('PATCH', '/admin/api/prune', {
      headers: { ...bearer(), 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(answer.status).toBe(405);
    expect(answer.allow).toBe('POST');
  });

  it('keeps the uniform 404 for a path no route has', async () => {
    for (const path of ['/admin/api/nope', '/admin/api/events/evt_1/replay/again', '/admin/api/event']) {
      const answer = await call('GET', path, { headers: bearer() });
      expect(answer.status, path).toBe(404);
      expect(answer.allow, path).toBeNull();
      expect(answer.body.error.code, path).toBe('not_found');
    }
  });

  it('tells nothing without the token: 401, no Allow', async () => {
    const answer = await call('GET', '/admin/api/events/evt_01kabc/replay');
    expect(answer.status).toBe(401);
    expect(answer.allow).toBeNull();
    expect(answer.body.error.code).toBe('unauthorized');
    // Nor whether a path exists.
    const unknown = await call('GET', '/admin/api/nope');
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.code).toBe('unauthorized');
  });
});

/**
 * The admin area's body limits: the JSON admin API takes at most 64 KiB, the inspector's forms 16 KiB,
 * whatever the Content-Type and whatever SRHOOKS_BODY_LIMIT (the delivery limit) is; a larger body is
 * refused with 413 naming that route's own limit, not the delivery limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestReceiver } from '../test-support/test-receiver.js';
import {
  bearer,
  loginAsBrowser,
  postFormAsBrowser,
  startAdminReceiver,
} from './test-support/admin-test-receiver.js';

const ADMIN_LIMIT = 64 * 1024;
const FORM_LIMIT = 16 * 1024;

describe('admin area body limits', () => {
  let receiver: TestReceiver;

  beforeAll(async () => {
    // A delivery limit far above the admin routes' own: it must not leak into their answers.
    receiver = await startAdminReceiver({ bodyLimit: 2 * 1024 * 1024 });
  });
  afterAll(async () => {
    await receiver?.close();
  });

  /** A JSON object of the given size in bytes. */
  function jsonOf(bytes: number): string {
    const head = '{"olderThanDays":90,"padding":"';
    return `${head}${'x'.repeat(bytes - head.length - 2)}"}`;
  }

  it.each([
    ['application/json', jsonOf(70 * 1024)],
    ['text/plain', 'x'.repeat(70 * 1024)],
  ])(
    'refuses a %s body over 64 KiB on POST /admin/api/prune with 413 naming 65536 bytes',
    async (type, body) => {
      const response = await fetch(`${receiver.baseUrl}/admin/api/prune`, {
        method: 'POST',
        headers: { ...bearer(), 'content-type': type },
        body,
      });
      expect(response.status).toBe(413);
      const answer = (await response.json()) as { ok: boolean; error: { code: string; message: string } };
      expect(answer.ok).toBe(false);
      expect(answer.error.code).toBe('body_too_large');
      expect(answer.error.message).toContain(`${ADMIN_LIMIT} bytes`);
      expect(answer.error.message).not.toMatch(/2097152|SRHOOKS_BODY_LIMIT|bodyLimit|deliver/);
    },
  );

  it('still takes a JSON body just under 64 KiB', async () => {
    const response = await fetch(`${receiver.baseUrl}/admin/api/prune`, {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/json' },
      body: jsonOf(ADMIN_LIMIT - 10),
    });
    // Read and judged: the unknown `padding` field is refused by the schema, not by size.
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });

  it('refuses an inspector form over 16 KiB with a 413 page naming 16384 bytes', async () => {
    const session = await loginAsBrowser(receiver);
    const response = await postFormAsBrowser(
      receiver,
      session,
      '/ui/dead-letters/replay',
      new URLSearchParams({ _csrf: session.csrfToken, handler: 'x'.repeat(20 * 1024) }),
    );
    expect(response.status).toBe(413);
    const page = await response.text();
    expect(page).toContain(`${FORM_LIMIT} bytes`);
    expect(page).not.toMatch(/2097152|SRHOOKS_BODY_LIMIT|deliveries are genuine/);
  });

  it('holds the form limit for the public login form too, whatever the Content-Type', async () => {
    const response = await fetch(`${receiver.baseUrl}/ui/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/json', origin: receiver.baseUrl },
      body: jsonOf(FORM_LIMIT + 1024),
    });
    expect(response.status).toBe(413);
    const page = await response.text();
    expect(page).toContain(`${FORM_LIMIT} bytes`);
    expect(page).not.toMatch(/2097152|SRHOOKS_BODY_LIMIT/);
  });
});

/**
 * Guessing the admin token: wrong credentials from one address (bearer token, login form) are throttled
 * across the admin API and the inspector; other addresses are not affected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestReceiver } from '../test-support/test-receiver.js';
import { ADMIN_TOKEN, startAdminReceiver } from './test-support/admin-test-receiver.js';

describe('admin credential throttle', () => {
  let receiver: TestReceiver;

  beforeAll(async () => {
    // trustProxy: each test plays its own client address through X-Forwarded-For.
    receiver = await startAdminReceiver({ adminMaxFailures: 3, trustProxy: true });
  });
  afterAll(async () => {
    await receiver?.close();
  });

  const api = (address: string, token?: string) =>
    fetch(`${receiver.baseUrl}/admin/api/deliveries`, {
      headers: {
        'x-forwarded-for': address,
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
    });

  const login = (address: string, token: string) =>
    fetch(`${receiver.baseUrl}/ui/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'x-forwarded-for': address,
        'content-type': 'application/x-www-form-urlencoded',
        origin: receiver.baseUrl,
      },
      body: new URLSearchParams({ token, next: '/ui' }),
    });

  async function metric(reason: string): Promise<number> {
    const text = await (await fetch(`${receiver.baseUrl}/metrics`)).text();
    const match = new RegExp(`^srhooks_admin_refusals_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(text);
    return Number(match?.[1] ?? 0);
  }

  it('refuses an address with 429 after too many wrong bearer tokens, even with the right one; others go on', async () => {
    const before = { wrong: await metric('wrong_credentials'), throttled: await metric('throttled') };
    for (let i = 0; i < 3; i++)
      expect((await api('203.0.113.9', `wrong-token-${i}-xxxxxxxx`)).status).toBe(401);

    const refused = await api('203.0.113.9', ADMIN_TOKEN);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(300);
    const body = (await refused.json()) as { ok: boolean; error: { code: string; message: string } };
    expect(body.ok).toBe(false);
    expect(body.error.code).toBe('too_many_failures');
    expect(body.error.message).toMatch(
      /Too many wrong admin credentials from this address \(3 within 5 minutes\)/,
    );
    expect(body.error.message).toContain('SRHOOKS_ADMIN_TOKEN');

    // No credential, nothing guessed: the usual 401. Another address is not affected.
    expect((await api('203.0.113.9')).status).toBe(401);
    expect((await api('198.51.100.7', ADMIN_TOKEN)).status).toBe(200);

    expect(await metric('wrong_credentials')).toBe(before.wrong + 3);
    expect(await metric('throttled')).toBe(before.throttled + 1);
  });

  it('counts wrong tokens in the login form too, and refuses that address in the API and the inspector', async () => {
    for (let i = 0; i < 3; i++) {
      const wrong = await login('203.0.113.20', `wrong-token-${i}-xxxxxxxx`);
      expect(wrong.status).toBe(401);
      expect(await wrong.text()).toContain('Wrong admin token.');
    }
    const refused = await login('203.0.113.20', ADMIN_TOKEN);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('set-cookie')).toBeNull();
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const page = await refused.text();
    expect(page).toContain('<h1>Too many attempts</h1>');
    expect(page).toContain('Too many wrong admin credentials from this address');

    expect((await api('203.0.113.20', ADMIN_TOKEN)).status).toBe(429);
    const inspector = await fetch(`${receiver.baseUrl}/ui`, {
      headers: { 'x-forwarded-for': '203.0.113.20', authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(inspector.status).toBe(429);
  });

  it('does not count bad session cookies (a tab left open across a token change must not lock its address out)', async () => {
    const stale = {
      'x-forwarded-for': '203.0.113.40',
      cookie: 'srhooks_admin=v1.AAAAAAAAAAAAAAAAAAAAAAAA.zzzzzz.c2lnbmF0dXJl',
    };
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`${receiver.baseUrl}/ui/events/stream`, { headers: stale });
      expect(response.status).toBe(401);
    }
    expect((await api('203.0.113.40', ADMIN_TOKEN)).status).toBe(200);
    const relogin = await login('203.0.113.40', ADMIN_TOKEN);
    expect(relogin.status).toBe(303);
  });

  it('starts an address afresh after a correct login', async () => {
    for (let i = 0; i < 2; i++)
      expect((await login('203.0.113.30', `wrong-${i}-xxxxxxxxxxxx`)).status).toBe(401);
    const ok = await login('203.0.113.30', ADMIN_TOKEN);
    expect(ok.status).toBe(303);
    expect(ok.headers.get('set-cookie')).toContain('srhooks_admin=');
    // Two more wrong ones: 2 failures since the login, under the limit of 3.
    for (let i = 0; i < 2; i++)
      expect((await login('203.0.113.30', `wrong-${i}-xxxxxxxxxxxx`)).status).toBe(401);
    expect((await api('203.0.113.30', ADMIN_TOKEN)).status).toBe(200);
  });
});

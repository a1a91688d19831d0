/**
 * An app with its own UI: `entryPoint: <url>` turns the embedded page off; the verified owner is
 * redirected there with a session bound to the shop (checked with verifyShopSession offline, or with the
 * receiver's `GET {entryPath}/session`, which also knows whether the shop uninstalled meanwhile).
 */
import { checkAppSession } from '@srhooks/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopSession, verifyShopSession } from './shop-session.js';
import {
  APP_CLIENT_SECRET,
  type AppModeFixture,
  startAppModeFixture,
} from './test-support/app-mode-fixture.js';

describe('app mode: entry point redirecting to the app’s own UI', () => {
  let f: AppModeFixture;
  beforeAll(async () => {
    f = await startAppModeFixture({
      shops: ['alpha', 'beta', 'gamma'],
      app: { entryPoint: 'https://app.example.com/{shop}/dashboard?v=1' },
    });
  });
  afterAll(async () => {
    await f?.close();
  });

  it('redirects the verified owner with a shop-bound session instead of serving the page', async () => {
    const report = await f.sandbox.apps.install('55', 'alpha');
    expect(report.entryPoint?.status).toBe(302);
    const target = new URL(report.entryPoint?.location ?? 'http://missing.invalid');
    expect(`${target.origin}${target.pathname}`).toBe('https://app.example.com/alpha/dashboard');
    expect(verifyShopSession(Object.fromEntries(target.searchParams), APP_CLIENT_SECRET)).toBe('alpha');
  });

  it("passes the app's own query parameters on (a deep link into the admin's app page), the session's over them", async () => {
    await f.sandbox.apps.install('55', 'alpha');
    // The shop admin's page for the app (ShopRenter: https://{shop}.myshoprenter.hu/admin/app/{appId}?…)
    // loads the EntryPoint with fresh signed parameters plus the page's own ones (documented).
    const admin = await fetch(`${f.sandbox.url}/alpha/admin/app/55?page=orders&ref=mail&session=forged&v=2`);
    const src = /<iframe[^>]* src="([^"]+)"/.exec(await admin.text())?.[1]?.replace(/&(?:amp|#38);/g, '&');
    expect(src).toContain('page=orders');
    const entry = await fetch(src ?? 'http://missing.invalid', { redirect: 'manual' });
    expect(entry.status).toBe(302);
    const target = new URL(entry.headers.get('location') ?? 'http://missing.invalid');
    expect(`${target.origin}${target.pathname}`).toBe('https://app.example.com/alpha/dashboard');
    expect(target.searchParams.get('page')).toBe('orders');
    expect(target.searchParams.get('ref')).toBe('mail');
    // the configured URL's own parameter is never replaced by a request's
    expect(target.searchParams.getAll('v')).toEqual(['1']);
    // never the signed request's own parameters, and the session is the receiver's, once
    for (const key of ['shopname', 'code', 'timestamp', 'hmac'])
      expect(target.searchParams.has(key)).toBe(false);
    expect(target.searchParams.getAll('session')).toHaveLength(1);
    expect(verifyShopSession(Object.fromEntries(target.searchParams), APP_CLIENT_SECRET)).toBe('alpha');
  });

  const sessionCheck = async (params: URLSearchParams | Record<string, string>) => {
    const response = await fetch(`${f.baseUrl}/app/entry/session?${new URLSearchParams(params)}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('GET /app/entry/session: 200 while installed, 403 shop_uninstalled once the shop uninstalled within the hour', async () => {
    const report = await f.sandbox.apps.install('55', 'beta');
    expect(report.entryPoint?.status).toBe(302);
    const params = new URL(report.entryPoint?.location ?? 'http://missing.invalid').searchParams;
    const installed = await sessionCheck(params);
    expect(installed.status).toBe(200);
    expect(installed.body).toMatchObject({ ok: true, shop: 'beta', status: 'installed' });
    expect(installed.body.expiresAt).toBe(new Date(Number(params.get('expires')) * 1000).toISOString());

    await f.sandbox.apps.uninstall('55', 'beta');
    // still a genuine session signed by the app, an hour long: offline it passes…
    expect(verifyShopSession(Object.fromEntries(params), APP_CLIENT_SECRET)).toBe('beta');
    // …the receiver says the shop has gone
    const gone = await sessionCheck(params);
    expect(gone.status).toBe(403);
    expect(gone.body).toMatchObject({
      ok: false,
      error: { code: 'shop_uninstalled', shop: 'beta', uninstalledAt: expect.any(String) },
    });
    expect(String((gone.body.error as { message: string }).message)).toContain('no longer installed on beta');
  });

  it('GET /app/entry/session: 401 invalid_session for a forged or missing session, session_expired for an old one', async () => {
    const forged = await sessionCheck({ shop: 'alpha', expires: '9999999999', session: 'x'.repeat(43) });
    expect(forged.status).toBe(401);
    expect(forged.body).toMatchObject({ error: { code: 'invalid_session' } });
    expect((await sessionCheck({})).body).toMatchObject({ error: { code: 'invalid_session' } });
    const old = createShopSession('alpha', APP_CLIENT_SECRET, Date.now() - 2 * 3600_000);
    const expired = await sessionCheck({
      shop: old.shop,
      expires: String(old.expires),
      session: old.session,
    });
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ error: { code: 'session_expired' } });
  });

  it('checkAppSession (@srhooks/client) reads the same answers from the real receiver', async () => {
    const report = await f.sandbox.apps.install('55', 'gamma');
    const opened = new URL(report.entryPoint?.location ?? 'http://missing.invalid');
    const sessionUrl = `${f.baseUrl}/app/entry/session`;
    // the UI passes its whole query on; the check sends only the session's own parameters
    opened.searchParams.set('tab', 'orders');
    const installed = await checkAppSession(sessionUrl, opened.search);
    expect(installed).toMatchObject({ ok: true, shop: 'gamma', status: 'installed' });
    expect(installed.ok && installed.expiresAt.getTime()).toBe(
      Number(opened.searchParams.get('expires')) * 1000,
    );

    await f.sandbox.apps.uninstall('55', 'gamma');
    const gone = await checkAppSession(sessionUrl, opened.searchParams);
    expect(gone).toMatchObject({ ok: false, code: 'shop_uninstalled', shop: 'gamma' });
    expect(!gone.ok && gone.uninstalledAt).toBeInstanceOf(Date);

    const old = createShopSession('gamma', APP_CLIENT_SECRET, Date.now() - 2 * 3600_000);
    expect(
      await checkAppSession(sessionUrl, {
        shop: 'gamma',
        expires: String(old.expires),
        session: old.session,
      }),
    ).toMatchObject({
      ok: false,
      code: 'session_expired',
    });
    expect(await checkAppSession(sessionUrl, { shop: 'gamma' })).toMatchObject({
      ok: false,
      code: 'invalid_session',
    });
  });
});

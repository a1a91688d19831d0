/**
 * App mode end to end against the sandbox (FACTS.md §7): three shops install the app → each gets
 * its subscriptions → orders from each are stored and handled → one uninstalls → its URLs answer 404,
 * its handlers get app_uninstalled, the others keep working → it re-installs and works again. Also
 * forged / stale / replayed install calls, the open-redirect guard, and an install whose API step
 * fails (pending, shown with the reason, retried in the background).
 */
import { signAppRequest, signDeliveryPath } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SECRET } from '../test-support/test-receiver.js';
import {
  ADMIN_TOKEN,
  APP_CLIENT_SECRET,
  type AppModeFixture,
  adminGet,
  eventually,
  startAppModeFixture,
} from './test-support/app-mode-fixture.js';

const SHOPS = ['alpha', 'beta', 'gamma'];

/** `srhooks_forged_attempts_total` by reason, read from /metrics. */
async function forgedAttempts(baseUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const [, reason, value] of text.matchAll(
    /^srhooks_forged_attempts_total\{reason="([a-z_]+)"\} (\d+)$/gm,
  )) {
    counts[reason ?? ''] = Number(value);
  }
  return counts;
}

describe('app mode: install, deliveries, uninstall, re-install (sandbox)', () => {
  let f: AppModeFixture;

  beforeAll(async () => {
    f = await startAppModeFixture({ shops: [...SHOPS, 'delta'] });
  });
  afterAll(async () => {
    await f?.close();
  });

  const admin = (path: string) => adminGet(f.baseUrl, path);
  const shopsByName = async (): Promise<Record<string, Record<string, unknown>>> =>
    Object.fromEntries(((await admin('/shops')).items as Array<{ name: string }>).map((s) => [s.name, s]));
  const subscriptionsOn = (shop: string) => f.sandbox.sandbox.findShop(shop)?.data.webhooks ?? [];

  let seed = 0;
  async function handledOrder(shop: string): Promise<void> {
    const { order, deliveries } = await f.sandbox.simulator.placeOrder(shop, { seed: ++seed });
    await f.sandbox.simulator.waitForIdle();
    const attempts = f.sandbox.simulator
      .deliveries(shop)
      .filter((d) => deliveries.some((x) => x.id === d.id));
    expect(attempts.map((d) => d.status)).toEqual([200]);
    await eventually(async () => {
      const events = (await admin(`/events?shop=${shop}&event=order_confirm`)).items as Array<
        Record<string, string>
      >;
      return events.find((e) => e.subjectId === String(order.innerId))?.status === 'succeeded'
        ? true
        : undefined;
    });
  }

  it('installs on three shops: each is recorded, subscribed with signed URLs, and the owner lands on app_url', async () => {
    for (const shop of SHOPS) {
      const report = await f.sandbox.apps.install('55', shop);
      expect(report.install.status).toBe(302);
      expect(report.redirectedToAppUrl).toBe(true);
      expect(report.entryPoint?.status).toBe(200);
      expect(report.entryPoint?.contentSecurityPolicy).toContain(`frame-ancestors ${f.sandbox.url}`);
      const hooks = subscriptionsOn(shop);
      expect(hooks.map((h) => h.event).sort()).toEqual(['order_confirm', 'order_status_change']);
      for (const hook of hooks) {
        expect(hook.webHookParameters[0]?.url).toBe(
          `${f.baseUrl}${signDeliveryPath({ shop, event: hook.event }, TEST_SECRET)}`,
        );
      }
    }
    const shops = await shopsByName();
    for (const shop of SHOPS) {
      expect(shops[shop]).toMatchObject({
        source: 'app',
        status: 'installed',
        appVersion: '1.0.0',
        hasCredentials: true,
      });
      expect(shops[shop]?.subscriptions).toHaveLength(2);
    }
  });

  it('stores and handles orders from every installed shop', async () => {
    for (const shop of SHOPS) await handledOrder(shop);
    expect((await shopsByName()).alpha?.lastDeliveryAt).not.toBeNull();
  });

  it('uninstall: the shop’s URLs answer 404, its handlers get app_uninstalled, the others keep working', async () => {
    // A forged or stale uninstall call changes nothing.
    const now = Math.floor(Date.now() / 1000);
    const forged = { shopname: 'beta', code: 'u1', timestamp: String(now) };
    const uninstall = (query: Record<string, string>) =>
      fetch(`${f.baseUrl}/app/uninstall?${new URLSearchParams(query)}`);
    expect((await uninstall({ ...forged, hmac: signAppRequest(forged, 'not-the-secret') })).status).toBe(401);
    const stale = { ...forged, timestamp: String(now - 3600) };
    expect((await uninstall({ ...stale, hmac: signAppRequest(stale, APP_CLIENT_SECRET) })).status).toBe(401);
    expect((await shopsByName()).beta).toMatchObject({ status: 'installed' });

    // A job that has not run yet when the shop uninstalls: the handler is paused so it stays pending.
    await f.receiver.store.disableHandler('audit', { reason: 'test: keep the job pending' });
    const { order } = await f.sandbox.simulator.placeOrder('beta', { seed: 99 });
    await f.sandbox.simulator.waitForIdle();
    const waiting = await eventually(async () => {
      const items = (await admin(`/events?shop=beta&event=order_confirm`)).items as Array<
        Record<string, string>
      >;
      return items.find((e) => e.subjectId === String(order.innerId) && e.status === 'pending');
    });

    const report = await f.sandbox.apps.uninstall('55', 'beta');
    expect(report.uninstall.status).toBe(200);
    const cancelled = (await admin(`/events/${waiting.id}`)).event;
    expect(cancelled.status).toBe('dead');
    expect(cancelled.jobs[0]).toMatchObject({
      status: 'dead',
      lastError: expect.stringMatching(/uninstalled/),
    });
    await f.receiver.store.enableHandler('audit');
    expect(report.removedSubscriptions).toHaveLength(2);
    expect((await shopsByName()).beta).toMatchObject({ status: 'uninstalled', subscriptions: [] });

    const forgedLate = await fetch(
      `${f.baseUrl}${signDeliveryPath({ shop: 'beta', event: 'order_confirm' }, TEST_SECRET)}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"orders":{"order":[{"innerId":"1"}]}}',
      },
    );
    expect(forgedLate.status).toBe(404);

    const uninstalled = await eventually(async () => {
      const items = (await admin('/events?shop=beta')).items as Array<{
        event: string;
        status: string;
        id: string;
      }>;
      const event = items.find((e) => e.event === 'app_uninstalled');
      return event?.status === 'succeeded' ? event : undefined;
    });
    const detail = (await admin(`/events/${uninstalled.id}`)).event;
    expect(detail.payload).toMatchObject({ shop: 'beta', uninstalledBy: 'shoprenter' });
    expect(detail.jobs.map((j: { handler: string }) => j.handler)).toEqual(['audit']);

    await handledOrder('alpha');
    await handledOrder('gamma');
  });

  it('re-install starts over cleanly', async () => {
    const report = await f.sandbox.apps.install('55', 'beta');
    expect(report.redirectedToAppUrl).toBe(true);
    expect((await shopsByName()).beta).toMatchObject({ status: 'installed', uninstalledAt: null });
    expect(subscriptionsOn('beta')).toHaveLength(2);
    await handledOrder('beta');
  });

  it('refuses forged, stale and replayed install calls with 401 and records nothing', async () => {
    const forgedBefore = await forgedAttempts(f.baseUrl);
    const now = Math.floor(Date.now() / 1000);
    const params = { shopname: 'mallory', code: 'c0de1', timestamp: String(now) };
    const hmac = signAppRequest(params, APP_CLIENT_SECRET);
    const install = (query: Record<string, string>) =>
      fetch(`${f.baseUrl}/app/install?${new URLSearchParams(query)}`, { redirect: 'manual' });

    expect((await install({ ...params, hmac: signAppRequest(params, 'not-the-secret') })).status).toBe(401);
    const staleParams = { ...params, code: 'c0de2', timestamp: String(now - 3600) };
    expect(
      (await install({ ...staleParams, hmac: signAppRequest(staleParams, APP_CLIENT_SECRET) })).status,
    ).toBe(401);
    expect((await install({ ...params, hmac, shopname: 'other' })).status).toBe(401);
    expect((await shopsByName()).mallory).toBeUndefined();

    // Authentic: redirected, but never off the shop's admin (app_url is not signed).
    const first = await install({ ...params, hmac, app_url: 'https://evil.example.com/admin/app/55' });
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe(`${f.sandbox.url}/mallory/admin/app/55`);
    const replay = await install({ ...params, hmac });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error: { code: 'replayed' } });
    // Counted by why: a wrong signature (two above) is a forgery; a stale or reused link may be a reload
    // of the admin's iframe, so dashboards can tell them apart.
    const forged = await forgedAttempts(f.baseUrl);
    expect((forged.bad_token ?? 0) - (forgedBefore.bad_token ?? 0)).toBe(2);
    expect((forged.stale ?? 0) - (forgedBefore.stale ?? 0)).toBe(1);
    expect((forged.replayed ?? 0) - (forgedBefore.replayed ?? 0)).toBe(1);
  });

  it('takes each code once whatever the route: an entry-point link replayed as an uninstall is refused, and so is an uninstall call replayed as an install', async () => {
    const now = String(Math.floor(Date.now() / 1000));
    const get = (route: string, params: { shopname: string; code: string; timestamp: string }) =>
      fetch(
        `${f.baseUrl}/app/${route}?${new URLSearchParams({ ...params, hmac: signAppRequest(params, APP_CLIENT_SECRET) })}`,
        {
          redirect: 'manual',
        },
      );
    expect((await shopsByName()).beta).toMatchObject({ status: 'installed' });
    const entryLink = { shopname: 'beta', code: 'entrylink1', timestamp: now };
    const entered = await get('entry', entryLink);
    expect(entered.status, await entered.clone().text()).toBe(200);
    const asUninstall = await get('uninstall', entryLink);
    expect(asUninstall.status).toBe(401);
    expect(await asUninstall.json()).toMatchObject({ error: { code: 'replayed' } });
    expect((await shopsByName()).beta).toMatchObject({ status: 'installed', uninstalledAt: null });

    const uninstallCall = { shopname: 'zeta', code: 'uninstallcall1', timestamp: now };
    expect((await get('uninstall', uninstallCall)).status).toBe(200);
    const asInstall = await get('install', uninstallCall);
    expect(asInstall.status).toBe(401);
    expect((await shopsByName()).zeta).toBeUndefined();
  });

  it('keeps an install whose API step fails pending with the reason, redirects anyway, and retries in the background', async () => {
    f.sandbox.setFaults('delta', { tokenEndpointDown: true });
    const report = await f.sandbox.apps.install('55', 'delta');
    expect(report.redirectedToAppUrl).toBe(true);
    const pending = (await shopsByName()).delta;
    expect(pending).toMatchObject({ status: 'pending' });
    expect(String(pending?.pendingReason)).toMatch(/token|503|unavailable/i);
    const inspector = await fetch(`${f.baseUrl}/ui`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const page = await inspector.text();
    expect(inspector.status).toBe(200);
    expect(page).toMatch(/id="pending-installs"[\s\S]*data-shop="delta"/);
    f.sandbox.setFaults('delta', {});
    await eventually(async () => ((await shopsByName()).delta?.status === 'installed' ? true : undefined));
    expect(subscriptionsOn('delta')).toHaveLength(2);
  });
});

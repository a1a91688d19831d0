/**
 * The app's embedded page (EntryPoint) in a real browser (Debian's Chromium through playwright-core),
 * framed by the sandbox's shop admin page exactly as ShopRenter's admin frames it. Each shop's admin
 * has its own origin (`http://{shop}.localhost:PORT`, which Chromium resolves to the loopback address),
 * so `frame-ancestors` is tested for real: the page loads under its own shop's admin, shows only that
 * shop's events (customer names masked), and refuses to be framed by another shop's admin. Forged or
 * stale entry URLs get 401; a session of one shop cannot open another shop's event. Chromium missing is
 * a failure with instructions, never a skip.
 */
import { fullName, signAppRequest } from '@srhooks/contracts';
import type { Browser, Frame } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../test-support/chromium.js';
import {
  ADMIN_TOKEN,
  APP_CLIENT_SECRET,
  type AppModeFixture,
  eventually,
  startAppModeFixture,
} from './test-support/app-mode-fixture.js';

describe('app entry point in Chromium', () => {
  let f: AppModeFixture;
  let browser: Browser;
  let sandboxPort: string;
  const orders: Record<string, { innerId: string; name: string }> = {};

  beforeAll(async () => {
    f = await startAppModeFixture({
      shops: ['alpha', 'beta'],
      sandbox: { appAdminUrl: 'http://{shop}.localhost:{port}/{shop}/admin' },
    });
    sandboxPort = new URL(f.sandbox.url).port;
    for (const shop of ['alpha', 'beta']) {
      const report = await f.sandbox.apps.install('55', shop);
      expect(report, JSON.stringify(report)).toMatchObject({ redirectedToAppUrl: true });
      const { order } = await f.sandbox.simulator.placeOrder(shop, { seed: shop === 'alpha' ? 1 : 2 });
      orders[shop] = { innerId: String(order.innerId), name: fullName(order) ?? '' };
    }
    await f.sandbox.simulator.waitForIdle();
    await eventually(async () => {
      const response = await fetch(`${f.baseUrl}/admin/api/events`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      const items = (await response.json()).items as unknown[];
      return items.length >= 2 ? true : undefined;
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await f?.close();
  });

  /** Opens a shop admin page; returns its app frame and whether the browser fetched the entry point (200). */
  async function appFrame(adminUrl: string): Promise<{ frame: Frame | undefined; fetched: boolean }> {
    const page = await browser.newPage();
    let fetched = false;
    page.on('response', (response) => {
      if (response.url().startsWith(`${f.baseUrl}/app/entry`) && response.status() === 200) fetched = true;
    });
    const response = await page.goto(adminUrl);
    expect(response?.status()).toBe(200);
    await page.waitForLoadState('load');
    const frame = page.frames().find((candidate) => candidate !== page.mainFrame());
    return { frame, fetched };
  }

  it("loads under the shop's admin and shows that shop's events only, names masked", async () => {
    for (const [shop, other] of [
      ['alpha', 'beta'],
      ['beta', 'alpha'],
    ] as const) {
      const { frame } = await appFrame(`http://${shop}.localhost:${sandboxPort}/${shop}/admin/app/55`);
      expect(frame).toBeDefined();
      const heading = frame?.locator('h1');
      expect(await heading?.getAttribute('data-shop')).toBe(shop);
      const rowShops = await frame
        ?.locator('tr[data-shop]')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-shop')));
      expect(rowShops?.length).toBeGreaterThan(0);
      expect(new Set(rowShops)).toEqual(new Set([shop]));
      const text = (await frame?.locator('body').textContent()) ?? '';
      expect(text).toContain(orders[shop]?.innerId);
      expect(text).not.toContain(orders[shop]?.name);
      expect(text).not.toContain(orders[other]?.name);
    }
  });

  it("refuses to be framed by another shop's admin (frame-ancestors)", async () => {
    // beta's admin origin serving alpha's app page: the frame's CSP allows only alpha's admin origin.
    const { frame, fetched } = await appFrame(`http://beta.localhost:${sandboxPort}/alpha/admin/app/55`);
    expect(fetched, 'the browser fetched the entry point').toBe(true);
    expect(await frame?.locator('h1[data-shop]').count()).toBe(0);
    // The same page under alpha's own admin origin does show it (the check above is not vacuous).
    const own = await appFrame(`http://alpha.localhost:${sandboxPort}/alpha/admin/app/55`);
    expect(await own.frame?.locator('h1[data-shop]').count()).toBe(1);
  });

  it("shows a refusal inside the shop admin's frame (a reloaded, already used entry link), not the browser's block", async () => {
    const { frame } = await appFrame(`http://alpha.localhost:${sandboxPort}/alpha/admin/app/55`);
    expect(await frame?.locator('h1[data-shop]').count()).toBe(1);
    // The frame loads its signed URL again (a frame reload): its code was used, so it is refused — and the
    // merchant must read why and what to do, in the frame.
    const response = await frame?.goto(frame.url());
    expect(response?.status()).toBe(401);
    const text = (await frame?.locator('body').textContent()) ?? '';
    expect(text).toContain('open the app again from the shop admin');
    // Framed by another shop's admin, the refusal stays blocked (the check above is not vacuous).
    const { frame: foreign } = await appFrame(`http://beta.localhost:${sandboxPort}/alpha/admin/app/55`);
    await foreign?.goto(frame?.url() ?? '').catch(() => undefined);
    expect(
      await foreign
        ?.locator('main')
        .count()
        .catch(() => 0),
    ).toBe(0);
  });

  it('answers a forged or stale entry URL with 401, and never opens another shop’s event', async () => {
    const now = Math.floor(Date.now() / 1000);
    const entry = (params: Record<string, string>) =>
      fetch(`${f.baseUrl}/app/entry?${new URLSearchParams(params)}`);
    const good = { shopname: 'alpha', code: 'e1', timestamp: String(now) };
    expect((await entry({ ...good, hmac: signAppRequest(good, 'forged-secret') })).status).toBe(401);
    const stale = { ...good, code: 'e2', timestamp: String(now - 3600) };
    expect((await entry({ ...stale, hmac: signAppRequest(stale, APP_CLIENT_SECRET) })).status).toBe(401);

    const page = await entry({ ...good, hmac: signAppRequest(good, APP_CLIENT_SECRET) });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain(
      `frame-ancestors http://alpha.localhost:${sandboxPort}`,
    );
    const link =
      /href="([^"]*\/app\/entry\/events\/[^"]+)"/.exec(await page.text())?.[1]?.replaceAll('&amp;', '&') ??
      '';
    expect((await fetch(`${f.baseUrl}${link}`)).status).toBe(200);

    const events = (
      await (
        await fetch(`${f.baseUrl}/admin/api/events?shop=beta`, {
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        })
      ).json()
    ).items as Array<{ id: string }>;
    const betaEvent = events[0]?.id ?? '';
    const withAlphaSession = link.replace(/events\/[^?]+/, `events/${encodeURIComponent(betaEvent)}`);
    expect((await fetch(`${f.baseUrl}${withAlphaSession}`)).status).toBe(404);
    expect((await fetch(`${f.baseUrl}${link.replace('shop=alpha', 'shop=beta')}`)).status).toBe(401);
    expect((await entry({ ...good, hmac: signAppRequest(good, APP_CLIENT_SECRET) })).status).toBe(401);
  });
});

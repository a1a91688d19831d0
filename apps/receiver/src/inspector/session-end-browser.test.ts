/**
 * An open inspector page when its session ends, in a real browser (Debian's Chromium through
 * playwright-core): the live indicator says the session ended and links to the login form instead of
 * "reconnecting…" forever. Logout in another tab and expiry reach the page as the stream's last message;
 * a session that ended while the page was offline is found by the page's check after its reconnect is
 * refused (EventSource cannot read the 401 itself).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminAuth, SESSION_COOKIE } from '../admin/admin-auth.js';
import {
  ADMIN_TOKEN,
  order,
  orderDelivery,
  postDelivery,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import { launchChromium } from '../test-support/chromium.js';
import { TcpProxy } from '../test-support/tcp-proxy.js';
import type { TestReceiver } from '../test-support/test-receiver.js';

describe('inspector page when its session ends (Chromium)', () => {
  let receiver: TestReceiver;
  let browser: Browser;
  const problems: string[] = [];

  beforeAll(async () => {
    receiver = await startAdminReceiver();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
  });

  /** Records script errors and failed loads other than the 401s (refused reconnect, check) and `expected`. */
  function watch(page: Page, expected: RegExp[] = []): void {
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      const text = message.text();
      if (message.type() !== 'error' || text.includes('401') || expected.some((e) => e.test(text))) return;
      problems.push(`console: ${text}`);
    });
  }

  /** A browser context holding a session cookie that lasts `ttlMs` (signed with the receiver's admin token). */
  async function contextWithSession(ttlMs?: number): Promise<{ context: BrowserContext; cookie: string }> {
    const auth = new AdminAuth(ADMIN_TOKEN, ttlMs === undefined ? {} : { sessionTtlMs: ttlMs });
    const { cookieValue } = auth.createSession();
    const context = await browser.newContext();
    await context.addCookies([{ name: SESSION_COOKIE, value: cookieValue, url: receiver.baseUrl }]);
    return { context, cookie: `${SESSION_COOKIE}=${cookieValue}` };
  }

  async function openLive(context: BrowserContext, path: string): Promise<Page> {
    const page = await context.newPage();
    watch(page);
    await page.goto(`${receiver.baseUrl}${path}`);
    await page.waitForSelector('body[data-live="connected"]');
    return page;
  }

  async function expectEnded(page: Page, text: string, next: string, withinMs = 20_000): Promise<void> {
    await page.waitForSelector('body[data-live="ended"]', { timeout: withinMs });
    const label = page.locator('.live');
    expect(await label.textContent()).toBe(`${text} · Log in again`);
    expect(await label.locator('a').getAttribute('href')).toBe(`/ui/login?next=${encodeURIComponent(next)}`);
  }

  it('says "Logged out" with a login link when another tab logs out, and the link leads back', async () => {
    const { context } = await contextWithSession();
    const watching = await openLive(context, '/ui?reveal=1');
    const other = await openLive(context, '/ui');
    await Promise.all([
      other.waitForURL('**/ui/login'),
      other.getByRole('button', { name: 'Log out' }).click(),
    ]);

    await expectEnded(watching, 'Logged out', '/ui?reveal=1');
    await Promise.all([watching.waitForURL('**/ui/login?next=*'), watching.locator('.live a').click()]);
    await watching.fill('input[name="token"]', ADMIN_TOKEN);
    await Promise.all([
      watching.waitForURL(`${receiver.baseUrl}/ui?reveal=1`),
      watching.click('button[type="submit"]'),
    ]);
    await watching.waitForSelector('body[data-live="connected"]');
    expect(problems).toEqual([]);
    await context.close();
  });

  it("leaves an action's notice token out of the login link's way back (links never carry it on)", async () => {
    const posted = await postDelivery(receiver, orderDelivery([order(1)]));
    expect(posted.status).toBe(200);
    const delivery = posted.body.deliveryId;
    const { context } = await contextWithSession();
    const watching = await openLive(context, `/ui/deliveries/${delivery}?notice=${'A'.repeat(24)}&reveal=1`);
    const other = await openLive(context, '/ui');
    await Promise.all([
      other.waitForURL('**/ui/login'),
      other.getByRole('button', { name: 'Log out' }).click(),
    ]);
    await expectEnded(watching, 'Logged out', `/ui/deliveries/${delivery}?reveal=1`);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('says "Session expired" when the session runs out while the page is open', async () => {
    // The session must outlast the page's load and connect: under CI load (two cores, every suite at
    // once) a 4 s session ran out before Chromium had connected, and on a CI machine 2.8 times slower
    // a 10 s one did; the page went to the login form and the wait for "connected" timed out. So the
    // session lasts four times what opening a live page takes here and now (at least 10 s, at most 60 s).
    const warm = await contextWithSession();
    const openedAt = Date.now();
    await openLive(warm.context, '/ui');
    const openMs = Date.now() - openedAt;
    await warm.context.close();
    const ttlMs = Math.min(60_000, Math.max(10_000, 4 * openMs));

    const { context } = await contextWithSession(ttlMs);
    const issuedAt = Date.now();
    const page = await openLive(context, '/ui');
    const connectedAfterMs = Date.now() - issuedAt;
    expect(connectedAfterMs, 'the page connected before its session ran out').toBeLessThan(ttlMs);
    await expectEnded(page, 'Session expired', '/ui', ttlMs - connectedAfterMs + 20_000);
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);

  it('finds a session logged out while the network was down: its reconnect is refused, the check says 401', async () => {
    // The page reaches the receiver through a proxy the test can cut (a network drop): the logout's
    // last message cannot reach it, and once the network is back the reconnect is answered 401.
    const proxy = new TcpProxy(receiver.port);
    await proxy.start();
    try {
      const { context, cookie } = await contextWithSession();
      const page = await context.newPage();
      // The cut stream and the reconnects while the network is down fail to load.
      watch(page, [/net::ERR_INCOMPLETE_CHUNKED_ENCODING/, /net::ERR_CONNECTION_REFUSED/]);
      await page.goto(`http://127.0.0.1:${proxy.port}/ui`);
      await page.waitForSelector('body[data-live="connected"]');
      const csrf = (await page.getAttribute('meta[name="csrf-token"]', 'content')) ?? '';
      await proxy.stop();
      await page.waitForSelector('body[data-live="reconnecting"]');
      const logout = await fetch(`${receiver.baseUrl}/ui/logout`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, origin: receiver.baseUrl, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf }),
      });
      expect(logout.status).toBe(303);
      await proxy.start();
      await expectEnded(page, 'Session ended', '/ui');
      expect(problems).toEqual([]);
      await context.close();
    } finally {
      await proxy.stop();
    }
  });
});

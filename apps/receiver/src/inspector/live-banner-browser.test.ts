/**
 * The live banners in a real browser (Debian's Chromium through playwright-core): a filtered list does
 * not insert what arrives (it may not match the filter) but counts it, in words that fit the count, and
 * links to the newest; the live indicator's state reaches screen readers only when the user needs it (a
 * lost connection and its return, not the connect of every page load). Chromium missing is a failure
 * with instructions, never a skip.
 */
import type { Browser } from 'playwright-core';
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

describe('new-deliveries banner in Chromium', () => {
  let receiver: TestReceiver;
  let browser: Browser;

  beforeAll(async () => {
    receiver = await startAdminReceiver();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
  });

  it('counts arrivals on a filtered list: "1 new delivery arrived", then "2 new deliveries arrived"', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.goto(`${receiver.baseUrl}/ui/login?next=%2Fui%3Fq%3Dkovacs`);
    await page.fill('input[name="token"]', ADMIN_TOKEN);
    await Promise.all([
      page.waitForURL(`${receiver.baseUrl}/ui?q=kovacs`),
      page.click('button[type="submit"]'),
    ]);
    await page.waitForSelector('body[data-live="connected"]');
    const banner = page.locator('#new-deliveries');
    expect(await banner.isVisible()).toBe(false);

    const first = await postDelivery(
      receiver,
      orderDelivery([order(61, { firstname: 'Éva', lastname: 'Kovács' })]),
    );
    expect(first.status).toBe(200);
    await banner.waitFor({ state: 'visible' });
    await expect.poll(() => banner.textContent()).toBe('1 new delivery arrived. Show the newest');

    const second = await postDelivery(receiver, orderDelivery([order(62)]));
    expect(second.status).toBe(200);
    await expect.poll(() => banner.textContent()).toBe('2 new deliveries arrived. Show the newest');
    // Not inserted into the filtered list.
    expect(await page.locator('tr[data-delivery-id]').count()).toBe(0);
    expect(await banner.locator('a').getAttribute('href')).toBe('/ui');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('announces a lost live connection once and its return, but not the connect of a page load', async () => {
    // The page reaches the receiver through a proxy the test can cut (a network drop).
    const proxy = new TcpProxy(receiver.port);
    await proxy.start();
    try {
      const context = await browser.newContext();
      const { cookieValue } = new AdminAuth(ADMIN_TOKEN).createSession();
      const origin = `http://127.0.0.1:${proxy.port}`;
      await context.addCookies([{ name: SESSION_COOKIE, value: cookieValue, url: origin }]);
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      let failedStreams = 0;
      page.on('requestfailed', (request) => {
        if (new URL(request.url()).pathname === '/ui/events/stream') failedStreams += 1;
      });
      await page.goto(`${origin}/ui`);
      await page.waitForSelector('body[data-live="connected"]');
      // What the page's live regions say now, as a screen reader would read it (rendered text only).
      const spoken = () =>
        page.evaluate(() =>
          Array.from(document.querySelectorAll('[role="status"], [role="alert"], [aria-live]'))
            .filter((region) => region.getAttribute('aria-live') !== 'off')
            // biome-ignore lint/performance/useDomNodeTextContent: rendered text, as read out (the hidden banner's is not)
            .map((region) => (region as HTMLElement).innerText.trim())
            .filter((text) => text !== ''),
        );
      expect(await spoken()).toEqual([]);
      expect(await page.textContent('.live')).toBe('live');
      // Everything said from now on.
      await page.evaluate(() => {
        const region = document.getElementById('live-announcement');
        const heard: string[] = [];
        (window as unknown as { heard: string[] }).heard = heard;
        if (!region) return;
        new MutationObserver(() => heard.push(region.textContent ?? '')).observe(region, {
          childList: true,
          characterData: true,
          subtree: true,
        });
      });
      const heard = () => page.evaluate(() => (window as unknown as { heard: string[] }).heard);

      await proxy.stop();
      await page.waitForSelector('body[data-live="reconnecting"]');
      await expect.poll(heard).toEqual(['Live updates lost: reconnecting…']);
      // The browser's retries while the network is down fail again: said once, not per retry.
      await expect.poll(() => failedStreams).toBeGreaterThanOrEqual(2);
      expect(await heard()).toEqual(['Live updates lost: reconnecting…']);

      await proxy.start();
      await page.waitForSelector('body[data-live="connected"]', { timeout: 20_000 });
      await expect.poll(heard).toEqual(['Live updates lost: reconnecting…', 'Live updates are back.']);
      expect(await spoken()).toEqual(['Live updates are back.']);
      expect(problems).toEqual([]);
      await context.close();
    } finally {
      await proxy.stop();
    }
  });
});

/**
 * The "new deliveries" banner in a real browser (Debian's Chromium through playwright-core): a filtered
 * list does not insert what arrives (it may not match the filter) but counts it, in words that fit the
 * count, and links to the newest. Chromium missing is a failure with instructions, never a skip.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  order,
  orderDelivery,
  postDelivery,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import { launchChromium } from '../test-support/chromium.js';
import type { TestReceiver } from '../test-support/test-receiver.js';

describe('new-deliveries banner in Chromium', () => {
  let receiver: TestReceiver;
  let browser: Browser;

  beforeAll(async () => {
    receiver = await startAdminReceiver();
    browser = await launchChromium();
  }, 60_000);

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
  }, 60_000);
});

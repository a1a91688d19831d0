/**
 * An erasure announces each delivery it erased on the live stream (cause `erased`), so a row shown is
 * marked erased without a reload, a quarantined delivery's too (it has no event whose change would
 * refresh it); a delivery the page does not show (an older one, past this page) is not added to it as if
 * it had just arrived.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  bearer,
  order,
  orderDelivery,
  postDelivery,
  quarantineOrderDelivery,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import { launchChromium } from '../test-support/chromium.js';
import type { TestReceiver } from '../test-support/test-receiver.js';
import { PAGE_SIZE } from './delivery-list-page.js';

const OLDER = 'erase.older@example.com';
const SHOWN = 'erase.shown@example.com';

describe('inspector: an erasure on the live list', () => {
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

  async function erase(email: string, reason: string): Promise<void> {
    const response = await fetch(`${receiver.baseUrl}/admin/api/personal-data/erase`, {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/json' },
      body: JSON.stringify({ email, reason, includeUnfinished: true }),
    });
    expect(response.status).toBe(200);
  }

  it('marks a shown row erased and leaves out one the page does not show', async () => {
    const older = await postDelivery(receiver, orderDelivery([order(91, { email: OLDER })]));
    // Quarantined: no event to announce its erasure by, only the delivery's own change.
    const shownId = await quarantineOrderDelivery(receiver, order(92, { email: SHOWN }));
    // A page of newer ones after them: the older one is on the next page, the shown one on this.
    for (let seed = 100; seed < 100 + PAGE_SIZE - 1; seed += 1) {
      expect((await postDelivery(receiver, orderDelivery([order(seed)]))).status).toBe(200);
    }
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.goto(`${receiver.baseUrl}/ui/login`);
    await page.fill('input[name="token"]', ADMIN_TOKEN);
    await Promise.all([page.waitForURL(`${receiver.baseUrl}/ui`), page.click('button[type="submit"]')]);
    await page.waitForSelector('body[data-live="connected"]');
    const row = (id: string) => page.locator(`tr[data-delivery-id="${id}"]`);
    await expect.poll(() => row(shownId).count()).toBe(1);
    expect(await row(older.body.deliveryId).count()).toBe(0);

    const asked: string[] = [];
    page.on('request', (request) => {
      const match = /\/ui\/fragments\/delivery-row\/([^/?]+)/.exec(request.url());
      if (match?.[1]) asked.push(decodeURIComponent(match[1]));
    });

    await erase(SHOWN, 'GDPR-2026-701');
    await expect.poll(() => row(shownId).textContent()).toMatch(/erased/);

    await erase(OLDER, 'GDPR-2026-702');
    // Changes are handled in order: once a later arrival's row is shown, the erasure's change was handled.
    const later = await postDelivery(receiver, orderDelivery([order(94)]));
    await expect.poll(() => row(later.body.deliveryId).count()).toBe(1);
    expect(asked).not.toContain(older.body.deliveryId);
    expect(await row(older.body.deliveryId).count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });
});

/**
 * Found by the inspector QA: the list put each delivery that arrived live at the top in the order its
 * row's fragment came back, so of two deliveries arriving together the older one's late answer put it
 * above the newer one (the list is newest first), until a reload. The page holds the older one's
 * fragment back (the browser's own request, delayed, then sent on as it was) to make that order certain.
 */
import type { Browser, Route } from 'playwright-core';
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

describe('inspector: deliveries arriving live keep the list newest first', () => {
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

  it('puts the newer delivery above the older one whichever row answers first', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.goto(`${receiver.baseUrl}/ui/login`);
    await page.fill('input[name="token"]', ADMIN_TOKEN);
    await Promise.all([page.waitForURL(`${receiver.baseUrl}/ui`), page.click('button[type="submit"]')]);
    await page.waitForSelector('body[data-live="connected"]');

    // The first row fragment the page asks for is held until the second delivery's row is shown.
    let held: Route | null = null;
    let heldSeen: () => void = () => {};
    const heldAsked = new Promise<void>((resolve) => {
      heldSeen = resolve;
    });
    await page.route('**/ui/fragments/delivery-row/**', async (route) => {
      if (held === null) {
        held = route;
        heldSeen();
        return;
      }
      await route.continue();
    });

    const older = await postDelivery(receiver, orderDelivery([order(81)]));
    expect(older.status).toBe(200);
    await heldAsked;
    const newer = await postDelivery(receiver, orderDelivery([order(82)]));
    expect(newer.status).toBe(200);
    await page.locator(`tr[data-delivery-id="${newer.body.deliveryId}"]`).waitFor();
    await (held as Route | null)?.continue();
    await page.locator(`tr[data-delivery-id="${older.body.deliveryId}"]`).waitFor();

    const shown = await page
      .locator('#delivery-rows tr[data-delivery-id]')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-delivery-id')));
    expect(shown).toEqual([newer.body.deliveryId, older.body.deliveryId]);
    // As the list itself orders them after a reload.
    await page.reload();
    const reloaded = await page
      .locator('#delivery-rows tr[data-delivery-id]')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-delivery-id')));
    expect(reloaded).toEqual(shown);
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);
});

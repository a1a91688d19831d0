/**
 * The live stream does not replay what it said while a browser's connection was down, and the list did
 * not ask again when it came back: "Live updates are back." over a list that missed the deliveries that
 * arrived meanwhile and showed jobs that ran meanwhile as still pending, until a reload. The page
 * reaches the receiver through a proxy the test cuts (a network drop).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  order,
  orderDelivery,
  postDelivery,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import { launchChromium } from '../test-support/chromium.js';
import { TcpProxy } from '../test-support/tcp-proxy.js';
import type { TestReceiver } from '../test-support/test-receiver.js';
import { openLiveThroughProxy, switchHandler } from './test-support/live-page.js';

describe('inspector list after a lost live connection', () => {
  let receiver: TestReceiver;
  let browser: Browser;

  beforeAll(async () => {
    receiver = await startAdminReceiver({}, { worker: true });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
  });

  it('shows what arrived and what ran while it was down, once the connection is back', async () => {
    const proxy = new TcpProxy(receiver.port);
    await proxy.start();
    try {
      await switchHandler(receiver, 'log', 'disable');
      const { page, problems } = await openLiveThroughProxy(browser, proxy, '/ui');

      const before = await postDelivery(receiver, orderDelivery([order(401)]));
      expect(before.status).toBe(200);
      const shown = page.locator(`tr[data-delivery-id="${before.body.deliveryId}"]`);
      await shown.waitFor();
      expect(await shown.locator('td[data-label="Handlers"]').textContent()).toBe('pending');

      await proxy.stop();
      await page.waitForSelector('body[data-live="reconnecting"]');
      // Meanwhile: a delivery arrives and the jobs run.
      const during = await postDelivery(receiver, orderDelivery([order(402)]));
      expect(during.status).toBe(200);
      await switchHandler(receiver, 'log', 'enable');
      for (const delivery of [before, during]) {
        await expect
          .poll(
            async () => (await receiver.app.store.getDelivery(delivery.body.deliveryId))?.events[0]?.status,
            {
              timeout: 15_000,
            },
          )
          .toBe('succeeded');
      }

      await proxy.start();
      await page.waitForSelector('body[data-live="connected"]', { timeout: 20_000 });
      const arrived = page.locator(`tr[data-delivery-id="${during.body.deliveryId}"]`);
      await arrived.waitFor({ timeout: 10_000 });
      await expect.poll(() => shown.locator('td[data-label="Handlers"]').textContent()).toBe('succeeded');
      expect(await arrived.locator('td[data-label="Handlers"]').textContent()).toBe('succeeded');
      const rows = await page
        .locator('#delivery-rows tr[data-delivery-id]')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-delivery-id')));
      expect(rows.slice(0, 2)).toEqual([during.body.deliveryId, before.body.deliveryId]);
      expect(problems).toEqual([]);
      await page.context().close();
    } finally {
      await proxy.stop();
    }
  }, 90_000);
});

describe('inspector delivery page after a lost live connection', () => {
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

  it('an erasure while it was down: the page shows no erased data once the connection is back', async () => {
    const proxy = new TcpProxy(receiver.port);
    await proxy.start();
    try {
      const email = 'lost.connection@example.com';
      const posted = await postDelivery(receiver, orderDelivery([order(403, { email })]));
      expect(posted.status).toBe(200);
      const { page, problems } = await openLiveThroughProxy(
        browser,
        proxy,
        `/ui/deliveries/${posted.body.deliveryId}?reveal=1`,
      );
      expect(await page.content()).toContain(email);

      await proxy.stop();
      await page.waitForSelector('body[data-live="reconnecting"]');
      const erased = await fetch(`${receiver.baseUrl}/admin/api/personal-data/erase`, {
        method: 'POST',
        headers: { ...bearer(), 'content-type': 'application/json' },
        body: JSON.stringify({ email, reason: 'GDPR-2026-801', includeUnfinished: true }),
      });
      expect(erased.status).toBe(200);

      await proxy.start();
      await expect.poll(() => page.content(), { timeout: 20_000 }).not.toContain(email);
      await page.waitForSelector('body[data-live="connected"]');
      expect(problems).toEqual([]);
      await page.context().close();
    } finally {
      await proxy.stop();
    }
  }, 90_000);
});

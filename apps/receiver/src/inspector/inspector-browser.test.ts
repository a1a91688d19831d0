/**
 * The inspector in a real browser (Debian's Chromium through playwright-core): log in, watch a real-format
 * delivery arrive live (posted over a raw socket, Expect: 100-continue included, while the page is open),
 * open it, press Replay, see the new attempt. Screenshots at desktop and phone width go to
 * apps/receiver/test-output/ (gitignored). Chromium missing is a failure with instructions, never a skip.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, SHOP, startAdminReceiver } from '../admin/test-support/admin-test-receiver.js';
import { launchChromium } from '../test-support/chromium.js';
import { deliveryRequest } from '../test-support/delivery-fixtures.js';
import { sendRaw } from '../test-support/raw-http.js';
import type { TestReceiver } from '../test-support/test-receiver.js';

const OUTPUT_DIR = fileURLToPath(new URL('../../test-output/', import.meta.url));
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

describe('inspector in Chromium', () => {
  let receiver: TestReceiver;
  let browser: Browser;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(OUTPUT_DIR, { recursive: true });
    receiver = await startAdminReceiver({}, { worker: true });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
  });

  function watch(page: Page): void {
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  }

  it('logs in, sees a delivery arrive live, opens it, replays it and sees the new attempt', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    watch(page);

    // Log in through the form.
    await page.goto(`${receiver.baseUrl}/ui`);
    expect(new URL(page.url()).pathname).toBe('/ui/login');
    await page.fill('input[name="token"]', ADMIN_TOKEN);
    await Promise.all([page.waitForURL(`${receiver.baseUrl}/ui`), page.click('button[type="submit"]')]);
    await expect.poll(() => page.textContent('h1')).toBe('Deliveries');
    await page.waitForSelector('body[data-live="connected"]');
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    expect(await page.locator('#no-deliveries').count()).toBe(1);

    // ShopRenter's exact bytes arrive while the page is open.
    const token = receiver.path(SHOP, 'order_confirm').split('/').pop() ?? '';
    const answer = await sendRaw(receiver.port, deliveryRequest('order_confirm', token));
    expect(answer.interim).toEqual([100]);
    expect(answer.statusCode).toBe(200);
    const { deliveryId } = JSON.parse(answer.body) as { deliveryId: string };

    const row = page.locator(`tr[data-delivery-id="${deliveryId}"]`);
    await row.waitFor();
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    );
    expect(await row.locator('td[data-label="Order"]').textContent()).toBe('190');
    expect(await row.locator('td[data-label="Customer"] [aria-hidden="true"]').textContent()).toBe(
      'P*** T***',
    );
    expect(await row.locator('td[data-label="Customer"] .visually-hidden').textContent()).toBe(
      'P T (rest hidden)',
    );
    expect(await row.locator('td[data-label="Gross total"]').textContent()).toBe('11,206 HUF');
    expect(await page.locator('#no-deliveries').count()).toBe(0);
    // The worker runs the log handler; the row's status follows live.
    await expect
      .poll(() => row.locator('td[data-label="Handlers"]').textContent(), { timeout: 15_000 })
      .toBe('succeeded');
    await page.screenshot({ path: `${OUTPUT_DIR}inspector-list-desktop.png`, fullPage: true });

    // Open it: the order card, the handler and its first attempt.
    await Promise.all([page.waitForURL(`**/ui/deliveries/${deliveryId}`), row.locator('a').first().click()]);
    await expect.poll(() => page.textContent('section.event h2')).toBe('Order #190');
    const card = page.locator('section.event');
    expect(await card.locator('table.products tbody tr').count()).toBe(2);
    expect(await card.textContent()).toContain('30 Multi-Colored Tulips');
    expect(await card.textContent()).toContain('Debrecen');
    const job = page.locator('tr[data-job-id]');
    await job.locator('li[data-attempt="1"]').waitFor();
    expect(await job.locator('li[data-attempt]').count()).toBe(1);

    // Replay: the job succeeded already, so the page asks first (its target gets the order again);
    // the form POSTs with the CSRF token, the page comes back and the second attempt appears.
    const questions: string[] = [];
    page.on('dialog', (dialog) => {
      questions.push(dialog.message());
      void dialog.accept();
    });
    await Promise.all([
      page.waitForURL(/\/ui\/deliveries\/[^?]+\?notice=[A-Za-z0-9_-]{24}/),
      page.getByRole('button', { name: 'Replay log' }).click(),
    ]);
    expect(questions).toEqual([
      'log handled this event successfully already. Run it again? It gets the event a second time (with the same job id as before).',
    ]);
    expect(await page.textContent('.notice.ok')).toContain('Replay queued');
    await page.locator('tr[data-job-id] li[data-attempt="2"]').waitFor({ timeout: 15_000 });
    await expect
      .poll(() => page.locator('tr[data-job-id] li[data-attempt="2"] .badge').textContent(), {
        timeout: 15_000,
      })
      .toBe('succeeded');
    // "Replay all handlers" asks the same way while one of them succeeded.
    expect(
      await page.locator('form:has(button:text-is("Replay all handlers"))').getAttribute('data-confirm'),
    ).toBe(
      'Run every handler of this event again? log handled it successfully already and gets it a second time (with the same job id as before).',
    );
    const attempts = await receiver.app.store.getEvent(
      (await receiver.app.store.getDelivery(deliveryId))?.events[0]?.id ?? '',
    );
    expect(attempts?.jobs[0]?.attemptLog.map((attempt) => attempt.outcome)).toEqual([
      'succeeded',
      'succeeded',
    ]);
    await page.screenshot({ path: `${OUTPUT_DIR}inspector-delivery-desktop.png`, fullPage: true });

    // Phone width: the same pages stay usable (no horizontal scrolling).
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: `${OUTPUT_DIR}inspector-delivery-phone.png`, fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await page.goto(`${receiver.baseUrl}/ui`);
    await page.waitForSelector(`tr[data-delivery-id="${deliveryId}"]`);
    await page.screenshot({ path: `${OUTPUT_DIR}inspector-list-phone.png`, fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);

    // No CSP violation, script error or failed request on the way.
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  it('opens Handlers from the navigation, disables a handler (confirming) and enables it again', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    watch(page);
    const questions: string[] = [];
    page.on('dialog', (dialog) => {
      questions.push(dialog.message());
      void dialog.accept();
    });
    await page.goto(`${receiver.baseUrl}/ui/login`);
    await page.fill('input[name="token"]', ADMIN_TOKEN);
    await Promise.all([page.waitForURL(`${receiver.baseUrl}/ui`), page.click('button[type="submit"]')]);

    await Promise.all([
      page.waitForURL(`${receiver.baseUrl}/ui/handlers`),
      page.getByRole('link', { name: 'Handlers' }).click(),
    ]);
    const row = page.locator('tr[data-handler="log"]');
    expect(await row.locator('td[data-label="State"]').textContent()).toContain('enabled');

    await Promise.all([
      page.waitForURL(/\/ui\/handlers\?notice=[A-Za-z0-9_-]{24}/),
      page.getByRole('button', { name: 'Disable log' }).click(),
    ]);
    expect(questions).toEqual(['Disable handler log? Its jobs wait, not attempted, until it is enabled.']);
    expect(await page.textContent('.notice.ok')).toContain('log disabled: its jobs wait until it is enabled');
    expect(await row.locator('td[data-label="State"]').textContent()).toContain('disabled by an operator');
    const states = await receiver.app.store.listHandlerStates();
    expect(states.find((state) => state.handler === 'log')?.disabled).toBe(true);
    await page.screenshot({ path: `${OUTPUT_DIR}inspector-handlers-desktop.png`, fullPage: true });
    await page.setViewportSize(PHONE);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: `${OUTPUT_DIR}inspector-handlers-phone.png`, fullPage: true });

    await Promise.all([
      page.waitForURL(/\/ui\/handlers\?notice=[A-Za-z0-9_-]{24}/),
      page.getByRole('button', { name: 'Enable log' }).click(),
    ]);
    expect(await page.textContent('.notice.ok')).toContain('log enabled: its waiting jobs run now.');
    const after = await receiver.app.store.listHandlerStates();
    expect(after.find((state) => state.handler === 'log')?.disabled ?? false).toBe(false);
    expect(await row.locator('td[data-label="Running"]').textContent()).toBe('0');

    // The handler's deliveries: the list filtered by it, the filter shown in the form.
    await Promise.all([
      page.waitForURL(`${receiver.baseUrl}/ui?handler=log`),
      page.getByRole('link', { name: 'Deliveries with log jobs' }).click(),
    ]);
    await expect.poll(() => page.textContent('h1')).toBe('Deliveries');
    expect(await page.inputValue('input[name="handler"]')).toBe('log');
    expect(problems).toEqual([]);
    await context.close();
  });
});

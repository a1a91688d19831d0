/**
 * "Mark uninstalled" in a real browser (Debian's Chromium through playwright-core) against an app-mode
 * receiver and the sandbox's app flow: log in, open Shops from the navigation, follow Mark uninstalled,
 * submit the confirmation with a wrong name (refused, nothing changed), then with the shop's name: the
 * page says what was done and the shop is uninstalled. Screenshots (desktop, phone width) go to
 * apps/receiver/test-output/ (gitignored). Chromium missing is a failure with instructions.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  APP_ID,
  type AppModeFixture,
  startAppModeFixture,
} from '../app-mode/test-support/app-mode-fixture.js';
import { launchChromium } from '../test-support/chromium.js';

const OUTPUT_DIR = fileURLToPath(new URL('../../test-output/', import.meta.url));

describe('Shops page in Chromium', () => {
  let f: AppModeFixture;
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(OUTPUT_DIR, { recursive: true });
    f = await startAppModeFixture({ shops: ['alpha'] });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await f?.close();
  });

  it('marks an app shop uninstalled through the confirmation page', async () => {
    await f.sandbox.apps.install(APP_ID, 'alpha');
    const problems: string[] = [];
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));

    await page.goto(`${f.baseUrl}/ui/login`);
    await page.fill('input[name="token"]', ADMIN_TOKEN);
    await Promise.all([page.waitForURL(`${f.baseUrl}/ui`), page.click('button[type="submit"]')]);

    await Promise.all([page.waitForURL(`${f.baseUrl}/ui/shops`), page.click('nav a:text-is("Shops")')]);
    const row = page.locator('tr[data-shop="alpha"]');
    expect(await row.locator('td[data-label="State"] .badge').textContent()).toBe('installed');

    await Promise.all([
      page.waitForURL(`${f.baseUrl}/ui/shops/alpha/uninstall`),
      row.locator('a:text-is("Mark uninstalled")').click(),
    ]);
    expect(await page.textContent('h1')).toBe('Mark alpha uninstalled?');
    await page.screenshot({ path: `${OUTPUT_DIR}shops-confirm-desktop.png`, fullPage: true });

    // A wrong name: the confirmation again, with the reason; the shop stays installed.
    await page.fill('input[name="confirm"]', 'alpah');
    await page.click('button:text-is("Mark alpha uninstalled")');
    await page.waitForSelector('.notice.error');
    expect(await page.textContent('.notice.error')).toContain('the name typed is not alpha');
    expect((await f.receiver.appShops?.get('alpha'))?.status).toBe('installed');

    await page.fill('input[name="confirm"]', 'alpha');
    await Promise.all([
      page.waitForURL(/\/ui\/shops\?notice=[A-Za-z0-9_-]{24}$/),
      page.click('button:text-is("Mark alpha uninstalled")'),
    ]);
    expect(await page.textContent('.notice.ok')).toContain('alpha marked uninstalled');
    expect(await row.locator('td[data-label="State"] .badge').textContent()).toBe('uninstalled');
    expect(await row.locator('td[data-label="State"]').textContent()).toContain('by an operator');
    expect((await f.receiver.appShops?.get('alpha'))?.status).toBe('uninstalled');
    await page.screenshot({ path: `${OUTPUT_DIR}shops-desktop.png`, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: `${OUTPUT_DIR}shops-phone.png`, fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  });
});

/**
 * Pages of the inspector in Chromium for the live-update tests: logged in through the form, or through
 * a TCP proxy the test can cut (a network drop) with a session cookie; each waits until its live stream
 * is connected and collects the page's script errors. And the admin API's handler disable/enable, which
 * those tests use to hold a job back and let it run.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { AdminAuth, SESSION_COOKIE } from '../../admin/admin-auth.js';
import { ADMIN_TOKEN, bearer } from '../../admin/test-support/admin-test-receiver.js';
import type { TcpProxy } from '../../test-support/tcp-proxy.js';
import type { TestReceiver } from '../../test-support/test-receiver.js';

export interface LivePage {
  page: Page;
  /** Script errors the page raised. */
  problems: string[];
}

async function watched(context: BrowserContext): Promise<LivePage> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { page, problems };
}

/** The deliveries list, logged in through the login form, its live stream connected. */
export async function openLiveList(
  browser: Browser,
  receiver: TestReceiver,
  context?: BrowserContext,
): Promise<LivePage> {
  const opened = await watched(context ?? (await browser.newContext()));
  const { page } = opened;
  await page.goto(`${receiver.baseUrl}/ui/login`);
  await page.fill('input[name="token"]', ADMIN_TOKEN);
  await Promise.all([page.waitForURL(`${receiver.baseUrl}/ui`), page.click('button[type="submit"]')]);
  await page.waitForSelector('body[data-live="connected"]');
  return opened;
}

/** An inspector page (path: `/ui…`) reached through proxy, with a session cookie, its live stream connected. */
export async function openLiveThroughProxy(
  browser: Browser,
  proxy: TcpProxy,
  path: string,
): Promise<LivePage> {
  const context = await browser.newContext();
  const { cookieValue } = new AdminAuth(ADMIN_TOKEN).createSession();
  const origin = `http://127.0.0.1:${proxy.port}`;
  await context.addCookies([{ name: SESSION_COOKIE, value: cookieValue, url: origin }]);
  const opened = await watched(context);
  await opened.page.goto(`${origin}${path}`);
  await opened.page.waitForSelector('body[data-live="connected"]');
  return opened;
}

/** Disables or enables a handler through the admin API. */
export async function switchHandler(
  receiver: TestReceiver,
  name: string,
  action: 'disable' | 'enable',
): Promise<void> {
  const response = await fetch(`${receiver.baseUrl}/admin/api/handlers/${name}/${action}`, {
    method: 'POST',
    headers: bearer(),
  });
  expect(response.status).toBe(200);
}

/**
 * Found by the inspector QA: the deliveries list's filter form was a GET form, so what an operator
 * searched for — a customer's name, e-mail address or phone number — stood in the address
 * (`/ui?…&q=kovacs.eva%40gmail.com`), and from there in the browser's history and a reverse proxy's
 * access log (nginx's default format logs the query), and in every "Older →" and "Show personal data"
 * link; the field's `autocomplete="off"` only kept it out of the form history. The form now posts
 * (`/ui/search`, with the CSRF token) and the list's address carries the search sealed
 * (`search=t1.…`, AES-GCM under a key derived from the admin token).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  type BrowserSession,
  loginAsBrowser,
  order,
  orderDelivery,
  postDelivery,
  postFormAsBrowser,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import { launchChromium } from '../test-support/chromium.js';
import type { TestReceiver } from '../test-support/test-receiver.js';

const EMAIL = 'kovacs.eva@gmail.com';
/** The e-mail address in any form an address or a page could carry it. */
const EMAIL_FORMS = [EMAIL, encodeURIComponent(EMAIL), 'kovacs.eva', 'kovacs'];

describe('inspector: what was searched for stays out of addresses', () => {
  let receiver: TestReceiver;
  let browser: Browser;
  let session: BrowserSession;
  const found: string[] = [];

  beforeAll(async () => {
    receiver = await startAdminReceiver();
    for (const item of [
      order(71, { firstname: 'Éva', lastname: 'Kovács', email: EMAIL }),
      order(72, { firstname: 'Győző', lastname: 'Nagy', email: 'nagy.gyozo@example.hu' }),
    ]) {
      const posted = await postDelivery(receiver, orderDelivery([item]));
      expect(posted.status).toBe(200);
      found.push(posted.body.deliveryId);
    }
    browser = await launchChromium();
    session = await loginAsBrowser(receiver);
  });

  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
  });

  function carriesEmail(text: string): boolean {
    return EMAIL_FORMS.some((form) => text.toLowerCase().includes(form.toLowerCase()));
  }

  it('searches by e-mail address: the list shows the match, no address holds the search', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));

    await page.goto(`${receiver.baseUrl}/ui/login`);
    await page.fill('input[name="token"]', ADMIN_TOKEN);
    await Promise.all([page.waitForURL(`${receiver.baseUrl}/ui`), page.click('button[type="submit"]')]);
    await page.selectOption('select[name="event"]', 'order_confirm');
    await page.fill('input[name="q"]', EMAIL);
    await Promise.all([
      page.waitForURL(/\/ui\?event=order_confirm&search=t1\./),
      page.press('input[name="q"]', 'Enter'),
    ]);

    // The match, and the search in its field, as typed.
    expect(await page.locator('tr[data-delivery-id]').count()).toBe(1);
    expect(await page.locator(`tr[data-delivery-id="${found[0]}"]`).count()).toBe(1);
    expect(await page.inputValue('input[name="q"]')).toBe(EMAIL);
    expect(await page.inputValue('select[name="event"]')).toBe('order_confirm');
    // Nowhere in an address: the page's, any link's, any request the browser made.
    expect(carriesEmail(page.url())).toBe(false);
    const links = await page
      .locator('a[href]')
      .evaluateAll((anchors) => anchors.map((anchor) => anchor.getAttribute('href') ?? ''));
    expect(links.filter(carriesEmail)).toEqual([]);
    expect(requested.filter(carriesEmail)).toEqual([]);

    // Revealed through the page's own link: the same search, still sealed.
    await Promise.all([
      page.waitForURL(/reveal=1/),
      page.getByRole('link', { name: 'Show personal data' }).click(),
    ]);
    expect(carriesEmail(page.url())).toBe(false);
    expect(await page.inputValue('input[name="q"]')).toBe(EMAIL);
    expect(await page.locator('tr[data-delivery-id] td[data-label="Customer"]').textContent()).toBe(
      'Kovács Éva',
    );
    expect(requested.filter(carriesEmail)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  it('the form posts with the CSRF token: without it nothing is searched (403)', async () => {
    const response = await postFormAsBrowser(
      receiver,
      session,
      '/ui/search',
      new URLSearchParams({ q: EMAIL }),
    );
    expect(response.status).toBe(403);
  });

  it.each([
    ['search=t1.AAAA', 'cannot be read'],
    ['search=not-sealed', 'cannot be read'],
    ['search=t1.AAAA&search=t1.BBBB', 'given once'],
    ['search=t1.AAAA&q=kovacs', 'gives the search twice'],
  ])('refuses ?%s as a filter it cannot use (400, tied to the search field)', async (query, problem) => {
    const response = await fetch(`${receiver.baseUrl}/ui?${query}`, { headers: { cookie: session.cookie } });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain('id="filter-problem-q"');
    expect(text).toContain(problem);
  });

  it('still reads a plain q (the duplicate page links by order number), sealing it in its own links', async () => {
    const response = await fetch(`${receiver.baseUrl}/ui?q=${encodeURIComponent(EMAIL)}`, {
      headers: { cookie: session.cookie },
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain(`data-delivery-id="${found[0]}"`);
    const hrefs = [...text.matchAll(/href="([^"]*)"/g)].map((match) => match[1] ?? '');
    expect(hrefs.filter(carriesEmail)).toEqual([]);
    expect(hrefs.some((href) => /^\/ui\?search=t1\.[\w-]+&amp;reveal=1$/.test(href))).toBe(true);
  });
});

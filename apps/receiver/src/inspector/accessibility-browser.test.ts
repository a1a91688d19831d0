/**
 * The inspector's accessibility in a real browser (Debian's Chromium through playwright-core): axe-core
 * (WCAG 2.0/2.1 A and AA rules) over every page and state — login and its error, the list (empty, masked,
 * revealed, a filter with no match, the new-deliveries banner), a delivery (held, quarantined, dead),
 * dead letters (empty and full), handlers, "Erase personal data…" (its dry run, a refused reason), the error page, the ended-session indicator — in the light
 * and the dark colour scheme; the same pages at 320 px wide must not scroll sideways. By hand what axe
 * cannot see: page titles and table names, the login error tied to its field, the new-deliveries live
 * region, masked values in the accessibility tree (no asterisks read out), keyboard focus and an opened
 * `<details>` kept across a live redraw. App mode: the entry page framed by the sandbox's shop admin,
 * Shops, Mark uninstalled.
 * axe runs through page.evaluate, so the strict CSP stays on. Chromium missing is a failure with
 * instructions.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fullName } from '@srhooks/contracts';
import type { Browser, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  order,
  orderDelivery,
  postDelivery,
  quarantineOrderDelivery,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import {
  ADMIN_TOKEN as APP_ADMIN_TOKEN,
  APP_ID,
  type AppModeFixture,
  eventually,
  startAppModeFixture,
} from '../app-mode/test-support/app-mode-fixture.js';
import { launchChromium } from '../test-support/chromium.js';
import type { TestReceiver } from '../test-support/test-receiver.js';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

interface AxeViolation {
  id: string;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** axe's A/AA violations on the page as it is now, one line per rule and element. */
async function axeViolations(page: Page | Frame): Promise<string[]> {
  const loaded = await page.evaluate(() => 'axe' in window);
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(
    (tags) =>
      (
        window as unknown as {
          axe: { run(context: unknown, options: unknown): Promise<{ violations: unknown[] }> };
        }
      ).axe
        .run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
        .then((result) => result.violations),
    WCAG_AA,
  )) as AxeViolation[];
  return violations.flatMap((violation) =>
    violation.nodes.map(
      (node) =>
        `${violation.id} (${violation.help}) at ${JSON.stringify(node.target)}: ${node.failureSummary ?? ''}`,
    ),
  );
}

/**
 * axe's violations of the page (or of a frame in it) in the light and then the dark colour scheme, each
 * line saying which. The scheme is switched on the page, whose styles follow at once (as when the
 * system's setting changes): a state is loaded once and audited in both.
 */
async function violationsInBothSchemes(page: Page, target: Page | Frame = page): Promise<string[]> {
  const found: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    for (const line of await axeViolations(target)) found.push(`(${colorScheme}) ${line}`);
  }
  return found;
}

/**
 * An audit of the current page's states: `audit(name)` adds the violations of the page as it is now
 * (both colour schemes) to `found`, each line prefixed with the state's name; `visit(path)` loads a
 * path of `baseUrl` first. `current` gives the page, which a test may swap for a new context's.
 */
function auditor(current: () => Page, baseUrl: string) {
  const found: string[] = [];
  const audit = async (name: string): Promise<void> => {
    for (const line of await violationsInBothSchemes(current())) found.push(`${name}: ${line}`);
  };
  const visit = async (path: string, name = path): Promise<void> => {
    await current().goto(`${baseUrl}${path}`);
    await audit(name);
  };
  return { found, audit, visit };
}

async function logIn(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/ui/login`);
  await page.fill('input[name="token"]', ADMIN_TOKEN);
  await Promise.all([page.waitForURL(`${baseUrl}/ui`), page.click('button[type="submit"]')]);
}

// One Chromium for the whole file (each case opens its own context).
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('inspector accessibility (axe-core in Chromium)', () => {
  let receiver: TestReceiver;
  let empty: TestReceiver;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    [receiver, empty] = await Promise.all([startAdminReceiver(), startAdminReceiver()]);
    const posted = await postDelivery(
      receiver,
      orderDelivery([
        order(1, {
          innerId: '1001',
          firstname: 'Éva',
          lastname: 'Kovács',
          totalGross: 12500,
          currency: 'HUF',
        }),
        order(2, { innerId: '1002', firstname: 'Győző', lastname: 'Nagy' }),
      ]),
    );
    expect(posted.status).toBe(200);
    ids.orders = posted.body.deliveryId;
    ids.quarantined = await quarantineOrderDelivery(
      receiver,
      order(3, { firstname: 'Ödön', lastname: 'Kertész' }),
    );
    const store = receiver.app.store;
    const [dead, retrying] = await store.claimJobs({ workerId: 'w', limit: 10, leaseMs: 60_000 });
    if (!dead || !retrying) throw new Error('expected two jobs');
    await store.failJob(dead.id, {
      attempt: dead.attempt,
      error: 'ERP refused Kovács Éva',
      deadLetter: true,
    });
    await store.failJob(retrying.id, {
      attempt: retrying.attempt,
      error: 'ERP timed out',
      retryAt: new Date(Date.now() + 3_600_000),
    });
    // The order whose job is retrying (unfinished: its erase page names it), for "Erase personal data…".
    ids.erasable = retrying.eventId;
  });

  afterAll(async () => {
    await receiver?.close();
    await empty?.close();
  });

  /** The pages with data, for the checks below. */
  const pages = (): string[] => [
    '/ui',
    '/ui?reveal=1',
    '/ui?status=held',
    `/ui/deliveries/${ids.orders}`,
    `/ui/deliveries/${ids.orders}?reveal=1`,
    `/ui/deliveries/${ids.quarantined}?reveal=1`,
    '/ui/deliveries/dlv_0000000000000000000000000',
    '/ui/dead-letters?reveal=1',
    '/ui/handlers',
    `/ui/events/${ids.erasable}/erase`,
    `/ui/events/${ids.erasable}/erase?scope=email&reveal=1`,
  ];

  // One pass over the pages for both checks, each page loaded once: the phone widths by resizing the
  // page (the layout follows the viewport as it does on a real resize or zoom).
  it('does not scroll the page sideways at 320 px wide (200 % zoom of a 640 px window too); titles every page after what it shows and names every table', async () => {
    const narrow = { width: 320, height: 640 };
    const viewports = [narrow, { width: 640, height: 450 }];
    const context = await browser.newContext({ viewport: narrow });
    const page = await context.newPage();
    await logIn(page, receiver.baseUrl);
    const wide: string[] = [];
    const unnamed: string[] = [];
    const titles: Record<string, string> = {};
    for (const path of pages()) {
      await page.goto(`${receiver.baseUrl}${path}`);
      for (const viewport of viewports) {
        await page.setViewportSize(viewport);
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        if (width > viewport.width) wide.push(`${path} at ${viewport.width} px: ${width} px wide`);
      }
      await page.setViewportSize(narrow);
      titles[path] = await page.title();
      const tables = await page.evaluate(() =>
        Array.from(document.querySelectorAll('table')).map((table) => ({
          cls: table.className,
          name: table.caption?.textContent?.trim() || table.getAttribute('aria-label') || '',
        })),
      );
      for (const table of tables) if (table.name === '') unnamed.push(`${path}: table.${table.cls}`);
    }
    expect(wide).toEqual([]);
    expect(titles['/ui/deliveries/dlv_0000000000000000000000000']).toBe('Not found · srhooks inspector');
    expect(unnamed).toEqual([]);
    await context.close();
  });

  it("ties the login form's error to the token field", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${receiver.baseUrl}/ui/login`);
    await page.fill('input[name="token"]', 'wrong-token-0123456789');
    await Promise.all([page.waitForLoadState(), page.click('button[type="submit"]')]);
    await page.waitForSelector('.notice.error');
    const field = page.locator('input[name="token"]');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    const described = await field.evaluate(
      (input) => document.getElementById(input.getAttribute('aria-describedby') ?? '')?.textContent ?? '',
    );
    expect(described).toBe(await page.textContent('.notice.error'));
    await context.close();
  });

  it('has no A/AA violation on any page in the light and the dark colour scheme', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    let page = await context.newPage();
    const { found, audit, visit } = auditor(() => page, receiver.baseUrl);

    await page.goto(`${receiver.baseUrl}/ui/login`);
    await audit('login');
    await page.fill('input[name="token"]', 'wrong-token-0123456789');
    await Promise.all([page.waitForLoadState(), page.click('button[type="submit"]')]);
    await page.waitForSelector('.notice.error');
    await audit('login error');
    await logIn(page, receiver.baseUrl);
    await page.waitForSelector('body[data-live="connected"]');
    await audit('/ui');
    await visit('/ui?reveal=1');
    await visit('/ui?status=held', 'filter without match');
    await visit('/ui?q=Kov%C3%A1cs', 'search');
    await visit('/ui?status=nonsense', 'invalid filter');
    await visit(`/ui/deliveries/${ids.orders}`);
    await visit(`/ui/deliveries/${ids.orders}?reveal=1`);
    await visit(`/ui/deliveries/${ids.quarantined}`, 'quarantined delivery');
    await visit('/ui/deliveries/dlv_0000000000000000000000000', 'not found');
    await visit('/ui/dead-letters');
    await visit('/ui/dead-letters?reveal=1');
    await visit('/ui/handlers');
    // The new-deliveries banner (a filtered list announces new deliveries instead of inserting them).
    await page.goto(`${receiver.baseUrl}/ui?event=order_confirm`);
    await page.waitForSelector('body[data-live="connected"]');
    await postDelivery(receiver, orderDelivery([order(4, { firstname: 'Béla', lastname: 'Szabó' })]));
    await page.waitForSelector('#new-deliveries:not([hidden])');
    await audit('new-deliveries banner');

    // An empty receiver (its own context: cookies do not tell ports apart): lists without rows; then
    // the session ends while the page is open.
    await context.close();
    const second = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await second.newPage();
    await logIn(page, empty.baseUrl);
    await page.waitForSelector('body[data-live="connected"]');
    await audit('empty list');
    await page.goto(`${empty.baseUrl}/ui/dead-letters`);
    await audit('empty dead letters');
    await page.goto(`${empty.baseUrl}/ui`);
    await page.waitForSelector('body[data-live="connected"]');
    const other = await second.newPage();
    await other.goto(`${empty.baseUrl}/ui`);
    await Promise.all([other.waitForURL(/\/ui\/login/), other.click('button:text-is("Log out")')]);
    await page.waitForSelector('body[data-live="ended"]');
    await audit('session ended');

    await second.close();
    expect(found).toEqual([]);
  }, 240_000);

  it('has no A/AA violation on the erase page (its dry run, revealed, a refused reason) in either colour scheme', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const { found, audit, visit } = auditor(() => page, receiver.baseUrl);
    await logIn(page, receiver.baseUrl);
    await visit(`/ui/events/${ids.erasable}/erase`, 'erase personal data');
    await visit(`/ui/events/${ids.erasable}/erase?scope=email&reveal=1`, 'erase personal data by e-mail');
    // Its form refused (a reason that is an e-mail address): the error tied to the reason field.
    await page.fill('input[name="reason"]', 'nagy@example.hu');
    await Promise.all([page.waitForLoadState(), page.click('button:text-is("Erase")')]);
    await page.waitForSelector('.notice.error');
    await audit('erase personal data, reason refused');
    const reason = page.locator('input[name="reason"]');
    expect(await reason.getAttribute('aria-invalid')).toBe('true');
    expect(
      await reason.evaluate(
        (input) =>
          document.getElementById(input.getAttribute('aria-describedby')?.split(' ')[0] ?? '')?.textContent,
      ),
    ).toBe(await page.textContent('.notice.error'));
    await context.close();
    expect(found).toEqual([]);
  }, 240_000);

  it('announces new deliveries through a live region that is there before the first one arrives', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await logIn(page, receiver.baseUrl);
    await page.goto(`${receiver.baseUrl}/ui?event=order_confirm`);
    await page.waitForSelector('body[data-live="connected"]');
    // A screen reader reads changes inside a live region it knows; one that appears with its text is missed.
    const region = async () =>
      page.locator('#new-deliveries').evaluate((banner) => {
        const live = banner.closest('[role="status"], [aria-live="polite"]');
        return live === null ? 'none' : live.checkVisibility() ? 'rendered' : 'hidden';
      });
    expect(await region()).toBe('rendered');
    await postDelivery(receiver, orderDelivery([order(5, { firstname: 'Anna', lastname: 'Tóth' })]));
    await page.waitForSelector('#new-deliveries:not([hidden])');
    expect(await region()).toBe('rendered');
    expect(await page.locator('[role="status"]:has(#new-deliveries)').textContent()).toBe(
      '1 new delivery arrived. Show the newest',
    );
    await context.close();
  });

  it('announces masked personal data by what is left of it, not as asterisks', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await logIn(page, receiver.baseUrl);
    const heard: Record<string, string> = {};
    for (const path of ['/ui', `/ui/deliveries/${ids.orders}`, '/ui/dead-letters']) {
      await page.goto(`${receiver.baseUrl}${path}`);
      // The accessibility tree, as a screen reader reads it.
      heard[path] = await page.locator('main').ariaSnapshot();
    }
    for (const [path, snapshot] of Object.entries(heard)) {
      expect(snapshot, path).not.toContain('***');
      expect(snapshot, path).not.toContain('Kovács');
    }
    expect(heard['/ui']).toContain('K É (rest hidden)');
    expect(heard[`/ui/deliveries/${ids.orders}`]).toContain('definition: K É (rest hidden)');
    expect(heard['/ui/dead-letters']).toContain('K É (rest hidden)');
    await context.close();
  });

  // Last: it replays a job, which changes what the pages above show.
  it('keeps keyboard focus on its button and an opened <details> open when a live update redraws the event around it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await logIn(page, receiver.baseUrl);
    await page.goto(`${receiver.baseUrl}/ui/deliveries/${ids.orders}?reveal=1`);
    await page.waitForSelector('body[data-live="connected"]');
    const section = page.locator('section.event').first();
    const eventId = (await section.getAttribute('data-event-id')) ?? '';
    // The user opens the normalised payload (closed by default); the redraw's markup has it closed.
    await section.locator('summary', { hasText: 'Normalised payload (JSON)' }).click();
    const payloadOpen = () =>
      section
        .locator('details:has(> summary:text-is("Normalised payload (JSON)"))')
        .evaluate((details) => (details as HTMLDetailsElement).open);
    expect(await payloadOpen()).toBe(true);
    const button = section.getByRole('button', { name: 'Replay all handlers' });
    await button.focus();
    await page.evaluate(() => {
      (window as unknown as { before: Element | null }).before = document.querySelector('section.event');
    });
    await receiver.app.store.replayEvent(eventId);
    await page.waitForFunction(
      () => document.querySelector('section.event') !== (window as unknown as { before: Element }).before,
    );
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Replay all handlers');
    expect(await payloadOpen()).toBe(true);
    await context.close();
  });
});

describe('app mode accessibility (axe-core in Chromium): the entry page in the shop admin, Shops, Mark uninstalled', () => {
  let f: AppModeFixture;
  let customer = '';

  beforeAll(async () => {
    f = await startAppModeFixture({
      shops: ['alpha'],
      sandbox: { appAdminUrl: 'http://{shop}.localhost:{port}/{shop}/admin' },
    });
    await f.sandbox.apps.install(APP_ID, 'alpha');
    const { order } = await f.sandbox.simulator.placeOrder('alpha', { seed: 1 });
    customer = fullName(order) ?? '';
    await f.sandbox.simulator.waitForIdle();
    await eventually(async () => {
      const response = await fetch(`${f.baseUrl}/admin/api/events`, {
        headers: { authorization: `Bearer ${APP_ADMIN_TOKEN}` },
      });
      return ((await response.json()).items as unknown[]).length >= 1 ? true : undefined;
    });
  });

  afterAll(async () => {
    await f?.close();
  });

  it('has no A/AA violation in the light and the dark colour scheme; masked names are not read as asterisks', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const found: string[] = [];
    const port = new URL(f.sandbox.url).port;
    await page.goto(`http://alpha.localhost:${port}/alpha/admin/app/${APP_ID}`);
    await page.waitForLoadState('load');
    const frame = page.frames().find((candidate) => candidate !== page.mainFrame());
    if (!frame) throw new Error('the shop admin did not frame the app');
    await frame.waitForSelector('tr[data-event-id]');
    for (const line of await violationsInBothSchemes(page, frame)) found.push(`entry list: ${line}`);
    const heard = await frame.locator('main').ariaSnapshot();
    expect(heard).not.toContain('***');
    expect(heard).not.toContain(customer);
    await Promise.all([frame.waitForNavigation(), frame.click('tr[data-event-id] a')]);
    for (const line of await violationsInBothSchemes(page, frame)) found.push(`entry detail: ${line}`);
    expect(await frame.locator('main').ariaSnapshot()).not.toContain('***');

    await page.goto(`${f.baseUrl}/ui/login`);
    await page.fill('input[name="token"]', APP_ADMIN_TOKEN);
    await Promise.all([page.waitForURL(`${f.baseUrl}/ui`), page.click('button[type="submit"]')]);
    await page.goto(`${f.baseUrl}/ui/shops`);
    for (const line of await violationsInBothSchemes(page)) found.push(`shops: ${line}`);
    await page.goto(`${f.baseUrl}/ui/shops/alpha/uninstall`);
    for (const line of await violationsInBothSchemes(page)) found.push(`mark uninstalled: ${line}`);
    await page.fill('input[name="confirm"]', 'alpah');
    await Promise.all([page.waitForLoadState(), page.click('button:text-is("Mark alpha uninstalled")')]);
    await page.waitForSelector('.notice.error');
    for (const line of await violationsInBothSchemes(page))
      found.push(`mark uninstalled, wrong name: ${line}`);
    const field = page.locator('input[name="confirm"]');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(
      await field.evaluate(
        (input) => document.getElementById(input.getAttribute('aria-describedby') ?? '')?.textContent,
      ),
    ).toBe(await page.textContent('.notice.error'));
    expect(found).toEqual([]);
    await context.close();
  }, 90_000);
});

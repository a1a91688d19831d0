/**
 * Found by CI (the inspector's Chromium tour failed once: a row kept "pending" after its job succeeded).
 * The list refreshes a row by fetching its server-rendered fragment when the live stream says something
 * changed. Two ways the page kept markup older than the last change:
 * - a job change that came while the row of a just-arrived delivery was being fetched found no row to
 *   refresh and was dropped, and the row was then added with the markup from before the job ran;
 * - a change while a row's fragment was in flight fetched it again at once, and the two answers could
 *   come back in either order: the older one, last, stayed on the page.
 * The page's own fragment requests are held here (fetched from the receiver at once, so their markup
 * predates the change, and handed to the page afterwards) to make those orders certain.
 */
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  order,
  orderDelivery,
  postDelivery,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import { launchChromium } from '../test-support/chromium.js';
import type { TestReceiver } from '../test-support/test-receiver.js';
import { type LivePage, openLiveList, switchHandler } from './test-support/live-page.js';

interface HeldFragment {
  route: Route;
  /** The receiver's answer, fetched when the page asked. */
  answer: Awaited<ReturnType<Route['fetch']>>;
}

describe('inspector: a live row never keeps markup older than the last change', () => {
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

  /** A logged-in list page that records every change the live stream brings (before the page acts on it). */
  async function openList(): Promise<LivePage> {
    const context = await browser.newContext();
    await context.addInitScript(() => {
      const Original = window.EventSource;
      const seen: unknown[] = [];
      (window as unknown as { seenChanges: unknown[] }).seenChanges = seen;
      window.EventSource = class extends Original {
        constructor(url: string | URL, init?: EventSourceInit) {
          super(url, init);
          this.addEventListener('change', (message) => seen.push(JSON.parse((message as MessageEvent).data)));
        }
      };
    });
    return openLiveList(browser, receiver, context);
  }

  /** Holds the next row fragment the page asks for, fetched from the receiver at once. */
  async function holdNextRowFragment(page: Page): Promise<() => Promise<HeldFragment>> {
    let held: HeldFragment | null = null;
    let heldSeen: (fragment: HeldFragment) => void = () => {};
    const asked = new Promise<HeldFragment>((resolve) => {
      heldSeen = resolve;
    });
    await page.route('**/ui/fragments/delivery-row/**', async (route) => {
      if (held === null) {
        held = { route, answer: await route.fetch() };
        heldSeen(held);
        return;
      }
      await route.continue();
    });
    return () => asked;
  }

  interface SeenChange {
    kind: string;
    status?: string;
  }

  async function changesSeen(page: Page): Promise<SeenChange[]> {
    return page.evaluate(() => (window as unknown as { seenChanges: SeenChange[] }).seenChanges);
  }

  /** Enables the handler and waits until the page's live stream said its job succeeded. */
  async function enableAndHearTheJobSucceed(page: Page): Promise<void> {
    const before = (await changesSeen(page)).length;
    await switchHandler(receiver, 'log', 'enable');
    const jobSucceeded = (change: SeenChange) => change.kind === 'job' && change.status === 'succeeded';
    await expect
      .poll(async () => (await changesSeen(page)).slice(before).some(jobSucceeded), { timeout: 15_000 })
      .toBe(true);
  }

  it('a job change while a new row is being fetched shows on that row once it is added', async () => {
    await switchHandler(receiver, 'log', 'disable');
    const { page, problems } = await openList();
    const nextHeld = await holdNextRowFragment(page);

    const posted = await postDelivery(receiver, orderDelivery([order(301)]));
    expect(posted.status).toBe(200);
    const held = await nextHeld();
    // Its markup predates the job's run: the handler is disabled.
    expect(await held.answer.text()).not.toContain('>succeeded<');
    // The job runs and the page hears of it while the row is still on its way.
    await enableAndHearTheJobSucceed(page);
    await held.route.fulfill({ response: held.answer });

    const row = page.locator(`tr[data-delivery-id="${posted.body.deliveryId}"]`);
    await row.waitFor();
    await expect
      .poll(() => row.locator('td[data-label="Handlers"]').textContent(), { timeout: 10_000 })
      .toBe('succeeded');
    expect(problems).toEqual([]);
    await page.context().close();
  }, 90_000);

  it('of two fetches of one row, the answer to the later change is the one that stays', async () => {
    await switchHandler(receiver, 'log', 'disable');
    const { page, problems } = await openList();
    const posted = await postDelivery(receiver, orderDelivery([order(302)]));
    expect(posted.status).toBe(200);
    const row = page.locator(`tr[data-delivery-id="${posted.body.deliveryId}"]`);
    await row.waitFor();
    const eventId = (await receiver.app.store.getDelivery(posted.body.deliveryId))?.events[0]?.id ?? '';
    expect(eventId).not.toBe('');
    // Let the arrival's own fetches settle before holding the next one.
    await page.waitForTimeout(500);
    expect(await row.locator('td[data-label="Handlers"]').textContent()).not.toBe('succeeded');

    const nextHeld = await holdNextRowFragment(page);
    // A replay while the handler is disabled: a change, the job still waits.
    const replayed = await fetch(`${receiver.baseUrl}/admin/api/events/${eventId}/replay`, {
      method: 'POST',
      headers: bearer(),
    });
    expect(replayed.status).toBe(200);
    const held = await nextHeld();
    expect(await held.answer.text()).not.toContain('>succeeded<');
    await enableAndHearTheJobSucceed(page);
    // Time for a second fetch to start and answer, if the page starts one while the first is held.
    await page.waitForTimeout(500);
    await held.route.fulfill({ response: held.answer });

    await expect
      .poll(() => row.locator('td[data-label="Handlers"]').textContent(), { timeout: 10_000 })
      .toBe('succeeded');
    // And it stays so (no late answer replaces it).
    await page.waitForTimeout(500);
    expect(await row.locator('td[data-label="Handlers"]').textContent()).toBe('succeeded');
    expect(problems).toEqual([]);
    await page.context().close();
  }, 90_000);
});

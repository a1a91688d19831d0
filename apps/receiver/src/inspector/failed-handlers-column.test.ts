/**
 * The delivery list's Handlers column names the handlers a failed event is about: with several handlers
 * per shop, `dead` alone did not say which one to look at (QA s23: the column showed only the event's
 * status). The admin API lists each event's jobs' states (`handlers`), in the list and the delivery.
 *
 * Real receiver (HTTP, tmp SQLite); the test plays the worker through the store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserSession,
  bearer,
  loginAsBrowser,
  order,
  orderDelivery,
  pageText,
  postDelivery,
  quarantineOrderDelivery,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import type { TestReceiver } from '../test-support/test-receiver.js';

describe('the Handlers column of the delivery list', () => {
  let receiver: TestReceiver;
  let browser: BrowserSession;
  let failing: string;
  let fine: string;

  beforeAll(async () => {
    receiver = await startAdminReceiver({
      shops: [{ name: 'demo', handlers: ['erp', 'crm', 'chat'] }],
      handlers: { erp: { type: 'log' }, crm: { type: 'log' }, chat: { type: 'log' } },
    });
    browser = await loginAsBrowser(receiver);
    failing = (await postDelivery(receiver, orderDelivery([order(1, { innerId: '6001' })]))).body.deliveryId;
    const { store } = receiver.app;
    for (const job of await store.claimJobs({ workerId: 'test', limit: 10, leaseMs: 60_000 })) {
      if (job.handler === 'erp')
        await store.failJob(job.id, { attempt: job.attempt, error: 'x', deadLetter: true });
      else if (job.handler === 'crm')
        await store.failJob(job.id, {
          attempt: job.attempt,
          error: 'x',
          retryAt: new Date(Date.now() + 3_600_000),
        });
      else await store.completeJob(job.id, { attempt: job.attempt });
    }
    fine = (await postDelivery(receiver, orderDelivery([order(2, { innerId: '6002' })]))).body.deliveryId;
    for (const job of await store.claimJobs({ workerId: 'test', limit: 10, leaseMs: 60_000 })) {
      await store.completeJob(job.id, { attempt: job.attempt });
    }
  });

  afterAll(async () => {
    await receiver?.close();
  });

  /** The Handlers cell of a delivery's row, tags stripped. */
  function handlersCell(page: string, deliveryId: string): string {
    const row = page.slice(page.indexOf(`data-delivery-id="${deliveryId}"`));
    const cell = /<td data-label="Handlers">([\s\S]*?)<\/td>/.exec(row)?.[1] ?? '';
    return cell
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  }

  it('names the dead-lettered handler after the badge, and one retrying with its own state', async () => {
    const page = await pageText(receiver.baseUrl, browser.cookie, '/ui');
    expect(handlersCell(page, failing)).toBe('dead erp, crm (retrying)');
    expect(handlersCell(page, fine)).toBe('succeeded');
  });

  it("shows a quarantined delivery's reason code as text after its badge, not only as the badge's hover title", async () => {
    // the accessibility QA: a title is out of a keyboard user's reach
    const quarantined = await quarantineOrderDelivery(receiver, order(3, { innerId: '6003' }));
    const page = await pageText(receiver.baseUrl, browser.cookie, '/ui');
    expect(handlersCell(page, quarantined)).toBe('quarantined decoder_bug');
  });

  it('says the same in the live row fragment', async () => {
    const row = await pageText(receiver.baseUrl, browser.cookie, `/ui/fragments/delivery-row/${failing}`);
    expect(handlersCell(row, failing)).toBe('dead erp, crm (retrying)');
  });

  it("gives each event's jobs' states in the admin API, in the list and the delivery", async () => {
    const states = [
      { handler: 'chat', status: 'succeeded', failures: 0 },
      { handler: 'crm', status: 'pending', failures: 1 },
      { handler: 'erp', status: 'dead', failures: 1 },
    ];
    const list = (await (
      await fetch(`${receiver.baseUrl}/admin/api/deliveries`, { headers: bearer() })
    ).json()) as { items: { id: string; events: { handlers: unknown }[] }[] };
    expect(list.items.find((item) => item.id === failing)?.events[0]?.handlers).toEqual(states);
    const one = (await (
      await fetch(`${receiver.baseUrl}/admin/api/deliveries/${failing}`, { headers: bearer() })
    ).json()) as { delivery: { events: { handlers: unknown }[] } };
    expect(one.delivery.events[0]?.handlers).toEqual(states);
  });
});

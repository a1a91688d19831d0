/**
 * An order can be read twice in one pass: one that changes while the pass reads is in a window read
 * before the change (its old state) and in what changed since the pass began (its new state). The pass
 * counted its events once per read: a dry run said it "would recover" the order twice, and a real run
 * counted the second copy as one the receiver "already had" and listed it twice.
 */
import type { OrderSearchPage, ShopRenterClient } from '@srhooks/client';
import type { Order, OrderHistoryEntry } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import type { Store } from '../store/store.js';
import { runRecoveryPass } from './recovery-pass.js';
import { clockInStep } from './test-support/clock-in-step.js';

const id = (text: string) => Buffer.from(text).toString('base64');
const statusLink = (status: string) => ({
  href: `http://demo.api.myshoprenter.hu/orderStatuses/${id(`orderStatus-order_status_id=${status}`)}`,
});

function order(innerId: string): Order {
  return {
    id: id(`order-order_id=${innerId}`),
    innerId,
    dateCreated: '2026-12-05T10:00:00',
    dateUpdated: '2026-12-05T10:00:00',
    orderStatus: statusLink('1'),
  } as unknown as Order;
}

/**
 * More changed orders than one answer holds (a next page): the window to the pass's start answers
 * [7, 8], what changed since [8, 9] — order 8 read twice. The store remembers what a real run ingests.
 */
function shop() {
  const answers = [
    { items: [order('7'), order('8')], hasNext: true },
    { items: [order('7'), order('8')], hasNext: false },
    { items: [order('8'), order('9')], hasNext: false },
  ];
  let searches = 0;
  const client = {
    serverClock: clockInStep(),
    orders: {
      search: async (): Promise<OrderSearchPage> =>
        ({ page: 0, ...answers[Math.min(searches++, answers.length - 1)] }) as unknown as OrderSearchPage,
      histories: async (ids: readonly string[]) =>
        new Map(
          ids.map((orderId) => [
            orderId,
            [
              { innerId: '1', dateAdded: '2026-12-05 10:00:00', orderStatus: statusLink('1') },
            ] as unknown as OrderHistoryEntry[],
          ]),
        ),
      productsOf: async (ids: readonly string[]) => new Map(ids.map((orderId) => [orderId, []])),
    },
  } as unknown as ShopRenterClient;
  const stored = new Set<string>();
  const store = {
    knownDedupeKeys: async (_shop: string, _event: string, keys: string[]) =>
      keys.filter((k) => stored.has(k)),
    ingest: async (_delivery: unknown, items: { dedupeKey: string }[]) => {
      for (const item of items) stored.add(item.dedupeKey);
      return { events: items.map(() => ({})), duplicates: 0 };
    },
  } as unknown as Store;
  return { client, store, stored };
}

const request = (dryRun: boolean) => ({
  shop: 'demo',
  since: new Date('2026-12-05T08:00:00Z'),
  until: new Date('2026-12-05T12:00:00Z'),
  dryRun,
});
const wanted = new Map([['order_confirm' as const, 0]]);

describe('an order listed on two pages of one pass', () => {
  it.each([true, false])('dry run %s: counted and listed once', async (dryRun) => {
    const { client, store, stored } = shop();
    const report = await runRecoveryPass({ store, client, wanted, handlersFor: () => [] }, request(dryRun));
    // Three orders read (order 8 twice: one order).
    expect(report.ordersRead).toBe(3);
    expect(report.recovered).toEqual({ order_confirm: 3 });
    expect(report.alreadyStored).toBe(0);
    expect(report.events.map((e) => e.dedupeKey)).toEqual(['order:7', 'order:8', 'order:9']);
    expect(stored.size).toBe(dryRun ? 0 : 3);
  });
});

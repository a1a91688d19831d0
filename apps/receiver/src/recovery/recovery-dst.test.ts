/**
 * The shop's times are Europe/Budapest wall-clock times without a zone (assumed, contracts'
 * shop-time.ts). On the last Sunday of October the clock goes from 03:00 summer time back to 02:00
 * winter time, so 02:00–03:00 happens twice. A receiver down across that hour must still recover
 * what happened in it:
 * - an order confirmed at the second 02:30 (01:30 UTC) was read as the first 02:30 (00:30 UTC), before
 *   the window, and left out as an earlier pass's event — lost for good;
 * - the search's `updatedAtMin` was the window start's wall time: from 02:15 summer time, the shop
 *   (comparing wall-clock times) skips what changed at 02:00–02:15 winter time, 45 minutes later.
 */
import type { OrderSearchPage, ShopRenterClient } from '@srhooks/client';
import type { Order, OrderHistoryEntry } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import type { Store } from '../store/store.js';
import { runRecoveryPass, shopDays } from './recovery-pass.js';
import { clockInStep } from './test-support/clock-in-step.js';

const id = (text: string) => Buffer.from(text).toString('base64');
const statusLink = (status: string) => ({
  href: `http://demo.api.myshoprenter.hu/orderStatuses/${id(`orderStatus-order_status_id=${status}`)}`,
});

/** A shop with one order, confirmed (status 1) at `confirmedAt` shop-local time; records the searches. */
function shopWithOrder(confirmedAt: string) {
  const searches: Record<string, unknown>[] = [];
  const order = {
    id: id('order-order_id=7'),
    innerId: '7',
    dateCreated: confirmedAt.replace(' ', 'T'),
    dateUpdated: confirmedAt.replace(' ', 'T'),
    orderStatus: statusLink('1'),
  } as unknown as Order;
  const history = [
    { innerId: '70', dateAdded: confirmedAt, orderStatus: statusLink('1') },
  ] as unknown as OrderHistoryEntry[];
  const client = {
    serverClock: clockInStep(),
    orders: {
      // As the shop is assumed to compare: zone-less wall-clock times, both bounds inclusive.
      search: async (params: { updatedAtMin?: string; updatedAtMax?: string }) => {
        searches.push(params);
        const at = String(order.dateUpdated);
        const within =
          (params.updatedAtMin === undefined || at >= params.updatedAtMin) &&
          (params.updatedAtMax === undefined || at <= params.updatedAtMax);
        return { page: 0, items: within ? [order] : [], hasNext: false } as unknown as OrderSearchPage;
      },
      histories: async () => new Map([[order.id, history]]),
      productsOf: async () => new Map([[order.id, []]]),
    },
  } as unknown as ShopRenterClient;
  const store = { knownDedupeKeys: async () => [] } as unknown as Store;
  return { client, store, searches };
}

const wanted = new Map([['order_confirm' as const, 0]]);

describe('recovery across the hour the clock is turned back (2026-10-25, Europe/Budapest)', () => {
  it('recovers an order confirmed at the second 02:30 (01:30 UTC) in a window from 00:50 UTC', async () => {
    const { client, store } = shopWithOrder('2026-10-25 02:30:00');
    const report = await runRecoveryPass(
      { store, client, wanted, handlersFor: () => [] },
      {
        shop: 'demo',
        since: new Date('2026-10-25T00:50:00Z'),
        until: new Date('2026-10-25T01:40:00Z'),
        dryRun: true,
      },
    );
    expect(report.ordersRead).toBe(1);
    expect(report.recovered).toEqual({ order_confirm: 1 });
    expect(report.events.map((e) => `${e.event} ${e.dedupeKey} ${e.outcome}`)).toEqual([
      'order_confirm order:7 new',
    ]);
  });

  it('searches from a wall time no later than 02:00, when the window starts at 02:15 summer time', async () => {
    const { client, store, searches } = shopWithOrder('2026-10-25 02:10:00');
    await runRecoveryPass(
      { store, client, wanted, handlersFor: () => [] },
      {
        shop: 'demo',
        since: new Date('2026-10-25T00:15:00Z'), // 02:15 summer time; 45 min later it is 02:00 winter time
        until: new Date('2026-10-25T01:40:00Z'),
        dryRun: true,
      },
    );
    expect(searches).toHaveLength(1);
    const min = String(searches[0]?.updatedAtMin);
    expect(min <= '2026-10-25T02:00:00', `updatedAtMin ${min}`).toBe(true);
    expect(min >= '2026-10-25T01:00:00', `updatedAtMin ${min}`).toBe(true);
  });

  it('searches from the window start as it is on any other day', async () => {
    const { client, store, searches } = shopWithOrder('2026-07-01 12:10:00');
    await runRecoveryPass(
      { store, client, wanted, handlersFor: () => [] },
      {
        shop: 'demo',
        since: new Date('2026-07-01T10:00:00Z'),
        until: new Date('2026-07-01T11:00:00Z'),
        dryRun: true,
      },
    );
    expect(searches[0]?.updatedAtMin).toBe('2026-07-01T12:00:00');
  });
});

/**
 * `newsletter_subscribe` is read per shop-local day (`subscribedAt=<day>`). The days were found by
 * stepping 24 hours from the window's start: on the day the clock is turned forward (23 hours long) a
 * start late in the evening stepped over the next day, and its subscribers were never read.
 */
describe('the shop-local days of a window (newsletter subscribers are read per day)', () => {
  it.each([
    // 23:30 winter time on 28 March; 2026-03-29 has 23 hours.
    ['2026-03-28T22:30:00Z', '2026-03-30T10:00:00Z', ['2026-03-28', '2026-03-29', '2026-03-30']],
    // 2026-10-25 has 25 hours.
    ['2026-10-24T22:30:00Z', '2026-10-26T10:00:00Z', ['2026-10-25', '2026-10-26']],
    [
      '2026-10-23T21:59:00Z',
      '2026-10-26T00:00:00Z',
      ['2026-10-23', '2026-10-24', '2026-10-25', '2026-10-26'],
    ],
    ['2026-07-01T10:00:00Z', '2026-07-01T11:00:00Z', ['2026-07-01']],
    ['2026-12-31T22:59:59Z', '2027-01-01T00:00:00Z', ['2026-12-31', '2027-01-01']],
  ])('from %s to %s: %j', (since, until, days) => {
    expect(shopDays(new Date(since), new Date(until))).toEqual(days);
  });
});

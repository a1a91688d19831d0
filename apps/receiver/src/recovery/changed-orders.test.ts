/**
 * changed-orders.ts against a shop in memory that compares zone-less wall-clock times (as ShopRenter is
 * assumed to), lists by `dateUpdated` newest first, and holds at most 2 orders per page: the windows, the
 * tail after the pass's start, the hour the clock is turned back, and the fallbacks that page and warn.
 * Over real HTTP with every sort: recovery-list-order.test.ts.
 */
import type { OrderSearchPage, ShopRenterClient } from '@srhooks/client';
import { type Order, shopApiDateTime } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import { changedOrders, MAX_TAIL_ROUNDS } from './changed-orders.js';

interface Params {
  updatedAtMin?: string;
  updatedAtMax?: string;
  page?: number;
  limit?: number;
}

/**
 * `orders`: inner id → wall time of its last change; `beforeAnswer(params, n)` runs before the shop
 * answers the n-th search (the shop changes orders between the pass's reads).
 */
function fakeShop(orders: Map<string, string>, beforeAnswer: (params: Params, n: number) => void = () => {}) {
  const searches: Params[] = [];
  const answer = (params: Params): OrderSearchPage => {
    beforeAnswer(params, searches.length);
    const matching = [...orders]
      .filter(
        ([, at]) =>
          (params.updatedAtMin === undefined || at >= params.updatedAtMin) &&
          (params.updatedAtMax === undefined || at <= params.updatedAtMax),
      )
      .sort(([, a], [, b]) => b.localeCompare(a));
    const page = params.page ?? 0;
    const items = matching
      .slice(page * 2, page * 2 + 2)
      .map(([innerId, at]) => ({ id: `o${innerId}`, innerId, dateUpdated: at }) as unknown as Order);
    return { page, items, hasNext: matching.length > page * 2 + 2 };
  };
  const client = {
    orders: {
      search: async (params: Params) => {
        searches.push(params);
        return answer(params);
      },
      async *iterateSearch(params: Params): AsyncGenerator<OrderSearchPage> {
        for (let page = 0; ; page++) {
          searches.push({ ...params, page });
          const result = answer({ ...params, page });
          yield result;
          if (!result.hasNext) return;
        }
      },
    },
  } as unknown as ShopRenterClient;
  return { client, searches };
}

async function readAll(
  client: ShopRenterClient,
  from: string,
  until: Date,
  now: () => Date = () => until,
): Promise<{ ids: Set<string>; searches: number; warnings: { details: unknown; message: string }[] }> {
  const ids = new Set<string>();
  const warnings: { details: unknown; message: string }[] = [];
  const count = { searches: 0 };
  for await (const orders of changedOrders(
    { client, shop: 'demo', now, warn: (details, message) => warnings.push({ details, message }) },
    from,
    until,
    count,
  ))
    for (const order of orders) ids.add(String(order.innerId));
  return { ids, searches: count.searches, warnings };
}

describe('reading the orders changed since a time, whatever the list order', () => {
  it('one request when one page holds everything changed since', async () => {
    const { client, searches } = fakeShop(new Map([['1', '2026-07-01T12:10:00']]));
    const read = await readAll(client, '2026-07-01T12:00:00', new Date('2026-07-01T11:00:00Z'));
    expect([...read.ids]).toEqual(['1']);
    expect(searches).toEqual([{ updatedAtMin: '2026-07-01T12:00:00', page: 0, limit: 200 }]);
  });

  it('windows one page holds up to the pass start, then what changed since; an order changed while the windows are read is found after them', async () => {
    const orders = new Map<string, string>();
    for (let i = 1; i <= 7; i++) orders.set(String(i), `2026-07-01T12:0${i}:00`);
    // After the first window's answer the shop changes order 1, whose window is not read yet: its new
    // time lies after the pass's start, beyond every window.
    const { client, searches } = fakeShop(orders, (_params, n) => {
      if (n === 3) orders.set('1', '2026-07-01T13:00:05');
    });
    const read = await readAll(client, '2026-07-01T12:00:00', new Date('2026-07-01T11:00:00Z'));
    expect([...read.ids].sort()).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    // Every window holds at most one page, and none reaches past the pass's start (13:00:00 shop time).
    for (const params of searches.filter((p) => p.updatedAtMax !== undefined))
      expect(params.updatedAtMax && params.updatedAtMax <= '2026-07-01T13:00:00').toBe(true);
    expect(searches.at(-1)).toEqual({ updatedAtMin: '2026-07-01T13:00:00', page: 0, limit: 200 });
    expect(read.warnings).toEqual([]);
  });

  it('the hour before the clock is turned back: an order changed during the pass at 02:00 winter time (after 02:59:30 summer time) is read', async () => {
    // The pass begins at 00:59:30 UTC = 02:59:30 summer time; 30 s later it is 02:00:00 winter time.
    // The shop's clock moves 10 s per answer; order 6 (02:50 summer time) changes while the windows are read.
    const until = new Date('2026-10-25T00:59:30Z');
    let clock = until.getTime();
    const orders = new Map<string, string>();
    for (const [i, at] of ['01:10', '01:20', '01:30', '01:40', '02:05', '02:50'].entries())
      orders.set(String(i + 1), `2026-10-25T${at}:00`);
    const { client, searches } = fakeShop(orders, (params, n) => {
      clock += 10_000;
      if (n === 3) orders.set('6', shopApiDateTime(new Date(clock)));
      expect(params.updatedAtMax === undefined || params.updatedAtMax <= '2026-10-25T03:59:59').toBe(true);
    });
    const read = await readAll(client, '2026-10-25T01:00:00', until, () => new Date(clock));
    expect(orders.get('6')).toMatch(/^2026-10-25T02:00:/);
    expect([...read.ids].sort()).toEqual(['1', '2', '3', '4', '5', '6']);
    // The windows up to the pass's start end, and what changed since begins, at a wall time no later
    // than any instant after the pass's start has: 01:59:30.
    expect(searches.filter((p) => p.updatedAtMax !== undefined)[0]?.updatedAtMax).toBe('2026-10-25T01:59:30');
    expect(searches.filter((p) => p.updatedAtMax === undefined)[1]?.updatedAtMin).toBe('2026-10-25T01:59:30');
    expect(read.warnings).toEqual([]);
  });

  it('more orders within one second than a page holds: that second is paged, with a warn line without personal data', async () => {
    const orders = new Map([
      ['1', '2026-07-01T12:10:00'],
      ['2', '2026-07-01T12:10:00'],
      ['3', '2026-07-01T12:10:00'],
    ]);
    const { client } = fakeShop(orders);
    const read = await readAll(client, '2026-07-01T12:00:00', new Date('2026-07-01T11:00:00Z'));
    expect([...read.ids].sort()).toEqual(['1', '2', '3']);
    expect(read.warnings).toEqual([
      {
        details: {
          code: 'recovery_orders_paged',
          recovery: {
            shop: 'demo',
            updatedAtMin: '2026-07-01T12:10:00',
            updatedAtMax: '2026-07-01T12:10:00',
          },
        },
        message: expect.stringMatching(
          /^more than one page of orders changed within one second \(2026-07-01T12:10:00\): read page by page/,
        ),
      },
    ]);
  });

  it(`orders changing faster than the pass reads: after ${MAX_TAIL_ROUNDS} rounds the rest is paged, with a warn line`, async () => {
    const orders = new Map<string, string>();
    let clock = new Date('2026-07-01T11:00:00Z').getTime();
    let next = 1;
    // Before every answer a second passes; before each read of what changed since a time, three
    // orders change in it (one page holds two).
    const { client } = fakeShop(orders, (params) => {
      clock += 1000;
      if (params.updatedAtMax === undefined)
        for (let i = 0; i < 3; i++) orders.set(String(next++), shopApiDateTime(new Date(clock)));
    });
    const read = await readAll(
      client,
      '2026-07-01T12:00:00',
      new Date('2026-07-01T11:00:00Z'),
      () => new Date(clock),
    );
    expect(read.warnings.at(-1)).toEqual({
      details: {
        code: 'recovery_orders_paged',
        recovery: { shop: 'demo', updatedAtMin: expect.any(String), updatedAtMax: expect.any(String) },
      },
      message: expect.stringMatching(/^orders kept changing faster than this pass could read them/),
    });
    // Every order changed before the paged read began was read.
    const last = read.warnings.at(-1)?.details as { recovery: { updatedAtMin: string } } | undefined;
    const pagedFrom = last?.recovery.updatedAtMin ?? '';
    expect(pagedFrom).not.toBe('');
    for (const [innerId, at] of orders) if (at < pagedFrom) expect(read.ids.has(innerId), innerId).toBe(true);
  });
});

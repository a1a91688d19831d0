/**
 * ShopRenter documents no order for `GET /orders` (FACTS.md §6). A pass that pages through
 * `updatedAtMin=…` trusted the list to hold still: when the shop lists by `dateUpdated`, an order that
 * changes while the pass reads moves to the other end of the list — the page boundary shifts, and an
 * order that was never delivered is skipped (ascending: the one pushed back onto a page already read),
 * or the changed order itself is (descending: it jumps onto a page already read, and the next pass
 * leaves out its confirmation as an event before its window). Lost for good: no later pass reads it.
 *
 * Over real HTTP against the sandbox, whose order-list setting sorts the list each way and caps a page
 * at 5 orders (so nine orders take pages, as thousands would at ShopRenter's 200); the shop changes
 * orders between the pass's reads (a hook on the client's fetch, after a `GET /orders` answer).
 */
import { createShopRenterClient } from '@srhooks/client';
import type { OrderListSort } from '@srhooks/sandbox';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type RecoveryScenario,
  SHOP,
  startRecoveryScenario,
  waitUntil,
} from './test-support/recovery-scenario.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Nine orders, three per second over three seconds (a window of one second fits a 5-order page). */
async function placeNineOrders(scenario: RecoveryScenario): Promise<void> {
  const sim = scenario.sandbox.simulator;
  for (let second = 0; second < 3; second++) {
    await pause(1000 - (Date.now() % 1000) + 30);
    for (let i = 0; i < 3; i++) await sim.placeOrder(SHOP);
  }
  await sim.waitForIdle();
}

describe('a pass misses nothing changed before it, whatever order the shop lists orders in', () => {
  let scenario: RecoveryScenario | undefined;
  afterEach(async () => {
    await scenario?.close();
    scenario = undefined;
  });

  it.each<[OrderListSort, number]>([
    ['dateUpdatedAsc', 0],
    ['dateUpdatedDesc', 0],
    ['innerId', 0],
    ['random', 7],
    ['random', 11],
  ])(
    'listed by %s (seed %d): every order confirmed while the receiver was down is recovered once, orders changing between page reads',
    {
      timeout: 120_000,
    },
    async (sort, seed) => {
      scenario = await startRecoveryScenario();
      const s = scenario;
      await s.subscribe();
      const start = new Date();
      // The receiver is down: every confirmation fails to arrive, and the shop never resends.
      await placeNineOrders(s);
      expect(s.sandbox.simulator.deliveries(SHOP).filter((d) => d.state === 'failed')).toHaveLength(9);
      s.sandbox.setOrderList(SHOP, { sort, seed, maxPageSize: 5 });

      // While the pass reads, the shop changes the oldest order after the first answer of `GET /orders`
      // and the newest after the second: each moves in a list sorted by dateUpdated.
      let answered = 0;
      const changes: Record<number, string> = { 1: '1', 2: '9' };
      const app = await s.startReceiver(
        {},
        {
          schedule: false,
          createClient: (options) =>
            createShopRenterClient({
              ...options,
              fetch: async (request) => {
                const response = await fetch(request);
                if (request.method === 'GET' && new URL(request.url).pathname.endsWith('/api/orders')) {
                  answered += 1;
                  const innerId = changes[answered];
                  if (innerId) await s.sandbox.simulator.changeStatus(SHOP, innerId, '2');
                }
                return response;
              },
            }),
        },
      );
      const report = await app.recovery.recover(SHOP, { since: new Date(start.getTime() - 60_000) });
      expect(answered).toBeGreaterThanOrEqual(2);
      // Every `GET /orders` the shop answered is counted in the report; windows of a 70-second range
      // split in halves down to one second: a bounded number of reads.
      expect(report.orderSearches).toBe(answered);
      expect(report.orderSearches).toBeLessThanOrEqual(40);

      const confirmations = Array.from({ length: 9 }, (_, i) => `order:${i + 1}`);
      expect((await app.store.knownDedupeKeys(SHOP, 'order_confirm', confirmations)).sort()).toEqual(
        [...confirmations].sort(),
      );
      expect(report.recovered.order_confirm).toBe(9);
      // The two changes happened after the pass began: delivered live, or recovered — stored once each.
      await s.sandbox.simulator.waitForIdle();
      await waitUntil('both status changes stored', async () => {
        const events = await app.store.listEvents({ shop: SHOP, event: 'order_status_change', limit: 50 });
        const originals = events.items.filter((e) => e.duplicateOf === null);
        return originals.length === 2;
      });
      await waitUntil('every stored event handled', async () => s.runs.size === 11);
      await pause(300);
      expect([...s.runs.values()].every((runs) => runs === 1)).toBe(true);
      // Within the shop's 3 requests/second: the sandbox refused none.
      expect(s.sandbox.requestCount(SHOP).byStatus[429] ?? 0).toBe(0);
    },
  );

  it('more orders changed within one second than a page holds: that second is read page by page, with a warn line', async () => {
    scenario = await startRecoveryScenario();
    const s = scenario;
    await s.subscribe();
    const start = new Date();
    // Three orders within one second: placed right after a second begins. On a busy machine a batch can
    // spill into the next second (then no second holds more than a page); the next batch starts in a
    // second of its own, so exactly one second holds three.
    let placed = 0;
    for (let batch = 0; batch < 10; batch++) {
      await pause(1000 - (Date.now() % 1000) + 30);
      const second = Math.floor(Date.now() / 1000);
      for (let i = 0; i < 3; i++) await s.sandbox.simulator.placeOrder(SHOP);
      placed += 3;
      if (Math.floor(Date.now() / 1000) === second) break;
    }
    await s.sandbox.simulator.waitForIdle();
    s.sandbox.setOrderList(SHOP, { sort: 'dateUpdatedDesc', maxPageSize: 2 });
    // The pass begins in a later second (else what changed since it began — that second — is read again).
    await pause(1000 - (Date.now() % 1000) + 30);
    const app = await s.startReceiver({}, { schedule: false });
    const report = await app.recovery.recover(SHOP, { since: new Date(start.getTime() - 10_000) });
    expect(report.recovered.order_confirm).toBe(placed);
    const warned = s.logLines
      .map((line) => JSON.parse(line) as { level: number; code?: string; msg: string; recovery?: unknown })
      .filter((line) => line.code === 'recovery_orders_paged');
    expect(warned).toHaveLength(1);
    expect(warned[0]?.level).toBe(40);
    expect(warned[0]?.msg).toMatch(
      /^more than one page of orders changed within one second \(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\): read page by page/,
    );
    expect(warned[0]?.recovery).toEqual({
      shop: SHOP,
      updatedAtMin: expect.stringMatching(/^\d{4}-/),
      updatedAtMax: expect.stringMatching(/^\d{4}-/),
    });
    // No personal data: none of the orders' e-mail addresses or names.
    const text = JSON.stringify(warned);
    for (const order of s.sandbox.simulator.orders(SHOP)) {
      expect(text).not.toContain(String(order.email));
      expect(text).not.toContain(String(order.lastname));
    }
  });
});

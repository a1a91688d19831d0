/**
 * Recovery end to end, over real HTTP: the sandbox (ShopRenter's 3 requests/second) places orders,
 * changes statuses and abandons carts while the receiver is down; the shop never resends; the receiver
 * comes up and its start-up pass recovers every event exactly once; late deliveries of the same events
 * are recorded as duplicates and run no handler; recovery while real deliveries arrive never handles an
 * event twice and misses none.
 */
import { decodeDelivery, dedupeKey, type OrderItem } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventSummary } from '../store/store.js';
import {
  ADMIN_TOKEN,
  type RecoveryScenario,
  SHOP,
  startRecoveryScenario,
  waitUntil,
} from './test-support/recovery-scenario.js';

async function allEvents(scenario: RecoveryScenario): Promise<EventSummary[]> {
  const store = scenario.receiver?.store;
  if (!store) throw new Error('the receiver is not running');
  const events: EventSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listEvents({ shop: SHOP, limit: 500, ...(cursor ? { cursor } : {}) });
    events.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return events;
}

/** Every order the sandbox tried to deliver (failed or not), by `event dedupeKey`. */
function deliveredOrders(scenario: RecoveryScenario, state?: 'failed' | 'delivered'): Map<string, OrderItem> {
  const orders = new Map<string, OrderItem>();
  for (const attempt of scenario.sandbox.simulator.deliveries(SHOP)) {
    if (state && attempt.state !== state) continue;
    const decoded = decodeDelivery({
      event: attempt.event,
      contentType: 'application/json',
      body: Buffer.from(attempt.data),
    });
    if ('orders' in decoded)
      for (const order of decoded.orders)
        orders.set(`${attempt.event} ${dedupeKey(SHOP, attempt.event, order)}`, order);
  }
  return orders;
}

/** The dedupe key of every event the sandbox tried to deliver (failed or not), by event name. */
function deliveredKeys(scenario: RecoveryScenario, state?: 'failed' | 'delivered'): Set<string> {
  return new Set(deliveredOrders(scenario, state).keys());
}

/** What an ERP reads of an order's products: name, SKU, quantity, price. */
function productLines(order: unknown): unknown[] {
  const products = (order as OrderItem).orderProducts?.orderProduct;
  if (!Array.isArray(products)) return [];
  return products.map((p) => [p.name, p.sku, p.quantity, p.price]);
}

function originals(events: EventSummary[]): EventSummary[] {
  return events.filter((e) => e.duplicateOf === null);
}

async function handlersSettled(scenario: RecoveryScenario, expected: number): Promise<void> {
  await waitUntil(`${expected} handler runs`, async () => {
    const total = [...scenario.runs.values()].reduce((a, b) => a + b, 0);
    return total >= expected;
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
}

describe('receiver down while the shop has orders: recovered exactly once', () => {
  let scenario: RecoveryScenario;
  beforeAll(async () => {
    scenario = await startRecoveryScenario();
  });
  afterAll(async () => {
    await scenario.close();
  });

  it('stores every missed event once within one pass, and runs each handler once', async () => {
    await scenario.subscribe();
    const sim = scenario.sandbox.simulator;
    const placed = [];
    for (let i = 0; i < 50; i++) placed.push((await sim.placeOrder(SHOP)).order);
    for (let i = 0; i < 20; i++)
      await sim.changeStatus(SHOP, placed[i]?.innerId ?? '', i % 2 === 0 ? '2' : '3');
    for (let i = 0; i < 5; i++) await sim.abandonCart(SHOP);
    await sim.waitForIdle();
    const missed = deliveredKeys(scenario, 'failed');
    expect(missed.size).toBe(75);
    expect(deliveredKeys(scenario, 'delivered').size).toBe(0);

    const requestsBefore = scenario.sandbox.requestCount(SHOP).total;
    const app = await scenario.startReceiver();
    const state = await waitUntil('the start-up pass', () => app.store.getRecoveryState(SHOP));
    expect(state.lastPass).toMatchObject({
      outcome: 'ok',
      ordersRead: 55,
      recovered: { order_confirm: 50, order_status_change: 20, abandoned_cart: 5 },
      alreadyStored: 0,
    });
    const events = await allEvents(scenario);
    expect(events).toHaveLength(75);
    expect(new Set(events.map((e) => `${e.event} ${e.dedupeKey}`))).toEqual(missed);
    expect(events.every((e) => e.source === 'recovery' && e.duplicateOf === null)).toBe(true);
    // Each recovered order carries its products as the shop's delivery of that event did (the
    // delivery that failed): name, SKU, quantity and price of every line.
    const failed = deliveredOrders(scenario, 'failed');
    for (const event of events) {
      const detail = await app.store.getEvent(event.id);
      const delivered = failed.get(`${event.event} ${event.dedupeKey}`);
      expect(productLines(delivered).length, event.dedupeKey).toBeGreaterThan(0);
      expect(productLines(detail?.payload), event.dedupeKey).toEqual(productLines(delivered));
      // …and its currency code, as the delivery carries it (read once per pass: the order's currency link).
      expect((detail?.payload as OrderItem | undefined)?.currency, event.dedupeKey).toBe(delivered?.currency);
    }
    // One pass: a token, a read of the shop's clock (the first pass of a process: shop-clock.ts), one
    // page of orders, one batch of histories, one of the products of the orders it stores and one read
    // of their currency (6 requests).
    expect(scenario.sandbox.requestCount(SHOP).total - requestsBefore).toBeLessThanOrEqual(6);
    expect(scenario.sandbox.requestCount(SHOP).byStatus[429] ?? 0).toBe(0);

    await handlersSettled(scenario, 75);
    expect(scenario.runs.size).toBe(75);
    expect([...scenario.runs.values()].every((n) => n === 1)).toBe(true);
    const recovered = await app.store.listEvents({ source: 'recovery', limit: 500 });
    expect(recovered.items).toHaveLength(75);
  });

  it('late deliveries of the same events are recorded as duplicates and run no handler', async () => {
    const res = await fetch(`${scenario.sandbox.url}/${SHOP}/_sandbox/late-deliver`, { method: 'POST' });
    expect(((await res.json()) as { deliveries: unknown[] }).deliveries).toHaveLength(75);
    await scenario.sandbox.simulator.waitForIdle();
    const late = scenario.sandbox.simulator.deliveries(SHOP).filter((d) => d.lateOf !== undefined);
    expect(late.map((d) => d.state)).toEqual(Array(75).fill('delivered'));
    const events = await allEvents(scenario);
    expect(events).toHaveLength(150);
    const duplicates = events.filter((e) => e.duplicateOf !== null);
    expect(duplicates).toHaveLength(75);
    expect(duplicates.every((e) => e.source === 'webhook' && e.status === 'duplicate')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(scenario.runs.size).toBe(75);
    expect([...scenario.runs.values()].every((n) => n === 1)).toBe(true);
  });

  it('an on-demand pass finds nothing new; a dry run stores nothing', async () => {
    const app = scenario.receiver;
    if (!app) throw new Error('receiver down');
    const dry = await app.inject({
      method: 'POST',
      url: '/admin/api/recover',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: { shop: SHOP, since: '1h', dryRun: true },
    });
    expect(dry.statusCode).toBe(200);
    expect(dry.json().report).toMatchObject({
      dryRun: true,
      ordersRead: 55,
      alreadyStored: 75,
      recovered: {},
    });
    expect((await allEvents(scenario)).length).toBe(150);
    const listed = await app.inject({
      method: 'GET',
      url: '/admin/api/events?source=recovery&limit=500',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(listed.json().items).toHaveLength(75);
    const states = await app.inject({
      method: 'GET',
      url: '/admin/api/recovery',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(states.json()).toMatchObject({
      shops: [SHOP],
      scheduled: true,
      items: [{ shop: SHOP, consecutiveFailures: 0 }],
    });
  });
});

async function inspectorPage(scenario: RecoveryScenario, path: string): Promise<string> {
  const base = `http://127.0.0.1:${scenario.port}`;
  const login = await fetch(`${base}/ui/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
    body: new URLSearchParams({ token: ADMIN_TOKEN, next: '/ui' }),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const page = await fetch(`${base}${path}`, { headers: { cookie } });
  expect(page.status).toBe(200);
  return page.text();
}

describe('recovery in the inspector', () => {
  let scenario: RecoveryScenario;
  beforeAll(async () => {
    scenario = await startRecoveryScenario({ rateLimit: false });
  });
  afterAll(async () => {
    await scenario.close();
  });

  it('shows the recovery badge, filters by source and shows each shop’s last pass', async () => {
    await scenario.subscribe(['order_confirm']);
    await scenario.sandbox.simulator.placeOrder(SHOP);
    await scenario.sandbox.simulator.waitForIdle();
    const app = await scenario.startReceiver();
    await waitUntil('the start-up pass', () => app.store.getRecoveryState(SHOP));
    await scenario.sandbox.simulator.placeOrder(SHOP);
    await scenario.sandbox.simulator.waitForIdle();
    const all = await inspectorPage(scenario, '/ui');
    expect(all.match(/class="badge recovery"/g)).toHaveLength(1);
    expect(all).toContain('Recovery (orders read back from the shops');
    expect(all).toMatch(/data-recovery-shop="demo"[\s\S]*1 order_confirm/);
    const recovered = await inspectorPage(scenario, '/ui?source=recovery');
    expect(recovered.match(/<tr data-delivery-id=/g)).toHaveLength(1);
    const delivered = await inspectorPage(scenario, '/ui?source=webhook');
    expect(delivered.match(/<tr data-delivery-id=/g)).toHaveLength(1);
    expect(delivered).not.toMatch(/<td data-label="Event">[^<]*<span class="badge recovery"/);
  });
});

describe('a receiver that recovers only on demand (srhooks listen)', () => {
  let scenario: RecoveryScenario;
  beforeAll(async () => {
    scenario = await startRecoveryScenario({ rateLimit: false });
  });
  afterAll(async () => {
    await scenario.close();
  });

  it('says so in the admin API and the inspector instead of suggesting a pass is coming', async () => {
    const app = await scenario.startReceiver({}, { schedule: false });
    const states = await app.inject({
      method: 'GET',
      url: '/admin/api/recovery',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(states.json()).toMatchObject({ shops: [SHOP], scheduled: false, items: [] });
    const page = await inspectorPage(scenario, '/ui');
    expect(page).toContain('on demand only: this receiver runs no scheduled passes');
    expect(page).toContain(`srhooks recover --shop ${SHOP}`);
  });
});

describe('recovery while real deliveries keep arriving', () => {
  let scenario: RecoveryScenario;
  beforeAll(async () => {
    scenario = await startRecoveryScenario({ rateLimit: 3 });
  });
  afterAll(async () => {
    await scenario.close();
  });

  it('handles no event twice and misses none', async () => {
    await scenario.subscribe();
    const app = await scenario.startReceiver();
    await waitUntil('the start-up pass', () => app.store.getRecoveryState(SHOP));
    const sim = scenario.sandbox.simulator;
    let stop = false;
    let passesDone = 0;
    const passes = (async () => {
      while (!stop) {
        // A pass refused as busy (the scheduled pass holds the shop) rejects at once, without I/O: wait
        // before the next try, or this loop would run on microtasks alone and starve the event loop (the
        // busy pass, the timers, `stop`) for good.
        await app.recovery
          .recover(SHOP, { since: new Date(Date.now() - 3_600_000) })
          .catch(() => new Promise((resolve) => setTimeout(resolve, 20)));
        passesDone++;
      }
      return passesDone;
    })();
    const placed = [];
    // 40 orders, and more while fewer than two passes have ended (the shop's 3 requests/second make a
    // pass take a second or so): passes run while deliveries arrive.
    for (let i = 0; i < 40 || (passesDone < 2 && i < 400); i++) {
      placed.push((await sim.placeOrder(SHOP)).order);
      if (i % 4 === 0) await sim.changeStatus(SHOP, placed[i]?.innerId ?? '', '2');
      if (i % 10 === 0) await sim.abandonCart(SHOP);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await sim.waitForIdle();
    stop = true;
    expect(await passes).toBeGreaterThan(1);
    await app.recovery.recover(SHOP, { since: new Date(Date.now() - 3_600_000) });
    const expected = deliveredKeys(scenario);
    // Each order, every 10th placing's abandoned cart, every 4th order's status change (40 + 4 + 10 at least).
    expect(expected.size).toBe(placed.length + Math.ceil(placed.length / 10) + Math.ceil(placed.length / 4));
    const events = await allEvents(scenario);
    const kept = originals(events);
    expect(new Set(kept.map((e) => `${e.event} ${e.dedupeKey}`))).toEqual(expected);
    expect(kept).toHaveLength(expected.size);
    await handlersSettled(scenario, expected.size);
    expect(scenario.runs.size).toBe(expected.size);
    expect([...scenario.runs.values()].every((n) => n === 1)).toBe(true);
    const bySource = (source: string) => kept.filter((e) => e.source === source).length;
    expect(bySource('webhook') + bySource('recovery')).toBe(expected.size);
    expect(scenario.sandbox.requestCount(SHOP).byStatus[429] ?? 0).toBe(0);
  });
});

/**
 * What every part of the Store contract shares: the harness an engine supplies, the captured ShopRenter
 * deliveries the payloads and raw bodies come from (packages/contracts/fixtures/shoprenter), and builders.
 */

import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { ClaimedJob, NewDelivery, NewEvent, Store, StoreStats } from '../../store.js';

export interface StoreHarness {
  /** A new, empty, migrated store of this engine. */
  open(): Promise<Store>;
  /** Another instance (own connection / pool) on the same storage as `store`; works after `store` was closed. */
  openPeer(store: Store): Promise<Store>;
}

/** How a part of the contract opens stores; the contract closes every one after each test. */
export interface ContractStores {
  open(): Promise<Store>;
  openPeer(store: Store): Promise<Store>;
}

export const deliveriesDir = new URL(
  '../../../../../../packages/contracts/fixtures/shoprenter/deliveries/',
  import.meta.url,
);

export const orderFixture = (
  JSON.parse(readFileSync(new URL('order_confirm.json', deliveriesDir), 'utf8')) as {
    orders: { order: Array<Record<string, unknown>> };
  }
).orders.order[0] as Record<string, unknown>;

export const subscriberFixture = (
  JSON.parse(readFileSync(new URL('newsletter_subscribe.json', deliveriesDir), 'utf8')) as {
    newsletter: { subscriber: Array<Record<string, unknown>> };
  }
).newsletter.subscriber[0] as Record<string, unknown>;

/** The multipart body exactly as ShopRenter sends it (everything after the request head). */
export const multipartRequest = readFileSync(new URL('order_confirm.multipart.http', deliveriesDir));
export const rawOrderBody = multipartRequest.subarray(multipartRequest.indexOf('\r\n\r\n') + 4);
export const multipartContentType =
  /content-type: (.+)\r\n/i.exec(multipartRequest.toString('latin1'))?.[1] ?? '';

export const T0 = new Date('2026-03-02T10:00:00.000Z');
export const seconds = (n: number) => new Date(T0.getTime() + n * 1000);

export function order(innerId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...structuredClone(orderFixture), innerId, ...overrides };
}

export function orderEvent(innerId: string, overrides: Record<string, unknown> = {}): NewEvent {
  return { dedupeKey: `order:${innerId}`, subjectId: innerId, payload: order(innerId, overrides) };
}

export function delivery(overrides: Partial<NewDelivery> = {}): NewDelivery {
  return {
    shop: 'demo',
    event: 'order_confirm',
    receivedAt: T0,
    remoteAddress: '203.0.113.7',
    headers: { 'user-agent': 'ShopRenter', 'content-type': multipartContentType, expect: '100-continue' },
    contentType: multipartContentType,
    rawBody: rawOrderBody,
    ...overrides,
  };
}

/** A minimal JSON delivery for an engine's own tests (its body is not decoded there). */
export function jsonDelivery(overrides: Partial<NewDelivery> = {}): NewDelivery {
  return {
    shop: 'demo',
    event: 'order_confirm',
    receivedAt: T0,
    remoteAddress: '203.0.113.7',
    headers: {},
    contentType: 'application/json',
    rawBody: Buffer.from('{"orders":{"order":[]}}'),
    ...overrides,
  };
}

/**
 * Ingests 500 deliveries at once (one new event and one job each) and checks that each got its own
 * delivery and that group commit carried them in at most 10 transactions. Returns the stats after.
 */
export async function expectGroupCommit(store: Store): Promise<StoreStats> {
  const before = store.stats();
  const results = await Promise.all(
    Array.from({ length: 500 }, (_, i) =>
      store.ingest(
        jsonDelivery(),
        [{ dedupeKey: `k${i}`, subjectId: String(i), payload: { innerId: String(i) } }],
        ['erp'],
      ),
    ),
  );
  const after = store.stats();
  expect(new Set(results.map((r) => r.deliveryId)).size).toBe(500);
  expect(after.items - before.items).toBe(500);
  expect(after.commits - before.commits).toBeLessThanOrEqual(10);
  return after;
}

export async function claimAll(
  store: Store,
  workerId: string,
  now: Date,
  leaseMs = 30_000,
): Promise<ClaimedJob[]> {
  return store.claimJobs({ workerId, limit: 100, now, leaseMs });
}

type Quarantined = Awaited<ReturnType<Store['quarantine']>>;

/**
 * Quarantined deliveries around newsletter subscriber 41 of shop demo, received from second `firstAt` on:
 * `hers`, its unsubscribe that did not decode (no address in it); `others`, what must not be taken for it —
 * subscriber 42's, subscriber 41 of another shop, and an order body whose product has id 41.
 */
export async function quarantinedAroundSubscriber41(
  store: Store,
  firstAt: number,
): Promise<{ hers: Quarantined; others: Quarantined[] }> {
  const quarantined = (
    shop: string,
    event: 'newsletter_unsubscribe' | 'order_status_change',
    at: number,
    body: string,
  ) =>
    store.quarantine(delivery({ shop, event, receivedAt: seconds(at), rawBody: Buffer.from(body) }), {
      code: 'invalid_json',
      message: 'Unexpected end of JSON input',
    });
  const hers = await quarantined(
    'demo',
    'newsletter_unsubscribe',
    firstAt,
    '{"newsletter":{"subscriber":[{"id":"41","firstname":"Éva"',
  );
  const others = [
    await quarantined(
      'demo',
      'newsletter_unsubscribe',
      firstAt + 1,
      '{"newsletter":{"subscriber":[{"id":"42","firstname":"Anna"',
    ),
    await quarantined(
      'other',
      'newsletter_unsubscribe',
      firstAt + 2,
      '{"newsletter":{"subscriber":[{"id":"41","firstname":"Anna"',
    ),
    await quarantined(
      'demo',
      'order_status_change',
      firstAt + 3,
      '{"orders":{"order":[{"innerId":"9","products":[{"id":"41"',
    ),
  ];
  return { hers, others };
}

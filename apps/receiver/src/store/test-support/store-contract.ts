/**
 * The Store contract: one suite, run against every engine (`sqlite-store.test.ts`, `pg-store.test.ts`).
 * Payloads and raw bodies come from the captured ShopRenter deliveries in packages/contracts/fixtures/shoprenter.
 */

import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { deadLetterCursor } from '../list-query.js';
import type { ClaimedJob, NewDelivery, NewEvent, Store, StoreChange, StoreStats } from '../store.js';
import { StoreConflictError, StoreNotFoundError, StoreUnavailableError } from '../store.js';

export interface StoreHarness {
  /** A new, empty, migrated store of this engine. */
  open(): Promise<Store>;
  /** Another instance (own connection / pool) on the same storage as `store`; works after `store` was closed. */
  openPeer(store: Store): Promise<Store>;
}

const deliveriesDir = new URL(
  '../../../../../packages/contracts/fixtures/shoprenter/deliveries/',
  import.meta.url,
);

const orderFixture = (
  JSON.parse(readFileSync(new URL('order_confirm.json', deliveriesDir), 'utf8')) as {
    orders: { order: Array<Record<string, unknown>> };
  }
).orders.order[0] as Record<string, unknown>;

const subscriberFixture = (
  JSON.parse(readFileSync(new URL('newsletter_subscribe.json', deliveriesDir), 'utf8')) as {
    newsletter: { subscriber: Array<Record<string, unknown>> };
  }
).newsletter.subscriber[0] as Record<string, unknown>;

/** The multipart body exactly as ShopRenter sends it (everything after the request head). */
const multipartRequest = readFileSync(new URL('order_confirm.multipart.http', deliveriesDir));
const rawOrderBody = multipartRequest.subarray(multipartRequest.indexOf('\r\n\r\n') + 4);
const multipartContentType = /content-type: (.+)\r\n/i.exec(multipartRequest.toString('latin1'))?.[1] ?? '';

export const T0 = new Date('2026-03-02T10:00:00.000Z');
const seconds = (n: number) => new Date(T0.getTime() + n * 1000);

function order(innerId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...structuredClone(orderFixture), innerId, ...overrides };
}

function orderEvent(innerId: string, overrides: Record<string, unknown> = {}): NewEvent {
  return { dedupeKey: `order:${innerId}`, subjectId: innerId, payload: order(innerId, overrides) };
}

function delivery(overrides: Partial<NewDelivery> = {}): NewDelivery {
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

async function claimAll(store: Store, workerId: string, now: Date, leaseMs = 30_000): Promise<ClaimedJob[]> {
  return store.claimJobs({ workerId, limit: 100, now, leaseMs });
}

export function defineStoreContract(engine: string, harness: StoreHarness): void {
  describe(`Store contract: ${engine}`, () => {
    const opened: Store[] = [];
    const open = async () => {
      const store = await harness.open();
      opened.push(store);
      return store;
    };
    const openPeer = async (store: Store) => {
      const peer = await harness.openPeer(store);
      opened.push(peer);
      return peer;
    };

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    describe('ingest', () => {
      it('stores the delivery byte for byte, its events and one job per handler', async () => {
        const store = await open();
        const result = await store.ingest(delivery(), [orderEvent('190')], ['erp', 'review']);

        expect(result.deliveryId).toMatch(/^dlv_[0-9a-z]{26}$/);
        expect(result.duplicates).toBe(0);
        expect(result.events).toHaveLength(1);
        expect(result.events[0]).toEqual({
          id: expect.stringMatching(/^evt_/),
          dedupeKey: 'order:190',
          duplicateOf: null,
        });

        const stored = await store.getDelivery(result.deliveryId);
        expect(stored).not.toBeNull();
        expect(stored?.rawBody.equals(rawOrderBody)).toBe(true);
        expect(stored?.bodyBytes).toBe(rawOrderBody.length);
        expect(stored?.headers).toEqual(delivery().headers);
        expect(stored?.contentType).toBe(multipartContentType);
        expect(stored?.remoteAddress).toBe('203.0.113.7');
        expect(stored?.receivedAt.toISOString()).toBe(T0.toISOString());
        expect(stored?.status).toBe('stored');
        expect(stored?.decodeError).toBeNull();
        expect(stored?.events).toHaveLength(1);

        const event = stored?.events[0];
        expect(event?.payload).toEqual(order('190'));
        expect((event?.payload as Record<string, unknown> | undefined)?.shippingZoneName).toBe('Hajdú-Bihar');
        expect(event).toMatchObject({
          shop: 'demo',
          event: 'order_confirm',
          subjectId: '190',
          orderNumber: '190',
          customerName: 'Peter Test',
          grossTotal: '11206',
          currency: 'HUF',
          status: 'pending',
          verification: 'unverified',
          held: false,
        });

        const detail = await store.getEvent(result.events[0]?.id ?? '');
        expect(detail?.jobs.map((job) => job.handler).sort()).toEqual(['erp', 'review']);
        for (const job of detail?.jobs ?? []) {
          expect(job).toMatchObject({ status: 'pending', attempts: 0, failures: 0, attemptLog: [] });
          expect(job.id).toMatch(/^job_/);
          expect(job.runAt.toISOString()).toBe(T0.toISOString());
        }
        expect(await store.countJobs()).toEqual({ pending: 2, running: 0, succeeded: 0, dead: 0 });
      });

      it('keeps several orders of one delivery in delivery order and summarises newsletter events', async () => {
        const store = await open();
        const result = await store.ingest(
          delivery(),
          [orderEvent('301'), orderEvent('302'), orderEvent('303')],
          [],
        );
        const stored = await store.getDelivery(result.deliveryId);
        expect(stored?.events.map((event) => event.orderNumber)).toEqual(['301', '302', '303']);
        expect(stored?.events.every((event) => event.status === 'stored')).toBe(true);

        const newsletter = await store.ingest(
          delivery({ event: 'newsletter_subscribe' }),
          [{ dedupeKey: 'subscriber:1', subjectId: '1', payload: subscriberFixture }],
          [],
        );
        const [event] = (await store.getDelivery(newsletter.deliveryId))?.events ?? [];
        expect(event).toMatchObject({
          orderNumber: null,
          customerName: 'Peter Test',
          grossTotal: null,
          currency: null,
        });
      });

      it('is durable: visible to another connection once resolved, and still there after reopening', async () => {
        const store = await open();
        const result = await store.ingest(delivery(), [orderEvent('190')], ['erp']);
        const peer = await openPeer(store);
        expect((await peer.getDelivery(result.deliveryId))?.events[0]?.id).toBe(result.events[0]?.id);

        await store.close();
        await expect(store.ingest(delivery(), [orderEvent('191')], [])).rejects.toBeInstanceOf(
          StoreUnavailableError,
        );
        const reopened = await openPeer(store);
        const again = await reopened.getDelivery(result.deliveryId);
        expect(again?.rawBody.equals(rawOrderBody)).toBe(true);
        expect((await reopened.getEvent(result.events[0]?.id ?? ''))?.jobs).toHaveLength(1);
      });

      it('records a seen dedupe key as a duplicate of the earlier event, without a job', async () => {
        const store = await open();
        const first = await store.ingest(delivery(), [orderEvent('190')], ['erp']);
        const second = await store.ingest(delivery({ receivedAt: seconds(5) }), [orderEvent('190')], ['erp']);
        const originalId = first.events[0]?.id;

        expect(second.duplicates).toBe(1);
        expect(second.events[0]?.duplicateOf).toBe(originalId);
        expect(second.events[0]?.id).not.toBe(originalId);
        const duplicate = await store.getEvent(second.events[0]?.id ?? '');
        expect(duplicate).toMatchObject({ duplicateOf: originalId, status: 'duplicate', jobs: [] });
        expect(await store.countJobs()).toMatchObject({ pending: 1 });

        // Same key twice inside one delivery, and the same key for another event or shop is not a duplicate.
        const mixed = await store.ingest(
          delivery({ receivedAt: seconds(10) }),
          [orderEvent('500'), orderEvent('500')],
          ['erp'],
        );
        expect(mixed.events.map((event) => event.duplicateOf)).toEqual([null, mixed.events[0]?.id]);
        const otherEvent = await store.ingest(
          delivery({ event: 'order_status_change' }),
          [orderEvent('190')],
          [],
        );
        const otherShop = await store.ingest(delivery({ shop: 'other' }), [orderEvent('190')], []);
        expect(otherEvent.duplicates + otherShop.duplicates).toBe(0);
      });

      it('commits hundreds of concurrent ingests, each exactly once', async () => {
        const store = await open();
        const results = await Promise.all(
          Array.from({ length: 500 }, (_, i) =>
            store.ingest(delivery({ receivedAt: seconds(i % 60) }), [orderEvent(`c${i}`)], ['erp']),
          ),
        );
        expect(new Set(results.map((result) => result.deliveryId)).size).toBe(500);
        expect(new Set(results.map((result) => result.events[0]?.id)).size).toBe(500);
        expect((await store.countJobs()).pending).toBe(500);
        const all = await store.listEvents({ limit: 500 });
        expect(all.items).toHaveLength(500);
        expect(all.nextCursor).toBeNull();
      });
    });

    it('stores text with NUL characters (PostgreSQL keeps them as U+FFFD)', async () => {
      const store = await open();
      const { events } = await store.ingest(
        delivery(),
        [orderEvent('n\u00001', { firstname: 'A\u0000na', lastname: 'Kiss' })],
        ['erp'],
      );
      const event = await store.getEvent(events[0]?.id ?? '');
      expect(event?.customerName?.replace('\uFFFD', '\u0000')).toBe('Kiss A\u0000na');
      expect((event?.payload as Record<string, unknown> | undefined)?.firstname).toBe('A\u0000na');
      const { deliveryId } = await store.quarantine(delivery(), {
        code: 'bad',
        message: 'unexpected \u0000 at 3',
      });
      expect((await store.getDelivery(deliveryId))?.decodeError?.message.replace('\uFFFD', '\u0000')).toBe(
        'unexpected \u0000 at 3',
      );
      const [job] = await claimAll(store, 'w', seconds(1));
      await store.failJob(job?.id ?? '', {
        attempt: 1,
        error: 'body: \u0000\u0000',
        deadLetter: true,
        now: seconds(2),
      });
      expect((await store.listDeadLetters())[0]?.job.lastError?.replaceAll('\uFFFD', '\u0000')).toBe(
        'body: \u0000\u0000',
      );
    });

    describe('quarantine', () => {
      it('stores an undecodable delivery with its reason and re-processes it after a fix', async () => {
        const store = await open();
        const body = Buffer.from('{"orders":{"order":[{"innerId":"77",');
        const { deliveryId } = await store.quarantine(
          delivery({ rawBody: body, contentType: 'application/json' }),
          { code: 'invalid_json', message: 'Unexpected end of JSON input at position 36' },
        );
        const stored = await store.getDelivery(deliveryId);
        expect(stored).toMatchObject({
          status: 'quarantined',
          decodeError: { code: 'invalid_json', message: 'Unexpected end of JSON input at position 36' },
          events: [],
          reprocessedAt: null,
        });
        expect(stored?.rawBody.equals(body)).toBe(true);
        expect((await store.listDeliveries({ status: 'quarantined' })).items.map((d) => d.id)).toEqual([
          deliveryId,
        ]);

        const result = await store.reprocessQuarantined(deliveryId, [orderEvent('77')], ['erp'], {
          now: seconds(60),
        });
        expect(result).toMatchObject({ deliveryId, duplicates: 0 });
        const after = await store.getDelivery(deliveryId);
        expect(after?.status).toBe('reprocessed');
        expect(after?.reprocessedAt?.toISOString()).toBe(seconds(60).toISOString());
        expect(after?.decodeError?.code).toBe('invalid_json');
        expect(after?.events.map((event) => event.orderNumber)).toEqual(['77']);
        expect(after?.events[0]?.receivedAt.toISOString()).toBe(T0.toISOString());
        expect(await claimAll(store, 'w', seconds(59))).toEqual([]);
        expect((await claimAll(store, 'w', seconds(60))).map((job) => job.eventId)).toEqual([
          result.events[0]?.id,
        ]);

        await expect(store.reprocessQuarantined(deliveryId, [orderEvent('77')], [])).rejects.toBeInstanceOf(
          StoreConflictError,
        );
        await expect(store.reprocessQuarantined('dlv_missing', [], [])).rejects.toBeInstanceOf(
          StoreNotFoundError,
        );
      });

      it("re-processes a quarantined delivery under another shop and event (fileAs), with that shop's dedupe", async () => {
        const store = await open();
        const payload = { id: 5, status: 'paid', time: 1_700_000_000 };
        const dedupeKey = 'payment:5:paid:1700000000';
        const filed = await store.ingest(
          delivery({ shop: 'alpha', event: 'payment_status' as never }),
          [{ dedupeKey, subjectId: '5', payload }],
          ['erp'],
        );
        expect(filed.duplicates).toBe(0);
        const first = await store.quarantine(
          delivery({ shop: 'payment-api', event: 'payment_status' as never }),
          {
            code: 'unknown_shop',
            message: 'not installed on beta',
          },
        );
        const moved = await store.reprocessQuarantined(
          first.deliveryId,
          [{ dedupeKey: 'card-change:7:accepted:1700000000', subjectId: '7', payload: { changeId: 7 } }],
          ['erp'],
          { fileAs: { shop: 'beta', event: 'payment_card_change' }, now: seconds(5) },
        );
        expect(moved.duplicates).toBe(0);
        const after = await store.getDelivery(first.deliveryId);
        expect(after).toMatchObject({ shop: 'beta', event: 'payment_card_change', status: 'reprocessed' });
        expect(after?.events.map((event) => [event.shop, event.event])).toEqual([
          ['beta', 'payment_card_change'],
        ]);
        expect((await store.listDeliveries({ shop: 'payment-api' })).items).toEqual([]);

        // Filed under alpha, where the same notification is already: a duplicate, no job.
        const second = await store.quarantine(delivery({ shop: 'beta', event: 'payment_status' as never }), {
          code: 'shop_mismatch',
          message: 'first seen under alpha',
        });
        const again = await store.reprocessQuarantined(
          second.deliveryId,
          [{ dedupeKey, subjectId: '5', payload }],
          ['erp'],
          { fileAs: { shop: 'alpha', event: 'payment_status' } },
        );
        expect(again.duplicates).toBe(1);
        expect(again.events[0]?.duplicateOf).toBe(filed.events[0]?.id);
        const event = await store.getEvent(again.events[0]?.id as string);
        expect(event).toMatchObject({ shop: 'alpha', jobs: [] });
      });
    });

    describe('reads', () => {
      it('filters by shop, event, status, time range and order number / customer text, newest first, paged', async () => {
        const store = await open();
        const a = await store.ingest(delivery({ receivedAt: seconds(0) }), [orderEvent('1001')], ['erp']);
        const b = await store.ingest(
          delivery({ receivedAt: seconds(10), shop: 'butor' }),
          [orderEvent('1002', { firstname: 'Győző', lastname: 'Árvíztűrő' })],
          [],
        );
        const c = await store.ingest(
          delivery({ receivedAt: seconds(20), event: 'order_status_change' }),
          [
            orderEvent('2003', {
              firstname: 'Anna',
              lastname: 'Kovács',
              paymentFirstname: 'Béla',
              paymentLastname: 'Nagy',
            }),
          ],
          ['erp'],
        );
        const q = await store.quarantine(delivery({ receivedAt: seconds(30) }), {
          code: 'bad',
          message: 'bad body',
        });

        const ids = async (filter: Parameters<Store['listDeliveries']>[0]) =>
          (await store.listDeliveries(filter)).items.map((item) => item.id);
        expect(await ids({})).toEqual([q.deliveryId, c.deliveryId, b.deliveryId, a.deliveryId]);
        expect(await ids({ shop: 'butor' })).toEqual([b.deliveryId]);
        expect(await ids({ event: 'order_status_change' })).toEqual([c.deliveryId]);
        expect(await ids({ status: 'stored' })).toEqual([c.deliveryId, b.deliveryId, a.deliveryId]);
        expect(await ids({ eventStatus: 'stored' })).toEqual([b.deliveryId]);
        expect(await ids({ from: seconds(10), to: seconds(30) })).toEqual([c.deliveryId, b.deliveryId]);
        expect(await ids({ q: 'gyozo' })).toEqual([b.deliveryId]);
        expect(await ids({ q: 'ÁRVÍZ' })).toEqual([b.deliveryId]);
        expect(await ids({ q: 'bela nagy' })).toEqual([c.deliveryId]);
        // Hungarian name order (family name first), accents as typed: the same customer
        expect(await ids({ q: 'Nagy Béla' })).toEqual([c.deliveryId]);
        expect(await ids({ q: 'Árvíztűrő  Győző' })).toEqual([b.deliveryId]);
        expect(await ids({ q: 'Nagy Győző' })).toEqual([]);
        expect(await ids({ q: '100' })).toEqual([b.deliveryId, a.deliveryId]);
        expect(await ids({ q: '%' })).toEqual([]);
        expect(await ids({ q: 'nobody' })).toEqual([]);

        const list = await store.listDeliveries({ shop: 'butor' });
        expect(list.items[0]).toMatchObject({
          shop: 'butor',
          bodyBytes: rawOrderBody.length,
          events: [{ orderNumber: '1002', customerName: 'Árvíztűrő Győző', status: 'stored' }],
        });

        const first = await store.listDeliveries({ limit: 3 });
        expect(first.items).toHaveLength(3);
        expect(first.nextCursor).toBe(b.deliveryId);
        const second = await store.listDeliveries({ limit: 3, cursor: first.nextCursor ?? '' });
        expect(second.items.map((item) => item.id)).toEqual([a.deliveryId]);
        expect(second.nextCursor).toBeNull();

        const events = async (filter: Parameters<Store['listEvents']>[0]) =>
          (await store.listEvents(filter)).items.map((item) => item.orderNumber);
        expect(await events({})).toEqual(['2003', '1002', '1001']);
        expect(await events({ status: 'pending' })).toEqual(['2003', '1001']);
        expect(await events({ q: 'kovacs' })).toEqual(['2003']);
        expect(await events({ q: 'Kovács Anna' })).toEqual(['2003']);
        expect(await events({ shop: 'demo', event: 'order_confirm' })).toEqual(['1001']);
        expect(await events({ deliveryId: b.deliveryId })).toEqual(['1002']);
        expect(await events({ from: seconds(5) })).toEqual(['2003', '1002']);
        const paged = await store.listEvents({ limit: 2 });
        expect(paged.nextCursor).toBe(b.events[0]?.id);

        expect(await store.getDelivery('dlv_unknown')).toBeNull();
        expect(await store.getEvent('evt_unknown')).toBeNull();
      });
    });

    describe('jobs', () => {
      it('claims with a lease, completes, and never hands out a succeeded job again', async () => {
        const store = await open();
        const { events } = await store.ingest(delivery(), [orderEvent('190')], ['erp']);
        expect(await claimAll(store, 'w1', seconds(-1))).toEqual([]);

        const [job, ...rest] = await claimAll(store, 'w1', seconds(1), 60_000);
        expect(rest).toEqual([]);
        expect(job).toMatchObject({
          handler: 'erp',
          attempt: 1,
          failures: 0,
          eventId: events[0]?.id,
          shop: 'demo',
          event: 'order_confirm',
          dedupeKey: 'order:190',
          subjectId: '190',
          verification: 'unverified',
        });
        expect(job?.payload).toEqual(order('190'));
        expect(job?.leaseExpiresAt.toISOString()).toBe(seconds(61).toISOString());
        expect(await claimAll(store, 'w2', seconds(2))).toEqual([]);

        expect(
          await store.completeJob(job?.id ?? '', { attempt: 1, statusCode: 200, now: seconds(3) }),
        ).toEqual({
          applied: true,
          status: 'succeeded',
        });
        expect(await claimAll(store, 'w2', seconds(3600))).toEqual([]);
        const detail = await store.getEvent(events[0]?.id ?? '');
        expect(detail?.status).toBe('succeeded');
        expect(detail?.jobs[0]).toMatchObject({ status: 'succeeded', attempts: 1, lastStatusCode: 200 });
        expect(detail?.jobs[0]?.finishedAt?.toISOString()).toBe(seconds(3).toISOString());
        expect(detail?.jobs[0]?.attemptLog).toEqual([
          {
            jobId: job?.id,
            attempt: 1,
            workerId: 'w1',
            startedAt: seconds(1),
            finishedAt: seconds(3),
            outcome: 'succeeded',
            statusCode: 200,
            error: null,
          },
        ]);
        await expect(store.completeJob('job_unknown', { attempt: 1 })).rejects.toBeInstanceOf(
          StoreNotFoundError,
        );
      });

      it('pages dead letters by cursor (ties in dead-letter time included) and counts them', async () => {
        const store = await open();
        // Five orders, each with an erp job; all dead-lettered, three of them at the same moment.
        const { events } = await store.ingest(
          delivery(),
          ['501', '502', '503', '504', '505'].map((n) => orderEvent(n)),
          ['erp'],
        );
        expect(events).toHaveLength(5);
        const claimed = await claimAll(store, 'w', seconds(1));
        expect(claimed).toHaveLength(5);
        const times = [seconds(10), seconds(20), seconds(20), seconds(20), seconds(30)];
        for (const [index, job] of claimed.entries()) {
          await store.failJob(job.id, { attempt: 1, error: 'no', deadLetter: true, now: times[index] });
        }
        const all = await store.listDeadLetters();
        expect(all).toHaveLength(5);
        const seen: string[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < 5; page += 1) {
          const items = await store.listDeadLetters({ limit: 2, ...(cursor ? { cursor } : {}) });
          seen.push(...items.map((item) => item.job.id));
          const last = items.at(-1);
          if (items.length < 2 || !last) break;
          cursor = deadLetterCursor(last.job);
        }
        expect(seen).toEqual(all.map((item) => item.job.id));
        expect(new Set(seen).size).toBe(5);

        expect(await store.countDeadLetters()).toBe(5);
        expect(await store.countDeadLetters({ from: seconds(20), to: seconds(30) })).toBe(3);
        expect(await store.countDeadLetters({ handler: 'other' })).toBe(0);
        // The count ignores cursor and limit (it is the filter's total).
        expect(await store.countDeadLetters({ limit: 1, cursor: deadLetterCursor(all[0]!.job) })).toBe(5);
      });

      it('retries at retryAt, dead-letters, lists and replays dead letters', async () => {
        const store = await open();
        const { events } = await store.ingest(delivery(), [orderEvent('190')], ['erp']);
        const eventId = events[0]?.id ?? '';
        const [first] = await claimAll(store, 'w', seconds(1));
        expect(
          await store.failJob(first?.id ?? '', {
            attempt: 1,
            error: 'HTTP 503 from target',
            statusCode: 503,
            retryAt: seconds(5),
            now: seconds(2),
          }),
        ).toEqual({ applied: true, status: 'pending' });
        expect((await store.getEvent(eventId))?.status).toBe('retrying');
        expect(await claimAll(store, 'w', seconds(4))).toEqual([]);
        await expect(
          store.failJob(first?.id ?? '', { attempt: 1, error: 'x' } as unknown as Parameters<
            Store['failJob']
          >[1]),
        ).rejects.toBeInstanceOf(TypeError);

        const [second] = await claimAll(store, 'w', seconds(5));
        expect(second).toMatchObject({ id: first?.id, attempt: 2, failures: 1 });
        await store.failJob(second?.id ?? '', {
          attempt: 2,
          error: 'HTTP 400 from target',
          statusCode: 400,
          deadLetter: true,
          now: seconds(6),
        });
        expect(await claimAll(store, 'w', seconds(3600))).toEqual([]);

        const detail = await store.getEvent(eventId);
        expect(detail?.status).toBe('dead');
        expect(detail?.jobs[0]).toMatchObject({
          status: 'dead',
          failures: 2,
          lastError: 'HTTP 400 from target',
          lastStatusCode: 400,
        });
        expect(detail?.jobs[0]?.attemptLog.map((a) => [a.attempt, a.outcome, a.statusCode, a.error])).toEqual(
          [
            [1, 'failed', 503, 'HTTP 503 from target'],
            [2, 'dead', 400, 'HTTP 400 from target'],
          ],
        );

        const dead = await store.listDeadLetters({ from: seconds(6), to: seconds(7) });
        expect(dead.map((d) => [d.job.id, d.event.id, d.event.orderNumber])).toEqual([
          [first?.id, eventId, '190'],
        ]);
        expect(await store.listDeadLetters({ from: seconds(7) })).toEqual([]);
        expect(await store.listDeadLetters({ handler: 'other' })).toEqual([]);

        expect(await store.replayDeadLetters({ to: seconds(6) })).toEqual({ jobs: [], cursor: null });
        const replayed = await store.replayDeadLetters({
          from: seconds(6),
          to: seconds(7),
          now: seconds(100),
        });
        expect(replayed.jobs.map((job) => [job.id, job.status, job.failures])).toEqual([
          [first?.id, 'pending', 0],
        ]);
        // The cursor after the replayed dead letter: its dead-letter time, not the reset job's.
        expect(replayed.cursor).toBe(deadLetterCursor({ id: first?.id ?? '', finishedAt: seconds(6) }));
        expect((await store.getEvent(eventId))?.status).toBe('pending');
        expect(await store.listDeadLetters()).toEqual([]);
        const [third] = await claimAll(store, 'w', seconds(100));
        expect(third).toMatchObject({ id: first?.id, attempt: 3, failures: 0 });
        expect(
          (await store.completeJob(third?.id ?? '', { attempt: 3, statusCode: 200, now: seconds(101) }))
            .applied,
        ).toBe(true);
        const done = await store.getEvent(eventId);
        expect(done?.status).toBe('succeeded');
        // success clears the last error; the failures stay in the attempt history
        expect(done?.jobs[0]).toMatchObject({ status: 'succeeded', lastError: null, lastStatusCode: 200 });
        expect(done?.jobs[0]?.attemptLog.map((a) => [a.attempt, a.outcome, a.error])).toEqual([
          [1, 'failed', 'HTTP 503 from target'],
          [2, 'dead', 'HTTP 400 from target'],
          [3, 'succeeded', null],
        ]);
      });

      it('replays an event: resets its jobs, or one handler, creating that job when missing', async () => {
        const store = await open();
        const { events } = await store.ingest(delivery(), [orderEvent('190')], ['erp']);
        const eventId = events[0]?.id ?? '';
        const [job] = await claimAll(store, 'w', seconds(1));
        await store.completeJob(job?.id ?? '', { attempt: 1, now: seconds(2) });

        const replay = await store.replayEvent(eventId, { now: seconds(10) });
        expect(replay.jobs.map((j) => [j.id, j.status])).toEqual([[job?.id, 'pending']]);
        const [again] = await claimAll(store, 'w', seconds(10));
        expect(again).toMatchObject({ id: job?.id, attempt: 2 });
        // A completion from before the replay does not count for the replayed run.
        expect(await store.completeJob(job?.id ?? '', { attempt: 1, now: seconds(11) })).toEqual({
          applied: false,
          status: 'running',
        });
        expect((await store.completeJob(job?.id ?? '', { attempt: 2, now: seconds(12) })).applied).toBe(true);

        const added = await store.replayEvent(eventId, { handler: 'chat', now: seconds(20) });
        expect(added.jobs.map((j) => [j.handler, j.status])).toEqual([['chat', 'pending']]);
        expect((await claimAll(store, 'w', seconds(20))).map((j) => j.handler)).toEqual(['chat']);
        expect((await store.getEvent(eventId))?.jobs.map((j) => j.handler).sort()).toEqual(['chat', 'erp']);

        const dup = await store.ingest(delivery(), [orderEvent('190')], ['erp']);
        await expect(store.replayEvent(dup.events[0]?.id ?? '')).rejects.toBeInstanceOf(StoreConflictError);
        await expect(store.replayEvent('evt_unknown')).rejects.toBeInstanceOf(StoreNotFoundError);
      });

      it('recovers jobs whose lease expired (crash) without re-running succeeded ones', async () => {
        const store = await open();
        await store.ingest(delivery(), [orderEvent('1'), orderEvent('2')], ['erp']);
        const crashed = await claimAll(store, 'crashed-worker', seconds(1), 10_000);
        expect(crashed).toHaveLength(2);
        const [done, lost] = crashed;
        await store.completeJob(done?.id ?? '', { attempt: 1, now: seconds(2) });

        expect(await claimAll(store, 'w2', seconds(10))).toEqual([]);
        const recovered = await claimAll(store, 'w2', seconds(11), 10_000);
        expect(recovered.map((job) => [job.id, job.attempt])).toEqual([[lost?.id, 2]]);

        // The first owner's late success does not take the job from the attempt that holds it now: that
        // attempt decides; the stale one stays `expired`, with what it reported.
        expect(
          await store.completeJob(lost?.id ?? '', { attempt: 1, statusCode: 200, now: seconds(13) }),
        ).toEqual({
          applied: false,
          status: 'running',
        });
        expect((await store.getEvent(lost?.eventId ?? ''))?.jobs[0]).toMatchObject({
          status: 'running',
          leaseOwner: 'w2',
        });
        expect(await store.completeJob(lost?.id ?? '', { attempt: 2, now: seconds(14) })).toEqual({
          applied: true,
          status: 'succeeded',
        });
        expect(await claimAll(store, 'w3', seconds(100_000))).toEqual([]);
        const log = (await store.getEvent(lost?.eventId ?? ''))?.jobs[0]?.attemptLog;
        expect(log?.map((a) => [a.attempt, a.workerId, a.outcome, a.statusCode, a.error])).toEqual([
          [
            1,
            'crashed-worker',
            'expired',
            200,
            'lease lost: attempt 2 took the job over; this attempt then reported success (HTTP 200) (not applied)',
          ],
          [2, 'w2', 'succeeded', null, null],
        ]);
      });

      it('lets a late success finish a job nobody holds (a retry waiting), so it does not run again', async () => {
        const store = await open();
        await store.ingest(delivery(), [orderEvent('1')], ['erp']);
        const [first] = await claimAll(store, 'w1', seconds(0), 5_000);
        const [second] = await claimAll(store, 'w2', seconds(6), 5_000);
        expect(second).toMatchObject({ id: first?.id, attempt: 2 });
        await store.failJob(first?.id ?? '', {
          attempt: 2,
          error: 'HTTP 503',
          retryAt: seconds(60),
          now: seconds(7),
        });
        expect(await store.completeJob(first?.id ?? '', { attempt: 1, now: seconds(8) })).toEqual({
          applied: true,
          status: 'succeeded',
        });
        expect(await claimAll(store, 'w3', seconds(100_000))).toEqual([]);
        const log = (await store.getEvent(first?.eventId ?? ''))?.jobs[0]?.attemptLog;
        expect(log?.map((a) => [a.attempt, a.outcome])).toEqual([
          [1, 'succeeded'],
          [2, 'failed'],
        ]);
      });

      it('reports waiting jobs and dead letters per handler', async () => {
        const store = await open();
        expect(await store.handlerBacklog()).toEqual([]);
        await store.ingest(delivery(), [orderEvent('1'), orderEvent('2')], ['erp', 'chat']);
        const claimed = await store.claimJobs({
          workerId: 'w',
          handlers: ['erp'],
          limit: 10,
          now: seconds(1),
          leaseMs: 1000,
        });
        await store.failJob(claimed[0]?.id ?? '', {
          attempt: 1,
          error: 'HTTP 400',
          deadLetter: true,
          now: seconds(2),
        });
        await store.completeJob(claimed[1]?.id ?? '', { attempt: 1, now: seconds(2) });
        expect(await store.handlerBacklog()).toEqual([
          { handler: 'chat', waiting: 2, dead: 0 },
          { handler: 'erp', waiting: 0, dead: 1 },
        ]);
      });

      it('renews many leases in one call and says which were lost', async () => {
        const store = await open();
        await store.ingest(delivery(), [orderEvent('1'), orderEvent('2'), orderEvent('3')], ['erp']);
        const held = await claimAll(store, 'w1', seconds(0), 5_000);
        expect(held).toHaveLength(3);
        const [kept, takenOver, finished] = held;
        expect(
          await store.extendLeases(
            held.map((job) => ({ jobId: job.id, attempt: job.attempt })),
            { leaseMs: 5_000, now: seconds(3) },
          ),
        ).toEqual({ renewed: held.map((job) => job.id), lost: [], busy: [] });
        // Renewed at 3 s: nothing is claimable at 7 s.
        expect(await claimAll(store, 'w2', seconds(7))).toEqual([]);
        await store.completeJob(finished?.id ?? '', { attempt: 1, now: seconds(7) });
        // Only `kept` is renewed again; `takenOver` runs out and another worker claims it.
        await store.extendLeases([{ jobId: kept?.id ?? '', attempt: 1 }], {
          leaseMs: 5_000,
          now: seconds(7),
        });
        expect((await claimAll(store, 'w2', seconds(9))).map((job) => [job.id, job.attempt])).toEqual([
          [takenOver?.id, 2],
        ]);
        const renewal = await store.extendLeases(
          held.map((job) => ({ jobId: job.id, attempt: job.attempt })),
          { leaseMs: 5_000, now: seconds(10) },
        );
        expect(renewal.renewed).toEqual([kept?.id]);
        expect([...renewal.lost].sort()).toEqual([takenOver?.id, finished?.id].sort());
        expect(renewal.busy).toEqual([]);
        expect(await store.extendLeases([], { leaseMs: 5_000, now: seconds(10) })).toEqual({
          renewed: [],
          lost: [],
          busy: [],
        });
      });

      it('logs an expired attempt and lets the new owner finish; extendLease keeps a job leased', async () => {
        const store = await open();
        await store.ingest(delivery(), [orderEvent('1')], ['erp']);
        const [job] = await claimAll(store, 'w1', seconds(0), 5_000);
        expect(
          await store.extendLease(job?.id ?? '', { attempt: 1, leaseMs: 60_000, now: seconds(4) }),
        ).toEqual({
          applied: true,
          status: 'running',
        });
        expect(await claimAll(store, 'w2', seconds(30))).toEqual([]);
        const [taken] = await claimAll(store, 'w2', seconds(64));
        expect(taken).toMatchObject({ id: job?.id, attempt: 2 });
        expect(
          (await store.extendLease(job?.id ?? '', { attempt: 1, leaseMs: 1000, now: seconds(65) })).applied,
        ).toBe(false);
        const attemptLog = async () =>
          (await store.getEvent(job?.eventId ?? ''))?.jobs[0]?.attemptLog.map((a) => [
            a.attempt,
            a.outcome,
            a.finishedAt?.toISOString() ?? null,
          ]);
        expect(await attemptLog()).toEqual([
          [1, 'expired', seconds(64).toISOString()],
          [2, 'claimed', null],
        ]);
        // The first owner's late failure is logged but does not touch the job the new owner runs.
        expect(
          await store.failJob(job?.id ?? '', {
            attempt: 1,
            error: 'timeout',
            retryAt: seconds(70),
            now: seconds(66),
          }),
        ).toEqual({ applied: false, status: 'running' });
        expect(await attemptLog()).toEqual([
          [1, 'expired', seconds(66).toISOString()],
          [2, 'claimed', null],
        ]);
        expect((await store.getEvent(job?.eventId ?? ''))?.jobs[0]?.attemptLog[0]?.error).toBe(
          'lease lost: attempt 2 took the job over; this attempt then reported a failure: timeout (not applied)',
        );
        expect((await store.getEvent(job?.eventId ?? ''))?.jobs[0]).toMatchObject({
          status: 'running',
          failures: 0,
        });
      });

      it('releases a claimed job without counting a failure', async () => {
        const store = await open();
        await store.ingest(delivery(), [orderEvent('1')], ['erp']);
        const [job] = await claimAll(store, 'w', seconds(1));
        expect(
          await store.releaseJob(job?.id ?? '', { attempt: 1, reason: 'shutting down', now: seconds(2) }),
        ).toEqual({ applied: true, status: 'pending' });
        const [again] = await claimAll(store, 'w', seconds(2));
        expect(again).toMatchObject({ id: job?.id, attempt: 2, failures: 0 });
        const log = (await store.getEvent(job?.eventId ?? ''))?.jobs[0]?.attemptLog;
        expect(log?.map((a) => [a.outcome, a.error])).toEqual([
          ['released', 'shutting down'],
          ['claimed', null],
        ]);
      });

      it('records a claimed attempt as `claimed` until markStarted, then `running` from its start', async () => {
        const store = await open();
        await store.ingest(delivery(), [orderEvent('1'), orderEvent('2')], ['erp']);
        const [first, second] = await claimAll(store, 'w', seconds(1));
        const attemptOf = async (eventId: string) =>
          (await store.getEvent(eventId))?.jobs[0]?.attemptLog.map((a) => [a.outcome, a.startedAt.getTime()]);
        expect(await attemptOf(first?.eventId ?? '')).toEqual([['claimed', seconds(1).getTime()]]);
        await store.markStarted([{ jobId: first?.id ?? '', attempt: 1 }], { now: seconds(3) });
        expect(await attemptOf(first?.eventId ?? '')).toEqual([['running', seconds(3).getTime()]]);
        // already reported: a late start changes nothing
        await store.completeJob(second?.id ?? '', { attempt: 1, now: seconds(4) });
        await store.markStarted([{ jobId: second?.id ?? '', attempt: 1 }], { now: seconds(5) });
        expect(await attemptOf(second?.eventId ?? '')).toEqual([['succeeded', seconds(1).getTime()]]);
        await store.markStarted([], { now: seconds(6) });
      });

      it('records a job handed back because its event is held as `held`, not `released`', async () => {
        const store = await open();
        await store.ingest(delivery(), [orderEvent('1')], ['erp']);
        const [job] = await claimAll(store, 'w', seconds(1));
        const reason = 'held: verification mismatched (the shop has no order b3Jk)';
        expect(
          await store.releaseJob(job?.id ?? '', { attempt: 1, reason, outcome: 'held', now: seconds(2) }),
        ).toEqual({ applied: true, status: 'pending' });
        const log = (await store.getEvent(job?.eventId ?? ''))?.jobs[0]?.attemptLog;
        expect(log?.map((a) => [a.outcome, a.error])).toEqual([['held', reason]]);
      });

      it('failJob with countsAsFailure: false logs the attempt but leaves the failure count alone', async () => {
        const store = await open();
        const { events } = await store.ingest(delivery(), [orderEvent('191')], ['erp']);
        const [first] = await claimAll(store, 'w', seconds(1));
        expect(
          await store.failJob(first?.id ?? '', {
            attempt: 1,
            error: 'answered 410; handler disabled',
            statusCode: 410,
            retryAt: seconds(2),
            now: seconds(2),
            countsAsFailure: false,
          }),
        ).toEqual({ applied: true, status: 'pending' });
        const [second] = await claimAll(store, 'w', seconds(3));
        expect(second).toMatchObject({ id: first?.id, attempt: 2, failures: 0 });
        const detail = await store.getEvent(events[0]?.id ?? '');
        expect(detail?.jobs[0]?.attemptLog.map((a) => [a.attempt, a.outcome, a.statusCode])).toEqual([
          [1, 'failed', 410],
          [2, 'claimed', null],
        ]);
      });

      it('claims only the requested handlers and skips disabled handlers until enabled', async () => {
        const store = await open();
        await store.ingest(delivery(), [orderEvent('1')], ['erp', 'chat']);
        const chat = await store.claimJobs({
          workerId: 'w',
          handlers: ['chat'],
          limit: 10,
          now: seconds(1),
          leaseMs: 1000,
        });
        expect(chat.map((j) => j.handler)).toEqual(['chat']);
        await store.completeJob(chat[0]?.id ?? '', { attempt: 1, now: seconds(1) });
        expect(
          await store.claimJobs({ workerId: 'w', handlers: [], limit: 10, now: seconds(1), leaseMs: 1000 }),
        ).toEqual([]);

        await store.disableHandler('erp', {
          reason: 'HTTP 410 Gone from https://erp.example/hook',
          now: seconds(2),
        });
        expect(await store.listHandlerStates()).toEqual([
          {
            handler: 'erp',
            disabled: true,
            disabledBy: 'target',
            reason: 'HTTP 410 Gone from https://erp.example/hook',
            changedAt: seconds(2),
          },
        ]);
        expect(await claimAll(store, 'w', seconds(3))).toEqual([]);
        await store.enableHandler('erp', { now: seconds(4) });
        expect((await store.listHandlerStates())[0]).toMatchObject({
          handler: 'erp',
          disabled: false,
          disabledBy: null,
          reason: null,
        });
        expect((await claimAll(store, 'w', seconds(4))).map((j) => j.handler)).toEqual(['erp']);
      });

      it("an operator's disable pauses a handler like a 410 and does not overwrite one already disabled", async () => {
        const store = await open();
        await store.ingest(delivery(), [orderEvent('1')], ['erp']);
        const paused = 'disabled by an operator';
        expect(await store.disableHandler('erp', { reason: paused, by: 'operator', now: seconds(1) })).toBe(
          true,
        );
        // Already disabled: a no-op that says so (the first reason and time stay).
        expect(await store.disableHandler('erp', { reason: 'again', by: 'operator', now: seconds(2) })).toBe(
          false,
        );
        expect(await store.listHandlerStates()).toEqual([
          { handler: 'erp', disabled: true, disabledBy: 'operator', reason: paused, changedAt: seconds(1) },
        ]);
        // Its jobs wait; a new event still gets one.
        await store.ingest(delivery(), [orderEvent('2')], ['erp']);
        expect(await claimAll(store, 'w', seconds(3))).toEqual([]);
        // A 410 meanwhile (an attempt started before the pause) records itself: the URL needs fixing.
        expect(
          await store.disableHandler('erp', { reason: 'HTTP 410 Gone from erp.example', now: seconds(4) }),
        ).toBe(true);
        expect((await store.listHandlerStates())[0]).toMatchObject({ disabledBy: 'target' });
        // An operator does not overwrite the target's reason either.
        expect(await store.disableHandler('erp', { reason: paused, by: 'operator', now: seconds(5) })).toBe(
          false,
        );
        expect((await store.listHandlerStates())[0]).toMatchObject({
          disabledBy: 'target',
          reason: 'HTTP 410 Gone from erp.example',
        });
        await store.enableHandler('erp', { now: seconds(6) });
        expect(await store.disableHandler('erp', { reason: paused, by: 'operator', now: seconds(7) })).toBe(
          true,
        );
        await store.enableHandler('erp', { now: seconds(8) });
        expect((await claimAll(store, 'w', seconds(8))).map((j) => j.handler)).toEqual(['erp', 'erp']);
      });

      it('holds a mismatched event until replayed and records verification', async () => {
        const store = await open();
        const { events } = await store.ingest(delivery(), [orderEvent('1'), orderEvent('2')], ['erp']);
        const [held, verified] = events.map((event) => event.id);
        await store.setEventVerification(held ?? '', {
          status: 'mismatched',
          detail: 'totalGross 11206 ≠ 9900',
        });
        await store.setEventVerification(verified ?? '', { status: 'verified' });

        expect(await store.getEvent(held ?? '')).toMatchObject({
          verification: 'mismatched',
          verificationDetail: 'totalGross 11206 ≠ 9900',
          held: true,
          status: 'held',
        });
        const claimed = await claimAll(store, 'w', seconds(1));
        expect(claimed.map((job) => [job.eventId, job.verification])).toEqual([[verified, 'verified']]);
        expect((await store.listEvents({ status: 'held' })).items.map((e) => e.id)).toEqual([held]);

        await store.replayEvent(held ?? '', { now: seconds(2) });
        expect((await store.getEvent(held ?? ''))?.held).toBe(false);
        expect((await claimAll(store, 'w', seconds(2))).map((job) => job.eventId)).toEqual([held]);
        await expect(
          store.setEventVerification('evt_unknown', { status: 'verified' }),
        ).rejects.toBeInstanceOf(StoreNotFoundError);
      });

      it('never gives the same job to two concurrent claimers on separate connections', async () => {
        const store = await open();
        const peer = await openPeer(store);
        await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            store.ingest(
              delivery(),
              [orderEvent(`${i}a`), orderEvent(`${i}b`), orderEvent(`${i}c`)],
              ['erp', 'chat'],
            ),
          ),
        );
        const seen = new Map<string, string>();
        const duplicates: string[] = [];
        const worker = async (source: Store, name: string) => {
          for (;;) {
            const jobs = await source.claimJobs({
              workerId: name,
              limit: 7,
              now: seconds(1),
              leaseMs: 600_000,
            });
            if (jobs.length === 0) return;
            for (const job of jobs) {
              if (seen.has(job.id)) duplicates.push(job.id);
              seen.set(job.id, name);
            }
          }
        };
        await Promise.all([worker(store, 'a1'), worker(peer, 'b1'), worker(store, 'a2'), worker(peer, 'b2')]);
        expect(duplicates).toEqual([]);
        expect(seen.size).toBe(240);
        expect(await store.countJobs()).toEqual({ pending: 0, running: 240, succeeded: 0, dead: 0 });
      });
    });

    describe('admin session revocations', () => {
      it('refuses a revoked session on every instance until it would have expired, idempotently', async () => {
        const store = await open();
        const peer = await openPeer(store);
        expect(await store.isAdminSessionRevoked('s1', { now: seconds(0) })).toBe(false);
        await store.revokeAdminSession('s1', seconds(3600), { now: seconds(0) });
        await store.revokeAdminSession('s1', seconds(3600), { now: seconds(1) });
        expect(await store.isAdminSessionRevoked('s1', { now: seconds(2) })).toBe(true);
        expect(await peer.isAdminSessionRevoked('s1', { now: seconds(2) })).toBe(true);
        expect(await peer.isAdminSessionRevoked('s2', { now: seconds(2) })).toBe(false);
        // Past its expiry the cookie is refused anyway; the revocation lapses and is cleaned up.
        expect(await store.isAdminSessionRevoked('s1', { now: seconds(3600) })).toBe(false);
        await peer.revokeAdminSession('s2', seconds(7200), { now: seconds(3601) });
        expect(await store.isAdminSessionRevoked('s2', { now: seconds(3602) })).toBe(true);
      });
    });

    describe('prune (retention)', () => {
      const days = (n: number) => new Date(T0.getTime() + n * 86_400_000);
      /** Claims every runnable job at `now` and completes or dead-letters it. */
      async function finishJobs(store: Store, now: Date, outcome: 'succeeded' | 'dead'): Promise<void> {
        for (const job of await claimAll(store, 'w-prune', now)) {
          if (outcome === 'succeeded') await store.completeJob(job.id, { attempt: job.attempt, now });
          else await store.failJob(job.id, { attempt: job.attempt, error: 'gone', deadLetter: true, now });
        }
      }

      it('deletes old deliveries with their events, jobs and attempts, and nothing newer; keeps quarantined ones unless includeDeadLetters', async () => {
        const store = await open();
        const old = await store.ingest(delivery({ receivedAt: days(0) }), [orderEvent('1')], ['erp']);
        const quarantined = await store.quarantine(delivery({ receivedAt: days(1) }), {
          code: 'invalid_json',
          message: 'x',
        });
        await finishJobs(store, days(1), 'succeeded');
        const recent = await store.ingest(delivery({ receivedAt: days(10) }), [orderEvent('2')], ['erp']);

        // A dry run counts the same and deletes nothing.
        expect(await store.prune({ before: days(5), dryRun: true })).toEqual({
          deliveries: 1,
          events: 1,
          jobs: 1,
          kept: 1,
        });
        expect(await store.getDelivery(old.deliveryId)).not.toBeNull();
        expect(await store.getEvent(old.events[0]?.id ?? '')).not.toBeNull();
        expect(await store.prune({ before: days(5) })).toEqual({
          deliveries: 1,
          events: 1,
          jobs: 1,
          kept: 1,
          paymentBindings: 0,
        });
        expect(await store.getDelivery(old.deliveryId)).toBeNull();
        // Quarantined: authentic, waiting for a decoder fix and a re-process.
        expect(await store.getDelivery(quarantined.deliveryId)).not.toBeNull();
        expect(await store.getEvent(old.events[0]?.id ?? '')).toBeNull();
        expect((await store.getDelivery(recent.deliveryId))?.events).toHaveLength(1);
        expect(await store.countJobs()).toEqual({ pending: 1, running: 0, succeeded: 0, dead: 0 });
        // Nothing left to do: a second run deletes nothing.
        expect(await store.prune({ before: days(5) })).toEqual({
          deliveries: 0,
          events: 0,
          jobs: 0,
          kept: 1,
          paymentBindings: 0,
        });
        // With includeDeadLetters the quarantined delivery goes too.
        expect(await store.prune({ before: days(5), includeDeadLetters: true })).toEqual({
          deliveries: 1,
          events: 0,
          jobs: 0,
          kept: 0,
          paymentBindings: 0,
        });
        expect(await store.getDelivery(quarantined.deliveryId)).toBeNull();
      });

      it('keeps deliveries with unfinished jobs, and dead letters unless includeDeadLetters', async () => {
        const store = await open();
        const dead = await store.ingest(delivery({ receivedAt: days(0) }), [orderEvent('1')], ['erp']);
        await finishJobs(store, days(0), 'dead');
        const pending = await store.ingest(delivery({ receivedAt: days(1) }), [orderEvent('2')], ['erp']);
        const running = await store.ingest(delivery({ receivedAt: days(2) }), [orderEvent('3')], ['chat']);
        await store.claimJobs({ workerId: 'w', limit: 1, handlers: ['chat'], now: days(3), leaseMs: 60_000 });

        expect(await store.prune({ before: days(5) })).toEqual({
          deliveries: 0,
          events: 0,
          jobs: 0,
          kept: 3,
          paymentBindings: 0,
        });
        expect(await store.prune({ before: days(5), includeDeadLetters: true, dryRun: true })).toEqual({
          deliveries: 1,
          events: 1,
          jobs: 1,
          kept: 2,
        });
        expect(await store.prune({ before: days(5), includeDeadLetters: true })).toEqual({
          deliveries: 1,
          events: 1,
          jobs: 1,
          kept: 2,
          paymentBindings: 0,
        });
        expect(await store.getDelivery(dead.deliveryId)).toBeNull();
        expect(await store.listDeadLetters()).toEqual([]);
        expect(await store.getDelivery(pending.deliveryId)).not.toBeNull();
        expect(await store.getDelivery(running.deliveryId)).not.toBeNull();
      });

      it('keeps an original while a kept duplicate refers to it, and prunes both once both are old', async () => {
        const store = await open();
        const original = await store.ingest(delivery({ receivedAt: days(0) }), [orderEvent('7')], []);
        const duplicate = await store.ingest(delivery({ receivedAt: days(10) }), [orderEvent('7')], []);
        expect(duplicate.duplicates).toBe(1);

        expect(await store.prune({ before: days(5) })).toEqual({
          deliveries: 0,
          events: 0,
          jobs: 0,
          kept: 1,
          paymentBindings: 0,
        });
        const kept = await store.getEvent(duplicate.events[0]?.id ?? '');
        expect(kept?.duplicateOf).toBe(original.events[0]?.id);

        expect(await store.prune({ before: days(20) })).toEqual({
          deliveries: 2,
          events: 2,
          jobs: 0,
          kept: 0,
          paymentBindings: 0,
        });
        // The order is unknown again: a new delivery of it is a new event.
        const again = await store.ingest(delivery({ receivedAt: days(21) }), [orderEvent('7')], []);
        expect(again.duplicates).toBe(0);
      });

      it('works through the candidates chunk by chunk, past chunks whose deliveries are all kept', async () => {
        const store = await open();
        // The three oldest keep pending jobs; seven after them are prunable.
        for (let i = 0; i < 3; i++) {
          await store.ingest(delivery({ receivedAt: days(0) }), [orderEvent(`p${i}`)], ['erp']);
        }
        const prunable: string[] = [];
        for (let i = 0; i < 7; i++) {
          prunable.push(
            (await store.ingest(delivery({ receivedAt: days(1) }), [orderEvent(`x${i}`)], [])).deliveryId,
          );
        }
        expect(await store.prune({ before: days(5), chunkSize: 3 })).toEqual({
          deliveries: 7,
          events: 7,
          jobs: 0,
          kept: 3,
          paymentBindings: 0,
        });
        for (const id of prunable) expect(await store.getDelivery(id)).toBeNull();
        expect((await store.listDeliveries()).items).toHaveLength(3);
      });

      it('stops between chunks when its signal aborts, reporting the chunks that committed', async () => {
        const store = await open();
        for (let i = 0; i < 7; i++) {
          await store.ingest(delivery({ receivedAt: days(1) }), [orderEvent(`a${i}`)], []);
        }
        const stop = new AbortController();
        const chunks: number[] = [];
        const counts = await store.prune({
          before: days(5),
          chunkSize: 3,
          signal: stop.signal,
          onChunk: (chunk) => {
            chunks.push(chunk.deliveries);
            stop.abort();
          },
        });
        expect(chunks).toEqual([3]);
        expect(counts).toEqual({ deliveries: 3, events: 3, jobs: 0, kept: 0 });
        expect((await store.listDeliveries()).items).toHaveLength(4);
        // The next run picks up the rest.
        expect(await store.prune({ before: days(5), chunkSize: 3 })).toMatchObject({ deliveries: 4 });
      });
    });

    describe('lifecycle', () => {
      it('migrates idempotently and keeps data', async () => {
        const store = await open();
        const { deliveryId } = await store.ingest(delivery(), [orderEvent('1')], []);
        await store.migrate();
        await store.migrate();
        const peer = await openPeer(store);
        await peer.migrate();
        expect((await peer.getDelivery(deliveryId))?.events).toHaveLength(1);
      });

      it('announces commits to listeners until they unsubscribe', async () => {
        const store = await open();
        const changes: StoreChange[] = [];
        const unsubscribe = store.onChange((change) => changes.push(change));
        store.onChange(() => {
          throw new Error('a broken listener must not break the store');
        });
        const { deliveryId, events } = await store.ingest(delivery(), [orderEvent('1')], ['erp']);
        expect(changes).toEqual([
          { kind: 'delivery', deliveryId, shop: 'demo', event: 'order_confirm', status: 'stored' },
        ]);
        const [job] = await claimAll(store, 'w', seconds(1));
        await store.completeJob(job?.id ?? '', { attempt: 1, now: seconds(2) });
        expect(changes.slice(1)).toEqual([
          { kind: 'job', jobId: job?.id, eventId: events[0]?.id, handler: 'erp', status: 'running' },
          { kind: 'job', jobId: job?.id, eventId: events[0]?.id, handler: 'erp', status: 'succeeded' },
          { kind: 'event', eventId: events[0]?.id, status: 'succeeded' },
        ]);
        unsubscribe();
        await store.quarantine(delivery(), { code: 'bad', message: 'bad' });
        expect(changes).toHaveLength(4);
      });

      it('pings while open and reports unavailable once closed', async () => {
        const store = await open();
        await expect(store.ping()).resolves.toBeUndefined();
        await store.close();
        await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(store.listDeliveries()).rejects.toMatchObject({ code: 'store_unavailable' });
      });

      it('finishes pending commits on close', async () => {
        const store = await open();
        const pending = Array.from({ length: 20 }, (_, i) =>
          store.ingest(delivery(), [orderEvent(`p${i}`)], []),
        );
        const closing = store.close();
        const results = await Promise.all(pending);
        await closing;
        const peer = await openPeer(store);
        for (const result of results) expect(await peer.getDelivery(result.deliveryId)).not.toBeNull();
      });
    });
  });
}

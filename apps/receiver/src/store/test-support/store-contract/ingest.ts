/** The Store contract, ingest: storing deliveries with their events and jobs, dedupe, group commit. */
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../store.js';
import {
  type ContractStores,
  claimAll,
  delivery,
  multipartContentType,
  order,
  orderEvent,
  rawOrderBody,
  seconds,
  subscriberFixture,
  T0,
} from './fixtures.js';

export function ingestContract({ open, openPeer }: ContractStores): void {
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
}

/** The Store contract, reads: deliveries and events listed, searched and fetched. */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../store.js';
import { type ContractStores, claimAll, delivery, orderEvent, rawOrderBody, seconds } from './fixtures.js';

export function readsContract({ open }: ContractStores): void {
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

    it('lists the deliveries changed since a time: received, re-processed, or with a job written then (changedSince), each once, newest first, paged', async () => {
      const store = await open();
      const old = await store.ingest(delivery({ receivedAt: seconds(0) }), [orderEvent('6001')], ['erp']);
      await store.ingest(delivery({ receivedAt: seconds(5) }), [orderEvent('6002')], []);
      const quarantined = await store.quarantine(delivery({ receivedAt: seconds(10) }), {
        code: 'bad',
        message: 'bad body',
      });
      await store.ingest(delivery({ receivedAt: seconds(15) }), [orderEvent('6003')], ['erp']);
      for (const job of await claimAll(store, 'w', seconds(20)))
        await store.completeJob(job.id, { attempt: job.attempt, now: seconds(21) });

      // while a follower is away: an old event replayed and run again, the quarantined delivery re-processed,
      // a new delivery received
      await store.replayEvent(old.events[0]?.id ?? '', { now: seconds(100) });
      await store.reprocessQuarantined(quarantined.deliveryId, [orderEvent('6004')], ['erp'], {
        now: seconds(110),
      });
      const fresh = await store.ingest(delivery({ receivedAt: seconds(120) }), [orderEvent('6005')], ['erp']);

      const ids = async (filter: Parameters<Store['listDeliveries']>[0]) =>
        (await store.listDeliveries(filter)).items.map((item) => item.id);
      expect(await ids({ changedSince: seconds(50) })).toEqual([
        fresh.deliveryId,
        quarantined.deliveryId,
        old.deliveryId,
      ]);
      expect(await ids({ changedSince: seconds(105) })).toEqual([fresh.deliveryId, quarantined.deliveryId]);
      expect(await ids({ changedSince: seconds(120) })).toEqual([fresh.deliveryId]);
      expect(await ids({ changedSince: seconds(121) })).toEqual([]);
      // the run of the replayed job is a change too
      const [rerun] = await claimAll(store, 'w', seconds(130));
      expect(rerun?.eventId).toBe(old.events[0]?.id);
      await store.completeJob(rerun?.id ?? '', { attempt: rerun?.attempt ?? 0, now: seconds(131) });
      expect(await ids({ changedSince: seconds(131) })).toEqual([old.deliveryId]);
      // with the other filters, paged
      expect(await ids({ changedSince: seconds(50), status: 'reprocessed' })).toEqual([
        quarantined.deliveryId,
      ]);
      const first = await store.listDeliveries({ changedSince: seconds(50), limit: 2 });
      expect(first.items.map((item) => item.id)).toEqual([fresh.deliveryId, quarantined.deliveryId]);
      expect(await ids({ changedSince: seconds(50), limit: 2, cursor: first.nextCursor ?? '' })).toEqual([
        old.deliveryId,
      ]);
    });

    it('filters deliveries by a job waiting to run, a retrying one included, a finished one not', async () => {
      const store = await open();
      const waiting = await store.ingest(delivery({ receivedAt: seconds(0) }), [orderEvent('4001')], ['erp']);
      const retrying = await store.ingest(
        delivery({ receivedAt: seconds(10) }),
        [orderEvent('4002')],
        ['erp'],
      );
      const done = await store.ingest(delivery({ receivedAt: seconds(20) }), [orderEvent('4003')], ['erp']);
      await store.ingest(delivery({ receivedAt: seconds(30) }), [orderEvent('4004')], []);
      const claimed = await store.claimJobs({ workerId: 'w', limit: 10, leaseMs: 60_000, now: seconds(40) });
      for (const job of claimed) {
        if (job.eventId === retrying.events[0]?.id) {
          await store.failJob(job.id, {
            attempt: job.attempt,
            error: 'busy',
            retryAt: seconds(3600),
            now: seconds(41),
          });
        } else if (job.eventId === done.events[0]?.id) {
          await store.completeJob(job.id, { attempt: job.attempt, now: seconds(41) });
        } else {
          await store.releaseJob(job.id, { attempt: job.attempt, reason: 'test', now: seconds(41) });
        }
      }
      const ids = async (filter: Parameters<Store['listDeliveries']>[0]) =>
        (await store.listDeliveries(filter)).items.map((item) => item.id);
      expect(await ids({ jobs: 'waiting' })).toEqual([retrying.deliveryId, waiting.deliveryId]);
      expect(await ids({ jobs: 'waiting', eventStatus: 'pending' })).toEqual([waiting.deliveryId]);
    });

    it("gives each listed event its jobs' states by handler, in both lists and in the delivery", async () => {
      const store = await open();
      const failing = await store.ingest(
        delivery({ receivedAt: seconds(0) }),
        [orderEvent('5001')],
        ['erp', 'crm', 'chat'],
      );
      const none = await store.ingest(delivery({ receivedAt: seconds(10) }), [orderEvent('5002')], []);
      const claimed = await store.claimJobs({ workerId: 'w', limit: 10, leaseMs: 60_000, now: seconds(20) });
      for (const job of claimed) {
        const failure = { attempt: job.attempt, error: 'busy', now: seconds(21) };
        if (job.handler === 'erp') await store.failJob(job.id, { ...failure, deadLetter: true });
        else if (job.handler === 'crm') await store.failJob(job.id, { ...failure, retryAt: seconds(3600) });
        else await store.completeJob(job.id, { attempt: job.attempt, now: seconds(21) });
      }
      const states = [
        { handler: 'chat', status: 'succeeded', failures: 0 },
        { handler: 'crm', status: 'pending', failures: 1 },
        { handler: 'erp', status: 'dead', failures: 1 },
      ];
      const listed = (await store.listDeliveries()).items;
      expect(listed.map((item) => item.events.map((event) => event.handlers))).toEqual([[[]], [states]]);
      expect(listed[1]?.events[0]).toMatchObject({ status: 'dead', orderNumber: '5001' });
      expect((await store.getDelivery(failing.deliveryId))?.events[0]?.handlers).toEqual(states);
      expect((await store.getDelivery(none.deliveryId))?.events[0]?.handlers).toEqual([]);
      expect((await store.listEvents()).items.map((event) => event.handlers)).toEqual([[], states]);
    });

    it('filters deliveries and events by a handler that has a job for them', async () => {
      const store = await open();
      const a = await store.ingest(delivery({ receivedAt: seconds(0) }), [orderEvent('3001')], ['erp']);
      const b = await store.ingest(
        delivery({ receivedAt: seconds(10) }),
        [orderEvent('3002')],
        ['erp', 'chat'],
      );
      const c = await store.ingest(delivery({ receivedAt: seconds(20) }), [orderEvent('3003')], ['chat']);
      await store.ingest(delivery({ receivedAt: seconds(30) }), [orderEvent('3004')], []);
      const deliveries = async (filter: Parameters<Store['listDeliveries']>[0]) =>
        (await store.listDeliveries(filter)).items.map((item) => item.id);
      expect(await deliveries({ handler: 'erp' })).toEqual([b.deliveryId, a.deliveryId]);
      expect(await deliveries({ handler: 'chat' })).toEqual([c.deliveryId, b.deliveryId]);
      expect(await deliveries({ handler: 'chat', from: seconds(15) })).toEqual([c.deliveryId]);
      expect(await deliveries({ handler: 'nobody' })).toEqual([]);
      const events = async (filter: Parameters<Store['listEvents']>[0]) =>
        (await store.listEvents(filter)).items.map((item) => item.orderNumber);
      expect(await events({ handler: 'erp' })).toEqual(['3002', '3001']);
      expect(await events({ handler: 'chat', status: 'pending' })).toEqual(['3003', '3002']);
      const first = await store.listEvents({ handler: 'erp', limit: 1 });
      expect(first.items.map((item) => item.orderNumber)).toEqual(['3002']);
      expect(
        (await store.listEvents({ handler: 'erp', limit: 1, cursor: first.nextCursor ?? '' })).items.map(
          (item) => item.orderNumber,
        ),
      ).toEqual(['3001']);
      expect(await events({ handler: 'nobody' })).toEqual([]);
    });
  });
}

/**
 * The Store contract, erased rows in the lists: list items carry their erasure (as the single-item reads
 * do), and both lists filter by it (`erased`).
 */
import { describe, expect, it } from 'vitest';
import type { ErasureOptions, Store } from '../../store.js';
import { type ContractStores, delivery, orderEvent, seconds } from './fixtures.js';

const EVA = 'eva.lists@example.hu';
const REASON = 'GDPR-2026-077';
const ERASURE = { at: seconds(100), reason: REASON };
const erase: ErasureOptions = {
  email: EVA,
  reason: REASON,
  dryRun: false,
  includeUnfinished: true,
  now: seconds(100),
};

/**
 * Eva's order (a delivery of two orders: hers and Peter's), Peter's own order, and a quarantined delivery
 * quoting Eva's address; then Eva's data erased (her event, the two-order delivery, the quarantined one).
 */
async function erasedEva(store: Store) {
  const shared = await store.ingest(
    delivery({ rawBody: Buffer.from(`{"orders":{"order":[{"innerId":"1","email":"${EVA}"}]}}`) }),
    [orderEvent('1', { email: EVA }), orderEvent('2', { email: 'peter@example.com' })],
    ['erp'],
  );
  const peter = await store.ingest(
    delivery({ receivedAt: seconds(1) }),
    [orderEvent('3', { email: 'peter@example.com' })],
    ['erp'],
  );
  const quarantined = await store.quarantine(
    delivery({
      receivedAt: seconds(2),
      rawBody: Buffer.from(`{"orders":{"order":[{"email":"${EVA}"`),
      contentType: 'application/json',
    }),
    { code: 'invalid_json', message: 'Unexpected end of JSON input' },
  );
  const result = await store.erasePersonalData(erase);
  expect(result.erased).toBe(true);
  return {
    shared: shared.deliveryId,
    peer: peter.deliveryId,
    quarantined: quarantined.deliveryId,
    evaEvent: shared.events[0]?.id ?? '',
    sharedPeterEvent: shared.events[1]?.id ?? '',
    peterEvent: peter.events[0]?.id ?? '',
  };
}

export function erasedListsContract({ open }: ContractStores): void {
  describe('erased rows in the lists', () => {
    it('list items carry their erasure as the single-item reads do; rows never erased have none', async () => {
      const store = await open();
      const ids = await erasedEva(store);

      const events = new Map((await store.listEvents()).items.map((event) => [event.id, event]));
      expect(events.get(ids.evaEvent)?.erasure).toEqual(ERASURE);
      expect(events.get(ids.evaEvent)?.erasure).toEqual((await store.getEvent(ids.evaEvent))?.erasure);
      expect(events.get(ids.sharedPeterEvent)).not.toHaveProperty('erasure');
      expect(events.get(ids.peterEvent)).not.toHaveProperty('erasure');

      const deliveries = new Map((await store.listDeliveries()).items.map((item) => [item.id, item]));
      const shared = deliveries.get(ids.shared);
      expect(shared?.erasure).toEqual(ERASURE);
      expect(shared?.erasure).toEqual((await store.getDelivery(ids.shared))?.erasure);
      // The two-order delivery's events: Eva's erased, Peter's kept (only its raw copy went with the body).
      expect(shared?.events.map((event) => [event.id, event.erasure])).toEqual([
        [ids.evaEvent, ERASURE],
        [ids.sharedPeterEvent, undefined],
      ]);
      expect(deliveries.get(ids.quarantined)?.erasure).toEqual(ERASURE);
      expect(deliveries.get(ids.peer)).not.toHaveProperty('erasure');
      expect(deliveries.get(ids.peer)?.events[0]).not.toHaveProperty('erasure');
      // The dead letters (never erased ones) carry none either.
      for (const letter of await store.listDeadLetters()) expect(letter.event).not.toHaveProperty('erasure');
    });

    it('filters both lists by erased, with the other filters and paging', async () => {
      const store = await open();
      const ids = await erasedEva(store);
      const eventIds = async (filter: Parameters<Store['listEvents']>[0]) =>
        (await store.listEvents(filter)).items.map((event) => event.id);
      const deliveryIds = async (filter: Parameters<Store['listDeliveries']>[0]) =>
        (await store.listDeliveries(filter)).items.map((item) => item.id);

      expect(await eventIds({ erased: true })).toEqual([ids.evaEvent]);
      expect(await eventIds({ erased: false })).toEqual([ids.peterEvent, ids.sharedPeterEvent]);
      expect(await eventIds({ erased: true, shop: 'other' })).toEqual([]);
      expect(await eventIds({ erased: true, deliveryId: ids.shared })).toEqual([ids.evaEvent]);
      expect(await eventIds({ erased: false, deliveryId: ids.shared })).toEqual([ids.sharedPeterEvent]);

      expect(await deliveryIds({ erased: true })).toEqual([ids.quarantined, ids.shared]);
      expect(await deliveryIds({ erased: false })).toEqual([ids.peer]);
      expect(await deliveryIds({ erased: true, status: 'quarantined' })).toEqual([ids.quarantined]);
      expect(await deliveryIds({ erased: false, status: 'quarantined' })).toEqual([]);

      const first = await store.listDeliveries({ erased: true, limit: 1 });
      expect(first.items.map((item) => item.id)).toEqual([ids.quarantined]);
      expect(first.nextCursor).toBe(ids.quarantined);
      const second = await store.listDeliveries({ erased: true, limit: 1, cursor: first.nextCursor ?? '' });
      expect(second).toMatchObject({ items: [{ id: ids.shared }], nextCursor: null });
    });
  });
}

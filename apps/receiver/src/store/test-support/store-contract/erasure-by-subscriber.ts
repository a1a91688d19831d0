/**
 * The Store contract, personal data erasure by newsletter subscriber (shop and id; erase-plan.ts): the
 * way to a subscriber's deliveries that hold no address (an unsubscribe), e.g. one spooled while the
 * store was down and drained after an erasure by the address had run.
 */
import { describe, expect, it } from 'vitest';
import type { ErasureOptions } from '../../store.js';
import { type ContractStores, delivery, quarantinedAroundSubscriber41, seconds } from './fixtures.js';

const erase = (overrides: Partial<ErasureOptions>): ErasureOptions => ({
  reason: 'GDPR-2026-015',
  dryRun: false,
  includeUnfinished: false,
  now: seconds(100),
  ...overrides,
});

export function erasureBySubscriberContract({ open }: ContractStores): void {
  describe('personal data erasure by newsletter subscriber', () => {
    it("finds the shop's newsletter events of that subscriber id and its quarantined newsletter deliveries; not another subscriber's, another shop's or an order's", async () => {
      const store = await open();
      const newsletter = (
        shop: string,
        event: 'newsletter_subscribe' | 'newsletter_unsubscribe' | 'newsletter_update_subscriber',
        at: number,
        payload: Record<string, unknown>,
      ) =>
        store.ingest(
          delivery({ shop, event, receivedAt: seconds(at), rawBody: Buffer.from('{}') }),
          [
            {
              dedupeKey: `subscriber:${String(payload.id)}:${event}:${at}`,
              subjectId: String(payload.id),
              payload,
            },
          ],
          [],
        );
      const subscribed = await newsletter('demo', 'newsletter_subscribe', 1, {
        id: '41',
        email: 'eva@example.hu',
        firstname: 'Éva',
      });
      const left = await newsletter('demo', 'newsletter_unsubscribe', 2, { id: '41', firstname: 'Éva' });
      const other = await newsletter('demo', 'newsletter_subscribe', 3, { id: '42', firstname: 'Anna' });
      const elsewhere = await newsletter('other', 'newsletter_unsubscribe', 4, {
        id: '41',
        firstname: 'Anna',
      });
      const { hers, others: notHers } = await quarantinedAroundSubscriber41(store, 5);

      const subscriber = { shop: 'demo', id: '41' };
      const dry = await store.erasePersonalData(erase({ subscriber, dryRun: true }));
      expect(dry.events.map((event) => event.id).sort()).toEqual(
        [subscribed, left].map((stored) => stored.events[0]?.id).sort(),
      );
      expect(dry.deliveries.map((found) => found.id).sort()).toEqual(
        [subscribed.deliveryId, left.deliveryId, hers.deliveryId].sort(),
      );
      // Named for the spool folder's search (erase-spool.ts).
      expect(dry).toMatchObject({ subscribers: [subscriber], orders: [], erased: false });

      const done = await store.erasePersonalData(erase({ subscriber }));
      expect(done.erased).toBe(true);
      expect((await store.getEvent(left.events[0]?.id ?? ''))?.payload).toEqual({});
      expect((await store.getDelivery(hers.deliveryId))?.rawBody.length).toBe(0);
      for (const kept of [other, elsewhere]) {
        expect((await store.getEvent(kept.events[0]?.id ?? ''))?.erasure).toBeUndefined();
      }
      for (const kept of notHers) {
        expect((await store.getDelivery(kept.deliveryId))?.erasure).toBeUndefined();
      }
    });
  });
}

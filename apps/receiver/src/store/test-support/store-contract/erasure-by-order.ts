/** The Store contract, personal data erasure by order (shop and innerId; erase-plan.ts, raw-body-order.ts). */
import { describe, expect, it } from 'vitest';
import { erase } from './erasure-fixtures.js';
import { type ContractStores, delivery, orderEvent, seconds } from './fixtures.js';

export function erasureByOrderContract({ open }: ContractStores): void {
  describe('personal data erasure by order', () => {
    it("by order: the shop's events of that innerId, every status change; not another shop's order of that number", async () => {
      const store = await open();
      const confirm = await store.ingest(delivery(), [orderEvent('9')], []);
      const change = await store.ingest(
        delivery({ event: 'order_status_change', receivedAt: seconds(1) }),
        [{ ...orderEvent('9'), dedupeKey: 'order:9:status:2' }],
        [],
      );
      const other = await store.ingest(
        delivery({ shop: 'other', receivedAt: seconds(2) }),
        [orderEvent('9')],
        [],
      );

      const result = await store.erasePersonalData(erase({ order: { shop: 'demo', innerId: '9' } }));
      expect(result.events.map((e) => e.id).sort()).toEqual(
        [confirm.events[0]?.id, change.events[0]?.id].sort(),
      );
      expect(result.deliveries.map((d) => d.id).sort()).toEqual(
        [confirm.deliveryId, change.deliveryId].sort(),
      );
      expect((await store.getEvent(other.events[0]?.id ?? ''))?.erasure).toBeUndefined();
      expect((await store.getEvent(change.events[0]?.id ?? ''))?.payload).toEqual({});
    });

    it("by order: a quarantined delivery of the shop whose raw body holds the order (JSON, XML or a form post), not another shop's or another order's", async () => {
      const store = await open();
      const quarantine = (shop: string, body: string) =>
        store.quarantine(delivery({ shop, rawBody: Buffer.from(body) }), {
          code: 'invalid_json',
          message: 'The body is not valid JSON.',
        });
      const json = await quarantine('demo', '{"orders":{"order":[{"innerId":"9","lastname":"Kovács"');
      const xml = await quarantine('demo', '<orders><order><innerId><![CDATA[9]]></innerId><lastname>Kovács');
      const form = await quarantine(
        'demo',
        `data=${encodeURIComponent('{"orders":{"order":[{"innerId":9,"x":')}`,
      );
      const otherShop = await quarantine('other', '{"orders":{"order":[{"innerId":"9"');
      const otherOrder = await quarantine('demo', '{"orders":{"order":[{"innerId":"99"');

      const result = await store.erasePersonalData(erase({ order: { shop: 'demo', innerId: '9' } }));
      expect(result.events).toEqual([]);
      expect(result.deliveries.map((d) => d.id)).toEqual(
        [json.deliveryId, xml.deliveryId, form.deliveryId].sort(),
      );
      expect((await store.getDelivery(xml.deliveryId))?.rawBody.length).toBe(0);
      expect((await store.getDelivery(otherShop.deliveryId))?.erasure).toBeUndefined();
      expect((await store.getDelivery(otherOrder.deliveryId))?.erasure).toBeUndefined();
    });
  });
}

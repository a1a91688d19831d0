/** The Store contract, quarantine: undecodable deliveries kept raw, and their re-processing. */
import { describe, expect, it } from 'vitest';
import { StoreConflictError, StoreNotFoundError } from '../../store.js';
import { type ContractStores, claimAll, delivery, orderEvent, seconds, T0 } from './fixtures.js';

export function quarantineContract({ open }: ContractStores): void {
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

    it('stores which part and field failed and the value found; reads them in the list and the detail', async () => {
      const store = await open();
      const failure = {
        code: 'invalid_field',
        message: 'Field orders.order[0].email is invalid: Invalid email (got "kovacs.eva@example").',
        detail: {
          part: 'field',
          path: 'orders.order[0].email',
          value: 'kovacs.eva@example',
        },
      };
      const { deliveryId } = await store.quarantine(delivery(), failure);
      expect((await store.getDelivery(deliveryId))?.decodeError).toEqual(failure);
      const listed = (await store.listDeliveries({ status: 'quarantined' })).items;
      expect(listed.map((d) => d.decodeError)).toEqual([failure]);

      // Structured values come back as they were found; a failure with none reads as recorded but empty.
      const listValue = await store.quarantine(delivery({ receivedAt: seconds(1) }), {
        code: 'missing_data_field',
        message: 'The form has no "data" field.',
        detail: { part: 'form', value: ['payload', 'extra'] },
      });
      expect((await store.getDelivery(listValue.deliveryId))?.decodeError?.detail).toEqual({
        part: 'form',
        value: ['payload', 'extra'],
      });
      const none = await store.quarantine(delivery({ receivedAt: seconds(2) }), {
        code: 'unknown_shop',
        message: 'not installed on beta',
      });
      expect((await store.getDelivery(none.deliveryId))?.decodeError?.detail).toEqual({});
    });

    it('records the failure of a re-process that still does not decode; a re-process that stores it drops the value', async () => {
      const store = await open();
      const { deliveryId } = await store.quarantine(delivery(), {
        code: 'too_large',
        message: 'The body is 90 bytes, over the limit',
        detail: { part: 'body' },
      });
      const now = {
        code: 'invalid_field',
        message: 'Field orders.order[0].email is invalid: Invalid email (got "kovacs.eva@example").',
        detail: { part: 'field', path: 'orders.order[0].email', value: 'kovacs.eva@example' },
      };
      await store.recordDecodeFailure(deliveryId, now);
      expect(await store.getDelivery(deliveryId)).toMatchObject({ status: 'quarantined', decodeError: now });

      await store.reprocessQuarantined(deliveryId, [orderEvent('78')], []);
      expect((await store.getDelivery(deliveryId))?.decodeError).toEqual({
        code: now.code,
        message: now.message,
        detail: { part: 'field', path: 'orders.order[0].email' },
      });
      await expect(store.recordDecodeFailure(deliveryId, now)).rejects.toBeInstanceOf(StoreConflictError);
      await expect(store.recordDecodeFailure('dlv_missing', now)).rejects.toBeInstanceOf(StoreNotFoundError);
    });

    it('keeps a value with control characters and lone surrogates as found, and re-processes such a delivery', async () => {
      const store = await open();
      const value = 'Kov\u0000ács \ud800 Éva';
      const { deliveryId } = await store.quarantine(delivery(), {
        code: 'invalid_field',
        message: 'Field orders.order[0].email is invalid.',
        detail: { part: 'field', path: 'orders.order[0].email', value },
      });
      const stored = (await store.getDelivery(deliveryId))?.decodeError?.detail?.value as string;
      // PostgreSQL text cannot hold U+0000: the store's text columns turn it into U+FFFD; JSON keeps it.
      expect([value, value.replace('\u0000', '\uFFFD')]).toContain(stored);
      await store.reprocessQuarantined(deliveryId, [orderEvent('79')], []);
      expect((await store.getDelivery(deliveryId))?.decodeError?.detail).toEqual({
        part: 'field',
        path: 'orders.order[0].email',
      });
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
}

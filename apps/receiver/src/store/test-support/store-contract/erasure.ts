/** The Store contract, personal data erasure by e-mail address: what it finds (GDPR art. 17; erase-plan.ts, email-match.ts). */
import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { ERASED_DECODE_MESSAGE } from '../../erase-plan.js';
import type { StoreChange } from '../../store.js';
import { EVA, erase, twoCustomers } from './erasure-fixtures.js';
import {
  type ContractStores,
  delivery,
  orderEvent,
  quarantinedAroundSubscriber41,
  seconds,
} from './fixtures.js';

export function erasureContract({ open }: ContractStores): void {
  describe('personal data erasure', () => {
    it('a dry run finds the e-mail address exactly, ignoring case, and writes nothing', async () => {
      const store = await open();
      const { eva, evaEvent } = await twoCustomers(store);
      // Holds Eva's address inside a longer one: the text search finds it, the erasure must not.
      await store.ingest(delivery({ receivedAt: seconds(5) }), [orderEvent('3', { email: `x${EVA}` })], []);

      const found = await store.erasePersonalData(erase({ email: ' kovacs.eva@example.hu ', dryRun: true }));
      expect(found).toMatchObject({ dryRun: true, erased: false, blocked: false, jobs: 1, cancelledJobs: 0 });
      expect(found.events).toEqual([
        { id: evaEvent, deliveryId: eva.deliveryId, shop: 'demo', event: 'order_confirm', status: 'dead' },
      ]);
      expect(found.deliveries.map((d) => d.id)).toEqual([eva.deliveryId]);
      expect(found.unfinishedJobs).toEqual([]);
      const event = await store.getEvent(evaEvent);
      expect(event?.payload).toMatchObject({ email: EVA });
      expect(event?.erasure).toBeUndefined();
      // Another shop only: nothing.
      expect(
        (await store.erasePersonalData(erase({ email: EVA, shop: 'other', dryRun: true }))).events,
      ).toEqual([]);
    });

    it("by e-mail address also finds orders that carry only its email_hash, and the other events of the address's orders", async () => {
      const store = await open();
      const { evaEvent, peterEvent } = await twoCustomers(store);
      const sha = (text: string) => createHash('sha256').update(text).digest('hex');
      // A subscription whose fields select email_hash, not email (the sandbox's hash: trimmed, lower case).
      const hashedOnly = await store.ingest(
        delivery({ receivedAt: seconds(10), rawBody: Buffer.from('{"orders":{"order":[{"innerId":"7"}]}}') }),
        [
          {
            dedupeKey: 'order:7',
            subjectId: '7',
            payload: { innerId: '7', lastname: 'Kovács', email_hash: sha(EVA.toLowerCase()).toUpperCase() },
          },
        ],
        [],
      );
      // A status change of Eva's order 1 delivered without her address (its fields leave it out).
      const change = await store.ingest(
        delivery({ event: 'order_status_change', receivedAt: seconds(11), rawBody: Buffer.from('{}') }),
        [
          {
            dedupeKey: 'order:1:status:2:at:x',
            subjectId: '1',
            payload: { innerId: '1', lastname: 'Kovács', orderHistory: { status: '2' } },
          },
        ],
        [],
      );
      // Another customer's hash, and Peter's order: untouched.
      const other = await store.ingest(
        delivery({ receivedAt: seconds(12) }),
        [
          {
            dedupeKey: 'order:8',
            subjectId: '8',
            payload: { innerId: '8', email_hash: sha('peter@example.com') },
          },
        ],
        [],
      );
      const dry = await store.erasePersonalData(erase({ email: EVA, dryRun: true }));
      expect(dry.events.map((event) => event.id).sort()).toEqual(
        [evaEvent, hashedOnly.events[0]?.id, change.events[0]?.id].sort(),
      );
      // Named for the spool folder's search (erase-spool.ts): found by the address, and by its hash.
      expect(dry.orders.map(({ shop, innerId }) => `${shop}/${innerId}`).sort()).toEqual([
        'demo/1',
        'demo/7',
      ]);
      expect(dry.subscribers).toEqual([]);
      const done = await store.erasePersonalData(erase({ email: EVA }));
      expect(done.events.map((event) => event.id)).toEqual(dry.events.map((event) => event.id));
      for (const id of [hashedOnly.events[0]?.id, change.events[0]?.id]) {
        expect((await store.getEvent(id ?? ''))?.payload).toEqual({});
      }
      expect((await store.getEvent(other.events[0]?.id ?? ''))?.payload).toMatchObject({ innerId: '8' });
      expect((await store.getEvent(peterEvent))?.payload).toMatchObject({ email: 'peter@example.com' });
    });

    it('by e-mail address finds the address written composed (NFC) or decomposed (NFD) either way: payload, email_hash and raw body', async () => {
      const store = await open();
      const nfc = 'Kovács.Éva@Example.HU'.normalize('NFC');
      const nfd = nfc.normalize('NFD');
      expect(nfd).not.toBe(nfc);
      const sha = (text: string) => createHash('sha256').update(text).digest('hex');
      const stored = async (innerId: string, at: number, payload: Record<string, unknown>) =>
        (
          await store.ingest(
            delivery({ receivedAt: seconds(at), rawBody: Buffer.from('{}') }),
            [{ dedupeKey: `order:${innerId}`, subjectId: innerId, payload: { innerId, ...payload } }],
            [],
          )
        ).events[0]?.id;
      const composed = await stored('11', 1, { email: nfc, lastname: 'Kovács' });
      const decomposed = await stored('12', 2, { email: nfd, lastname: 'Kovács' });
      // Hashed by the shop from one form: the sandbox's fold (trimmed, lower case) of the composed address.
      const hashedComposed = await stored('13', 3, { email_hash: sha(nfc.toLowerCase()) });
      const hashedDecomposed = await stored('14', 4, { email_hash: sha(nfd.toLowerCase()) });
      // The same letters without their accents: another address.
      const unaccented = await stored('15', 5, { email: 'Kovacs.Eva@Example.HU' });
      const quarantined = async (at: number, body: string) =>
        (
          await store.quarantine(delivery({ receivedAt: seconds(at), rawBody: Buffer.from(body) }), {
            code: 'invalid_json',
            message: 'Unexpected end of JSON input',
          })
        ).deliveryId;
      const phpEscaped = (text: string) =>
        text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
      const bodies = [
        await quarantined(6, `{"orders":{"order":[{"innerId":"21","email":"${nfc}"`),
        await quarantined(7, `{"orders":{"order":[{"innerId":"22","email":"${nfd}"`),
        // PHP's json_encode: \u00e9 (composed), e\u0301 (decomposed)
        await quarantined(8, `{"orders":{"order":[{"innerId":"23","email":"${phpEscaped(nfc)}"`),
        await quarantined(9, `{"orders":{"order":[{"innerId":"24","email":"${phpEscaped(nfd)}"`),
      ].sort();
      const other = await quarantined(
        10,
        '{"orders":{"order":[{"innerId":"25","email":"kovacs.eva@example.hu"',
      );

      for (const asked of [nfc, nfd, ` ${nfd.toLowerCase()} `, nfc.toUpperCase()]) {
        const dry = await store.erasePersonalData(erase({ email: asked, dryRun: true }));
        expect(dry.events.map((event) => event.id).sort()).toEqual(
          [composed, decomposed, hashedComposed, hashedDecomposed].sort(),
        );
        expect(dry.deliveries.map((found) => found.id)).toEqual(expect.arrayContaining(bodies));
        expect(dry.deliveries.map((found) => found.id)).not.toContain(other);
      }
      await store.erasePersonalData(erase({ email: nfd }));
      for (const id of [composed, decomposed, hashedComposed, hashedDecomposed]) {
        expect((await store.getEvent(id ?? ''))?.payload).toEqual({});
      }
      expect((await store.getEvent(unaccented ?? ''))?.erasure).toBeUndefined();
      expect((await store.getDelivery(other))?.erasure).toBeUndefined();
    });

    it("by e-mail address also finds the quarantined deliveries of the address's orders (a body without the address)", async () => {
      const store = await open();
      await twoCustomers(store);
      // Eva's order 1 again, a body that did not decode and does not hold her address; Peter's order 2 likewise.
      const hers = await store.quarantine(
        delivery({
          event: 'order_status_change',
          receivedAt: seconds(20),
          rawBody: Buffer.from('{"orders":{"order":[{"innerId":"1","lastname":"Kovács"'),
        }),
        { code: 'invalid_json', message: 'Unexpected end of JSON input' },
      );
      const his = await store.quarantine(
        delivery({
          event: 'order_status_change',
          receivedAt: seconds(21),
          rawBody: Buffer.from('{"orders":{"order":[{"innerId":"2"'),
        }),
        { code: 'invalid_json', message: 'Unexpected end of JSON input' },
      );
      const dry = await store.erasePersonalData(erase({ email: EVA, dryRun: true }));
      expect(dry.deliveries.map((found) => found.id)).toContain(hers.deliveryId);
      expect(dry.deliveries.map((found) => found.id)).not.toContain(his.deliveryId);
      await store.erasePersonalData(erase({ email: EVA }));
      expect((await store.getDelivery(hers.deliveryId))?.rawBody.length).toBe(0);
      expect((await store.getDelivery(his.deliveryId))?.rawBody.length).toBeGreaterThan(0);
    });

    it("by e-mail address also finds the quarantined newsletter deliveries of the address's subscribers (a body without the address)", async () => {
      const store = await open();
      await store.ingest(
        delivery({ event: 'newsletter_subscribe', receivedAt: seconds(1), rawBody: Buffer.from('{}') }),
        [
          {
            dedupeKey: 'subscriber:41:x',
            subjectId: '41',
            payload: { id: '41', email: EVA, firstname: 'Éva' },
          },
        ],
        [],
      );
      // Her unsubscribe that did not decode, without her address; another subscriber's; subscriber 41 of
      // another shop; an order body whose product has id 41.
      const { hers, others } = await quarantinedAroundSubscriber41(store, 2);
      const dry = await store.erasePersonalData(erase({ email: EVA, dryRun: true }));
      expect(dry.deliveries.map((found) => found.id)).toContain(hers.deliveryId);
      for (const other of others)
        expect(dry.deliveries.map((found) => found.id)).not.toContain(other.deliveryId);
      await store.erasePersonalData(erase({ email: EVA }));
      expect((await store.getDelivery(hers.deliveryId))?.rawBody.length).toBe(0);
      for (const other of others)
        expect((await store.getDelivery(other.deliveryId))?.erasure).toBeUndefined();
    });

    it("by e-mail address also finds the subscriber's other newsletter events (an unsubscribe without the address, an update to another)", async () => {
      const store = await open();
      const newsletter = (
        event: 'newsletter_subscribe' | 'newsletter_unsubscribe' | 'newsletter_update_subscriber',
        at: number,
        payload: Record<string, unknown>,
      ) =>
        store.ingest(
          delivery({ event, receivedAt: seconds(at), rawBody: Buffer.from('{}') }),
          [
            {
              dedupeKey: `subscriber:${String(payload.id)}:${event}:${at}`,
              subjectId: String(payload.id),
              payload,
            },
          ],
          [],
        );
      const subscribed = await newsletter('newsletter_subscribe', 1, {
        id: '41',
        email: EVA,
        firstname: 'Éva',
      });
      const moved = await newsletter('newsletter_update_subscriber', 2, {
        id: '41',
        email: 'eva.new@example.hu',
        firstname: 'Éva',
      });
      const left = await newsletter('newsletter_unsubscribe', 3, { id: '41' });
      // Another subscriber, and another shop's subscriber 41: untouched.
      const other = await newsletter('newsletter_subscribe', 4, { id: '42', email: 'peter@example.com' });
      const elsewhere = await store.ingest(
        delivery({
          shop: 'other',
          event: 'newsletter_unsubscribe',
          receivedAt: seconds(5),
          rawBody: Buffer.from('{}'),
        }),
        [{ dedupeKey: 'subscriber:41:x', subjectId: '41', payload: { id: '41', firstname: 'Anna' } }],
        [],
      );
      const dry = await store.erasePersonalData(erase({ email: EVA, dryRun: true }));
      expect(dry.events.map((event) => event.id).sort()).toEqual(
        [subscribed, moved, left].map((stored) => stored.events[0]?.id).sort(),
      );
      // Named for the spool folder's search (erase-spool.ts), with the orders (none here).
      expect(dry).toMatchObject({ subscribers: [{ shop: 'demo', id: '41' }], orders: [] });
      await store.erasePersonalData(erase({ email: EVA }));
      expect((await store.getEvent(moved.events[0]?.id ?? ''))?.payload).toEqual({});
      for (const kept of [other, elsewhere]) {
        expect((await store.getEvent(kept.events[0]?.id ?? ''))?.erasure).toBeUndefined();
      }
    });

    it('finds a quarantined delivery by the e-mail address in its raw body, ignoring case, and empties it with its decode failure texts', async () => {
      const store = await open();
      const body = `{"orders":{"order":[{"innerId":"5","email":"${EVA}","note":"a\\/b"`;
      const quarantined = await store.quarantine(delivery({ rawBody: Buffer.from(body) }), {
        code: 'invalid_json',
        message: `Unexpected end of JSON input after "${EVA}"`,
        detail: { part: 'body', path: 'orders.order.0.email', value: EVA },
      });
      const unrelated = await store.quarantine(delivery({ rawBody: Buffer.from('{"x":') }), {
        code: 'invalid_json',
        message: 'The body is not valid JSON.',
      });
      const changes: StoreChange[] = [];
      const unsubscribe = store.onChange((change) => changes.push(change));
      const result = await store.erasePersonalData(erase({ email: EVA.toUpperCase() }));
      expect(result.deliveries.map((d) => d.id)).toEqual([quarantined.deliveryId]);
      // Announced (it has no event to announce it by), so an open page or list shows it erased; as an
      // erasure, not an arrival (listen and events tail print arrivals).
      await vi.waitFor(
        () =>
          expect(changes).toContainEqual({
            kind: 'delivery',
            deliveryId: quarantined.deliveryId,
            shop: 'demo',
            event: 'order_confirm',
            status: 'quarantined',
            cause: 'erased',
          }),
        { timeout: 10_000 },
      );
      unsubscribe();
      expect(changes.filter((change) => change.kind === 'delivery')).toHaveLength(1);
      const erased = await store.getDelivery(quarantined.deliveryId);
      expect(erased?.rawBody.length).toBe(0);
      expect(erased?.decodeError).toEqual({
        code: 'invalid_json',
        message: ERASED_DECODE_MESSAGE,
        detail: null,
      });
      expect(erased?.erasure?.reason).toBe('GDPR-2026-014');
      expect((await store.getDelivery(unrelated.deliveryId))?.rawBody.toString()).toBe('{"x":');
    });
  });
}

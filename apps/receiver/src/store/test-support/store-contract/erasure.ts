/** The Store contract, personal data erasure (GDPR art. 17; erase-plan.ts). */
import { createHash } from 'node:crypto';
import { dedupeKey } from '@srhooks/contracts';
import { describe, expect, it, vi } from 'vitest';
import { ERASED_DECODE_MESSAGE } from '../../erase-plan.js';
import {
  LATE_DUPLICATE_REASON,
  type LateDuplicateStore,
  sweepLateDuplicates,
} from '../../late-duplicates.js';
import type { ErasureOptions, Store, StoreChange } from '../../store.js';
import { StoreConflictError, StoreUnavailableError } from '../../store-errors.js';
import {
  type ContractStores,
  claimAll,
  delivery,
  orderEvent,
  quarantinedAroundSubscriber41,
  seconds,
} from './fixtures.js';

const EVA = 'Kovacs.Eva@Example.HU';
const erase = (overrides: Partial<ErasureOptions>): ErasureOptions => ({
  reason: 'GDPR-2026-014',
  dryRun: false,
  includeUnfinished: false,
  now: seconds(100),
  ...overrides,
});

/** Eva's order 1 and Peter's order 2, each dead-lettered with a target answer quoting Eva's address. */
async function twoCustomers(store: Store) {
  const eva = await store.ingest(
    delivery({ rawBody: Buffer.from(`{"orders":{"order":[{"innerId":"1","email":"${EVA}"}]}}`) }),
    [orderEvent('1', { email: EVA, lastname: 'Kovács', firstname: 'Éva' })],
    ['erp'],
  );
  const peter = await store.ingest(
    delivery({ receivedAt: seconds(1) }),
    [orderEvent('2', { email: 'peter@example.com' })],
    ['erp'],
  );
  for (const job of await claimAll(store, 'w-erase', seconds(2))) {
    await store.failJob(job.id, {
      attempt: job.attempt,
      error: `HTTP 422: customer ${EVA} refused`,
      deadLetter: true,
      now: seconds(2),
    });
  }
  return { eva, peter, evaEvent: eva.events[0]?.id ?? '', peterEvent: peter.events[0]?.id ?? '' };
}

export function erasureContract({ open, openPeer }: ContractStores): void {
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

    it('erases the payload, raw body, search text and handler errors; keeps ids, dedupe key and job history; a replay is refused', async () => {
      const store = await open();
      const { eva, evaEvent, peterEvent } = await twoCustomers(store);
      expect((await store.listEvents({ q: EVA })).items.map((e) => e.id)).toEqual([evaEvent]);
      expect(await store.countDeadLetters()).toBe(2);

      const changes: StoreChange[] = [];
      const unsubscribe = store.onChange((change) => changes.push(change));
      const result = await store.erasePersonalData(erase({ email: EVA }));
      // Announced, so open inspector pages show it erased.
      await vi.waitFor(
        () => expect(changes).toContainEqual({ kind: 'event', eventId: evaEvent, status: 'dead' }),
        { timeout: 10_000 },
      );
      // Its delivery too: a page showing its raw body (revealed) reloads without it.
      await vi.waitFor(
        () =>
          expect(changes).toContainEqual({
            kind: 'delivery',
            deliveryId: eva.deliveryId,
            shop: 'demo',
            event: 'order_confirm',
            status: 'stored',
            cause: 'erased',
          }),
        { timeout: 10_000 },
      );
      unsubscribe();
      expect(result).toMatchObject({
        dryRun: false,
        erased: true,
        blocked: false,
        jobs: 1,
        cancelledJobs: 0,
      });
      expect(result.events.map((e) => e.id)).toEqual([evaEvent]);

      const event = await store.getEvent(evaEvent);
      expect(event).toMatchObject({
        id: evaEvent,
        shop: 'demo',
        event: 'order_confirm',
        dedupeKey: 'order:1',
        orderNumber: '1',
        customerName: null,
        status: 'dead',
        payload: {},
        erasure: { at: seconds(100), reason: 'GDPR-2026-014' },
      });
      const [job] = event?.jobs ?? [];
      expect(job).toMatchObject({ status: 'dead', attempts: 1, lastError: null });
      expect(job?.attemptLog.map((a) => [a.outcome, a.error])).toEqual([['dead', null]]);
      const stored = await store.getDelivery(eva.deliveryId);
      expect(stored?.rawBody.length).toBe(0);
      expect(stored?.bodyBytes).toBe(0);
      expect(stored?.erasure).toEqual({ at: seconds(100), reason: 'GDPR-2026-014' });
      // The search no longer finds her, by address or name; Peter is untouched.
      expect((await store.listEvents({ q: EVA })).items).toEqual([]);
      expect((await store.listEvents({ q: 'kovács' })).items).toEqual([]);
      expect((await store.listDeliveries({ q: EVA })).items).toEqual([]);
      const peter = await store.getEvent(peterEvent);
      expect(peter?.payload).toMatchObject({ email: 'peter@example.com' });
      expect(peter?.erasure).toBeUndefined();
      expect(peter?.jobs[0]?.attemptLog[0]?.error).toContain(EVA); // Peter's own record, not Eva's data
      // Its dead letter is no longer listed (nor replayed with the others); Peter's is.
      expect((await store.listDeadLetters()).map((letter) => letter.event.id)).toEqual([peterEvent]);
      // Nor counted by the backlog gauges (srhooks_dead_letters, the shops page): nobody could clear it, so an
      // alert on dead letters would stay on until retention deleted it.
      expect(await store.countDeadLetters()).toBe(1);
      expect(await store.handlerBacklog()).toEqual([{ handler: 'erp', waiting: 0, running: 0, dead: 1 }]);
      expect(await store.shopBacklog()).toEqual([{ shop: 'demo', waiting: 0, dead: 1 }]);
      // Replaying the erased event would send an empty payload: refused with the reason.
      await expect(store.replayEvent(evaEvent)).rejects.toThrow(StoreConflictError);
      await expect(store.replayEvent(evaEvent)).rejects.toThrow(/personal data was erased/);
      // Erasing again finds nothing left to erase.
      expect((await store.erasePersonalData(erase({ email: EVA }))).events).toEqual([]);
    });

    it('a late duplicate of an erased event is still recognised as a duplicate (no job runs again) and is erased when stored', async () => {
      const store = await open();
      const { evaEvent } = await twoCustomers(store);
      await store.erasePersonalData(erase({ email: EVA }));
      const late = await store.ingest(
        delivery({ receivedAt: seconds(200) }),
        [orderEvent('1', { email: EVA })],
        ['erp'],
      );
      expect(late.events).toEqual([{ id: expect.any(String), dedupeKey: 'order:1', duplicateOf: evaEvent }]);
      expect(late.duplicates).toBe(1);
      expect(await store.countJobs()).toEqual({ pending: 0, running: 0, succeeded: 0, dead: 2 });
      // What the shop sent again is erased as soon as it is stored; a duplicate of a kept event is not.
      const duplicate = await store.getEvent(late.events[0]?.id ?? '');
      expect(duplicate).toMatchObject({
        status: 'duplicate',
        duplicateOf: evaEvent,
        payload: {},
        customerName: null,
        erasure: { reason: LATE_DUPLICATE_REASON },
      });
      expect((await store.getDelivery(late.deliveryId))?.rawBody.length).toBe(0);
      expect((await store.listEvents({ q: EVA })).items).toEqual([]);
      const again = await store.ingest(
        delivery({ receivedAt: seconds(201) }),
        [orderEvent('2', { email: 'peter@example.com' })],
        ['erp'],
      );
      expect(again.duplicates).toBe(1);
      expect((await store.getEvent(again.events[0]?.id ?? ''))?.erasure).toBeUndefined();
      expect((await store.getEvent(again.events[0]?.id ?? ''))?.payload).toMatchObject({
        email: 'peter@example.com',
      });
    });

    it("a late duplicate of an erased newsletter event is recognised by its dedupe key, the item's SHA-256, which the erasure keeps (a new key would let the copy through)", async () => {
      const store = await open();
      const item = { id: '41', email: EVA, firstname: 'Éva' };
      const key = dedupeKey('demo', 'newsletter_subscribe', item);
      const send = (at: number) =>
        store.ingest(
          delivery({ event: 'newsletter_subscribe', receivedAt: seconds(at), rawBody: Buffer.from('{}') }),
          [{ dedupeKey: key, subjectId: '41', payload: item }],
          ['erp'],
        );
      const first = await send(1);
      await store.erasePersonalData(erase({ email: EVA, includeUnfinished: true }));
      const original = await store.getEvent(first.events[0]?.id ?? '');
      expect(original).toMatchObject({ dedupeKey: key, payload: {} });
      const late = await send(2);
      expect(late.events).toEqual([{ id: expect.any(String), dedupeKey: key, duplicateOf: original?.id }]);
      expect(await store.countJobs()).toEqual({ pending: 0, running: 0, succeeded: 0, dead: 1 });
    });

    it('a late duplicate whose erasure fails after its commit is still stored (the ingest resolves) and is erased by the sweep that follows', async () => {
      const store = await open();
      await twoCustomers(store);
      await store.erasePersonalData(erase({ email: EVA }));
      // The database goes away between the delivery's commit and the erasure of what it brought: once.
      const erasePersonalData = store.erasePersonalData.bind(store);
      let failures = 0;
      store.erasePersonalData = async (options) => {
        if (options.reason === LATE_DUPLICATE_REASON && failures++ === 0) {
          throw new StoreUnavailableError('the database went away (test)');
        }
        return erasePersonalData(options);
      };
      const late = await store.ingest(
        delivery({ receivedAt: seconds(200) }),
        [orderEvent('1', { email: EVA })],
        ['erp'],
      );
      expect(late.duplicates).toBe(1);
      const duplicateId = late.events[0]?.id ?? '';
      await expect
        .poll(async () => (await store.getEvent(duplicateId))?.erasure?.reason)
        .toBe(LATE_DUPLICATE_REASON);
      expect(failures).toBe(2);
      expect((await store.getEvent(duplicateId))?.payload).toEqual({});
      expect((await store.getDelivery(late.deliveryId))?.rawBody.length).toBe(0);
    });

    it('a late duplicate left unerased (the process ended before its erasure) is erased once a store on the same data is migrated', async () => {
      const store = await open();
      await twoCustomers(store);
      await store.erasePersonalData(erase({ email: EVA }));
      // This store never gets to erase it (as if it ended right after the commit).
      const erasePersonalData = store.erasePersonalData.bind(store);
      store.erasePersonalData = async (options) => {
        if (options.reason === LATE_DUPLICATE_REASON) throw new StoreUnavailableError('ended (test)');
        return erasePersonalData(options);
      };
      const late = await store.ingest(
        delivery({ receivedAt: seconds(200) }),
        [orderEvent('1', { email: EVA })],
        ['erp'],
      );
      const duplicateId = late.events[0]?.id ?? '';
      expect((await store.getEvent(duplicateId))?.payload).toMatchObject({ email: EVA });
      const next = await openPeer(store);
      try {
        await next.migrate();
        await expect
          .poll(async () => (await next.getEvent(duplicateId))?.erasure?.reason)
          .toBe(LATE_DUPLICATE_REASON);
        expect((await next.getEvent(duplicateId))?.payload).toEqual({});
        expect((await next.getDelivery(late.deliveryId))?.rawBody.length).toBe(0);
        // The sweep finds nothing more; a duplicate of a kept event is not its business.
        const kept = await next.ingest(
          delivery({ receivedAt: seconds(201) }),
          [orderEvent('2', { email: 'peter@example.com' })],
          ['erp'],
        );
        expect(await sweepLateDuplicates(next as unknown as LateDuplicateStore)).toBe(0);
        expect((await next.getEvent(kept.events[0]?.id ?? ''))?.erasure).toBeUndefined();
      } finally {
        await next.close();
      }
    });

    it('refuses while matched events have unfinished jobs unless includeUnfinished, which cancels them', async () => {
      const store = await open();
      const pending = await store.ingest(delivery(), [orderEvent('7', { email: EVA })], ['erp', 'crm']);
      const eventId = pending.events[0]?.id ?? '';
      const [running] = await store.claimJobs({ workerId: 'w', limit: 1, now: seconds(1), leaseMs: 60_000 });
      expect(running).toBeDefined();

      const blocked = await store.erasePersonalData(erase({ email: EVA }));
      expect(blocked).toMatchObject({ erased: false, blocked: true, cancelledJobs: 0 });
      expect(blocked.unfinishedJobs).toHaveLength(2);
      expect((await store.getEvent(eventId))?.erasure).toBeUndefined();
      expect((await store.getEvent(eventId))?.payload).toMatchObject({ email: EVA });

      const changes: StoreChange[] = [];
      const unsubscribe = store.onChange((change) => changes.push(change));
      const result = await store.erasePersonalData(erase({ email: EVA, includeUnfinished: true }));
      expect(result).toMatchObject({ erased: true, blocked: false, cancelledJobs: 2 });
      // Announced as cancelled by the erasure (listen and events tail say so), not as an attempt's outcome.
      await vi.waitFor(
        () =>
          expect(
            changes
              .filter((change) => change.kind === 'job')
              .map((change) => [change.eventId, change.status, change.cause]),
          ).toEqual([
            [eventId, 'dead', 'erased'],
            [eventId, 'dead', 'erased'],
          ]),
        { timeout: 10_000 },
      );
      unsubscribe();
      // The answer names the event as it is now (its jobs cancelled), not as it was found.
      expect(result.events.map((e) => [e.id, e.status])).toEqual([[eventId, 'dead']]);
      const event = await store.getEvent(eventId);
      expect(event?.status).toBe('dead');
      expect(event?.jobs.map((job) => [job.status, job.lastErrorSummary])).toEqual([
        ['dead', expect.stringMatching(/personal data was erased/)],
        ['dead', expect.stringMatching(/personal data was erased/)],
      ]);
      // Nothing is claimed any more, the running attempt's late outcome is not applied, and the cancelled
      // jobs are no dead letters to replay.
      expect(await claimAll(store, 'w2', seconds(500))).toEqual([]);
      if (running !== undefined) {
        const late = await store.completeJob(running.id, { attempt: running.attempt, now: seconds(101) });
        expect(late.applied).toBe(false);
      }
      expect(await store.countDeadLetters()).toBe(0);
      expect((await store.replayDeadLetters({ now: seconds(102) })).jobs).toEqual([]);
      // Nothing left to replay, so retention does not keep it for its cancelled jobs.
      expect(await store.prune({ before: seconds(1000) })).toMatchObject({
        deliveries: 1,
        events: 1,
        jobs: 2,
        kept: 0,
      });
      expect(await store.getEvent(eventId)).toBeNull();
    });

    it("the late report of an attempt in flight during the erasure stores none of its handler's error text (the target's answer may quote the erased payload)", async () => {
      const store = await open();
      const ingested = await store.ingest(delivery(), [orderEvent('8', { email: EVA })], ['erp', 'crm']);
      const eventId = ingested.events[0]?.id ?? '';
      const [failing, succeeding] = await store.claimJobs({
        workerId: 'w',
        limit: 2,
        now: seconds(1),
        leaseMs: 60_000,
      });
      if (failing === undefined || succeeding === undefined) throw new Error('expected two claimed jobs');
      await store.markStarted([{ jobId: failing.id, attempt: failing.attempt }], { now: seconds(2) });

      const result = await store.erasePersonalData(erase({ email: EVA, includeUnfinished: true }));
      expect(result.cancelledJobs).toBe(2);
      const late = await store.failJob(failing.id, {
        attempt: failing.attempt,
        error: `HTTP 500: target says {"email":"${EVA}"}`,
        errorSummary: 'HTTP 500',
        retryAt: seconds(200),
        now: seconds(101),
      });
      expect(late.applied).toBe(false);
      const lateDead = await store.failJob(succeeding.id, {
        attempt: succeeding.attempt,
        error: `HTTP 422: customer ${EVA} refused`,
        deadLetter: true,
        now: seconds(102),
      });
      expect(lateDead.applied).toBe(false);

      const event = await store.getEvent(eventId);
      const texts = JSON.stringify(event?.jobs);
      expect(texts.toLowerCase()).not.toContain(EVA.toLowerCase());
      expect(event?.jobs.map((job) => job.status)).toEqual(['dead', 'dead']);
      // Still said: the attempt reported after the erasure, its report not applied.
      expect(event?.jobs.flatMap((job) => job.attemptLog.map((a) => a.error))).toEqual([
        expect.stringMatching(/not applied/),
        expect.stringMatching(/not applied/),
      ]);
    });

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

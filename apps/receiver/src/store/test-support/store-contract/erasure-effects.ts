/**
 * The Store contract, personal data erasure: what an erasure clears and keeps, late duplicates of erased
 * events, and unfinished jobs (refused, or cancelled with includeUnfinished) (GDPR art. 17; erase-plan.ts).
 */
import { dedupeKey } from '@srhooks/contracts';
import { describe, expect, it, vi } from 'vitest';
import {
  LATE_DUPLICATE_REASON,
  type LateDuplicateStore,
  sweepLateDuplicates,
} from '../../late-duplicates.js';
import type { StoreChange } from '../../store.js';
import { StoreConflictError, StoreUnavailableError } from '../../store-errors.js';
import { EVA, erase, twoCustomers } from './erasure-fixtures.js';
import { type ContractStores, claimAll, delivery, orderEvent, seconds } from './fixtures.js';

export function erasureEffectsContract({ open, openPeer }: ContractStores): void {
  describe('personal data erasure: what is cleared and kept, late duplicates, unfinished jobs', () => {
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
  });
}

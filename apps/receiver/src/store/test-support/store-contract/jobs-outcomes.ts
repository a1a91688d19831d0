/** The Store contract, jobs: retries, dead letters, replays, holds and handler states. */
import { describe, expect, it } from 'vitest';
import { deadLetterCursor } from '../../list-query.js';
import type { Store } from '../../store.js';
import { StoreConflictError, StoreNotFoundError } from '../../store.js';
import { type ContractStores, claimAll, delivery, orderEvent, seconds } from './fixtures.js';

export function jobOutcomesContract({ open }: ContractStores): void {
  describe('jobs: outcomes, dead letters and replays', () => {
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
      expect(detail?.jobs[0]?.attemptLog.map((a) => [a.attempt, a.outcome, a.statusCode, a.error])).toEqual([
        [1, 'failed', 503, 'HTTP 503 from target'],
        [2, 'dead', 400, 'HTTP 400 from target'],
      ]);

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

    it("keeps the receiver's own summary of each failure beside its error, and clears it with the error on success", async () => {
      const store = await open();
      const { events } = await store.ingest(delivery(), [orderEvent('191')], ['erp']);
      const eventId = events[0]?.id ?? '';
      const [first] = await claimAll(store, 'w', seconds(1));
      await store.failJob(first?.id ?? '', {
        attempt: 1,
        error: 'https://erp.example/orders answered 500: customer Kovács Éva exists',
        errorSummary: 'erp.example answered 500',
        statusCode: 500,
        retryAt: seconds(5),
        now: seconds(2),
      });
      expect((await store.getEvent(eventId))?.jobs[0]).toMatchObject({
        lastError: 'https://erp.example/orders answered 500: customer Kovács Éva exists',
        lastErrorSummary: 'erp.example answered 500',
      });
      // an attempt without a summary (a module handler's message) records none
      const [second] = await claimAll(store, 'w', seconds(5));
      await store.failJob(second?.id ?? '', {
        attempt: 2,
        error: 'module threw',
        retryAt: seconds(10),
        now: seconds(6),
      });
      expect((await store.getEvent(eventId))?.jobs[0]).toMatchObject({
        lastError: 'module threw',
        lastErrorSummary: null,
      });
      const [third] = await claimAll(store, 'w', seconds(10));
      await store.completeJob(third?.id ?? '', { attempt: 3, statusCode: 200, now: seconds(11) });
      const done = await store.getEvent(eventId);
      expect(done?.jobs[0]).toMatchObject({ lastError: null, lastErrorSummary: null });
      expect(done?.jobs[0]?.attemptLog.map((a) => [a.attempt, a.errorSummary])).toEqual([
        [1, 'erp.example answered 500'],
        [2, null],
        [3, null],
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
        { handler: 'chat', waiting: 2, running: 0, dead: 0 },
        { handler: 'erp', waiting: 0, running: 0, dead: 1 },
      ]);
    });

    it('reports the jobs running now per handler beside the waiting ones and the dead letters', async () => {
      const store = await open();
      await store.ingest(delivery(), [orderEvent('1'), orderEvent('2'), orderEvent('3')], ['erp', 'chat']);
      const claimed = await store.claimJobs({
        workerId: 'w',
        handlers: ['erp'],
        limit: 2,
        now: seconds(1),
        leaseMs: 60_000,
      });
      expect(claimed).toHaveLength(2);
      expect(await store.handlerBacklog()).toEqual([
        { handler: 'chat', waiting: 3, running: 0, dead: 0 },
        { handler: 'erp', waiting: 1, running: 2, dead: 0 },
      ]);
      await store.completeJob(claimed[0]?.id ?? '', { attempt: 1, now: seconds(2) });
      await store.failJob(claimed[1]?.id ?? '', {
        attempt: 1,
        error: 'HTTP 400',
        deadLetter: true,
        now: seconds(2),
      });
      expect(await store.handlerBacklog()).toEqual([
        { handler: 'chat', waiting: 3, running: 0, dead: 0 },
        { handler: 'erp', waiting: 1, running: 0, dead: 1 },
      ]);
    });

    it("reports each shop's waiting jobs and dead letters, whatever the handler", async () => {
      const store = await open();
      expect(await store.shopBacklog()).toEqual([]);
      await store.ingest(delivery(), [orderEvent('1'), orderEvent('2')], ['erp', 'chat']);
      await store.ingest(delivery({ shop: 'beta-shop' }), [orderEvent('3')], ['erp']);
      // A shop whose jobs all succeeded is not listed.
      await store.ingest(delivery({ shop: 'done-shop' }), [orderEvent('4')], ['erp']);
      const claimed = await store.claimJobs({
        workerId: 'w',
        handlers: ['erp'],
        limit: 10,
        now: seconds(1),
        leaseMs: 60_000,
      });
      expect(claimed).toHaveLength(4);
      const byShop = async (shop: string) => {
        const ids: string[] = [];
        for (const job of claimed) {
          if ((await store.getEvent(job.eventId))?.shop === shop) ids.push(job.id);
        }
        return ids;
      };
      // demo: one erp job dead, one still running (not waiting); beta-shop: dead; done-shop: succeeded.
      const [demoDead] = await byShop('demo');
      const [betaDead] = await byShop('beta-shop');
      const [done] = await byShop('done-shop');
      for (const id of [demoDead, betaDead]) {
        await store.failJob(id ?? '', { attempt: 1, error: 'HTTP 400', deadLetter: true, now: seconds(2) });
      }
      await store.completeJob(done ?? '', { attempt: 1, now: seconds(2) });
      expect(await store.shopBacklog()).toEqual([
        { shop: 'beta-shop', waiting: 0, dead: 1 },
        { shop: 'demo', waiting: 2, dead: 1 },
      ]);
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
      await expect(store.setEventVerification('evt_unknown', { status: 'verified' })).rejects.toBeInstanceOf(
        StoreNotFoundError,
      );
    });
  });
}

/** The Store contract, jobs: claims, leases, releases, starts and concurrent claimers. */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../store.js';
import { StoreNotFoundError } from '../../store.js';
import { type ContractStores, claimAll, delivery, order, orderEvent, seconds } from './fixtures.js';

export function jobLeasesContract({ open, openPeer }: ContractStores): void {
  describe('jobs: claims and leases', () => {
    it('claims with a lease, completes, and never hands out a succeeded job again', async () => {
      const store = await open();
      const { events } = await store.ingest(delivery(), [orderEvent('190')], ['erp']);
      expect(await claimAll(store, 'w1', seconds(-1))).toEqual([]);

      const [job, ...rest] = await claimAll(store, 'w1', seconds(1), 60_000);
      expect(rest).toEqual([]);
      expect(job).toMatchObject({
        handler: 'erp',
        attempt: 1,
        failures: 0,
        eventId: events[0]?.id,
        shop: 'demo',
        event: 'order_confirm',
        dedupeKey: 'order:190',
        subjectId: '190',
        verification: 'unverified',
      });
      expect(job?.payload).toEqual(order('190'));
      expect(job?.leaseExpiresAt.toISOString()).toBe(seconds(61).toISOString());
      expect(await claimAll(store, 'w2', seconds(2))).toEqual([]);

      expect(
        await store.completeJob(job?.id ?? '', { attempt: 1, statusCode: 200, now: seconds(3) }),
      ).toEqual({
        applied: true,
        status: 'succeeded',
      });
      expect(await claimAll(store, 'w2', seconds(3600))).toEqual([]);
      const detail = await store.getEvent(events[0]?.id ?? '');
      expect(detail?.status).toBe('succeeded');
      expect(detail?.jobs[0]).toMatchObject({ status: 'succeeded', attempts: 1, lastStatusCode: 200 });
      expect(detail?.jobs[0]?.finishedAt?.toISOString()).toBe(seconds(3).toISOString());
      expect(detail?.jobs[0]?.attemptLog).toEqual([
        {
          jobId: job?.id,
          attempt: 1,
          workerId: 'w1',
          startedAt: seconds(1),
          finishedAt: seconds(3),
          outcome: 'succeeded',
          statusCode: 200,
          error: null,
          errorSummary: null,
        },
      ]);
      await expect(store.completeJob('job_unknown', { attempt: 1 })).rejects.toBeInstanceOf(
        StoreNotFoundError,
      );
    });

    it('recovers jobs whose lease expired (crash) without re-running succeeded ones', async () => {
      const store = await open();
      await store.ingest(delivery(), [orderEvent('1'), orderEvent('2')], ['erp']);
      const crashed = await claimAll(store, 'crashed-worker', seconds(1), 10_000);
      expect(crashed).toHaveLength(2);
      const [done, lost] = crashed;
      await store.completeJob(done?.id ?? '', { attempt: 1, now: seconds(2) });

      expect(await claimAll(store, 'w2', seconds(10))).toEqual([]);
      const recovered = await claimAll(store, 'w2', seconds(11), 10_000);
      expect(recovered.map((job) => [job.id, job.attempt])).toEqual([[lost?.id, 2]]);

      // The first owner's late success does not take the job from the attempt that holds it now: that
      // attempt decides; the stale one stays `expired`, with what it reported.
      expect(
        await store.completeJob(lost?.id ?? '', { attempt: 1, statusCode: 200, now: seconds(13) }),
      ).toEqual({
        applied: false,
        status: 'running',
      });
      expect((await store.getEvent(lost?.eventId ?? ''))?.jobs[0]).toMatchObject({
        status: 'running',
        leaseOwner: 'w2',
      });
      expect(await store.completeJob(lost?.id ?? '', { attempt: 2, now: seconds(14) })).toEqual({
        applied: true,
        status: 'succeeded',
      });
      expect(await claimAll(store, 'w3', seconds(100_000))).toEqual([]);
      const log = (await store.getEvent(lost?.eventId ?? ''))?.jobs[0]?.attemptLog;
      expect(log?.map((a) => [a.attempt, a.workerId, a.outcome, a.statusCode, a.error])).toEqual([
        [
          1,
          'crashed-worker',
          'expired',
          200,
          'lease lost: attempt 2 took the job over; this attempt then reported success (HTTP 200) (not applied)',
        ],
        [2, 'w2', 'succeeded', null, null],
      ]);
    });

    it('lets a late success finish a job nobody holds (a retry waiting), so it does not run again', async () => {
      const store = await open();
      await store.ingest(delivery(), [orderEvent('1')], ['erp']);
      const [first] = await claimAll(store, 'w1', seconds(0), 5_000);
      const [second] = await claimAll(store, 'w2', seconds(6), 5_000);
      expect(second).toMatchObject({ id: first?.id, attempt: 2 });
      await store.failJob(first?.id ?? '', {
        attempt: 2,
        error: 'HTTP 503',
        retryAt: seconds(60),
        now: seconds(7),
      });
      expect(await store.completeJob(first?.id ?? '', { attempt: 1, now: seconds(8) })).toEqual({
        applied: true,
        status: 'succeeded',
      });
      expect(await claimAll(store, 'w3', seconds(100_000))).toEqual([]);
      const log = (await store.getEvent(first?.eventId ?? ''))?.jobs[0]?.attemptLog;
      expect(log?.map((a) => [a.attempt, a.outcome])).toEqual([
        [1, 'succeeded'],
        [2, 'failed'],
      ]);
    });

    it('renews many leases in one call and says which were lost', async () => {
      const store = await open();
      await store.ingest(delivery(), [orderEvent('1'), orderEvent('2'), orderEvent('3')], ['erp']);
      const held = await claimAll(store, 'w1', seconds(0), 5_000);
      expect(held).toHaveLength(3);
      const [kept, takenOver, finished] = held;
      expect(
        await store.extendLeases(
          held.map((job) => ({ jobId: job.id, attempt: job.attempt })),
          { leaseMs: 5_000, now: seconds(3) },
        ),
      ).toEqual({ renewed: held.map((job) => job.id), lost: [], busy: [] });
      // Renewed at 3 s: nothing is claimable at 7 s.
      expect(await claimAll(store, 'w2', seconds(7))).toEqual([]);
      await store.completeJob(finished?.id ?? '', { attempt: 1, now: seconds(7) });
      // Only `kept` is renewed again; `takenOver` runs out and another worker claims it.
      await store.extendLeases([{ jobId: kept?.id ?? '', attempt: 1 }], {
        leaseMs: 5_000,
        now: seconds(7),
      });
      expect((await claimAll(store, 'w2', seconds(9))).map((job) => [job.id, job.attempt])).toEqual([
        [takenOver?.id, 2],
      ]);
      const renewal = await store.extendLeases(
        held.map((job) => ({ jobId: job.id, attempt: job.attempt })),
        { leaseMs: 5_000, now: seconds(10) },
      );
      expect(renewal.renewed).toEqual([kept?.id]);
      expect([...renewal.lost].sort()).toEqual([takenOver?.id, finished?.id].sort());
      expect(renewal.busy).toEqual([]);
      expect(await store.extendLeases([], { leaseMs: 5_000, now: seconds(10) })).toEqual({
        renewed: [],
        lost: [],
        busy: [],
      });
    });

    it('logs an expired attempt and lets the new owner finish; extendLease keeps a job leased', async () => {
      const store = await open();
      await store.ingest(delivery(), [orderEvent('1')], ['erp']);
      const [job] = await claimAll(store, 'w1', seconds(0), 5_000);
      expect(
        await store.extendLease(job?.id ?? '', { attempt: 1, leaseMs: 60_000, now: seconds(4) }),
      ).toEqual({
        applied: true,
        status: 'running',
      });
      expect(await claimAll(store, 'w2', seconds(30))).toEqual([]);
      const [taken] = await claimAll(store, 'w2', seconds(64));
      expect(taken).toMatchObject({ id: job?.id, attempt: 2 });
      expect(
        (await store.extendLease(job?.id ?? '', { attempt: 1, leaseMs: 1000, now: seconds(65) })).applied,
      ).toBe(false);
      const attemptLog = async () =>
        (await store.getEvent(job?.eventId ?? ''))?.jobs[0]?.attemptLog.map((a) => [
          a.attempt,
          a.outcome,
          a.finishedAt?.toISOString() ?? null,
        ]);
      expect(await attemptLog()).toEqual([
        [1, 'expired', seconds(64).toISOString()],
        [2, 'claimed', null],
      ]);
      // The first owner's late failure is logged but does not touch the job the new owner runs.
      expect(
        await store.failJob(job?.id ?? '', {
          attempt: 1,
          error: 'timeout',
          retryAt: seconds(70),
          now: seconds(66),
        }),
      ).toEqual({ applied: false, status: 'running' });
      expect(await attemptLog()).toEqual([
        [1, 'expired', seconds(66).toISOString()],
        [2, 'claimed', null],
      ]);
      expect((await store.getEvent(job?.eventId ?? ''))?.jobs[0]?.attemptLog[0]?.error).toBe(
        'lease lost: attempt 2 took the job over; this attempt then reported a failure: timeout (not applied)',
      );
      expect((await store.getEvent(job?.eventId ?? ''))?.jobs[0]).toMatchObject({
        status: 'running',
        failures: 0,
      });
    });

    it('releases a claimed job without counting a failure', async () => {
      const store = await open();
      await store.ingest(delivery(), [orderEvent('1')], ['erp']);
      const [job] = await claimAll(store, 'w', seconds(1));
      expect(
        await store.releaseJob(job?.id ?? '', { attempt: 1, reason: 'shutting down', now: seconds(2) }),
      ).toEqual({ applied: true, status: 'pending' });
      const [again] = await claimAll(store, 'w', seconds(2));
      expect(again).toMatchObject({ id: job?.id, attempt: 2, failures: 0 });
      const log = (await store.getEvent(job?.eventId ?? ''))?.jobs[0]?.attemptLog;
      expect(log?.map((a) => [a.outcome, a.error])).toEqual([
        ['released', 'shutting down'],
        ['claimed', null],
      ]);
    });

    it('records a claimed attempt as `claimed` until markStarted, then `running` from its start', async () => {
      const store = await open();
      await store.ingest(delivery(), [orderEvent('1'), orderEvent('2')], ['erp']);
      const [first, second] = await claimAll(store, 'w', seconds(1));
      const attemptOf = async (eventId: string) =>
        (await store.getEvent(eventId))?.jobs[0]?.attemptLog.map((a) => [a.outcome, a.startedAt.getTime()]);
      expect(await attemptOf(first?.eventId ?? '')).toEqual([['claimed', seconds(1).getTime()]]);
      await store.markStarted([{ jobId: first?.id ?? '', attempt: 1 }], { now: seconds(3) });
      expect(await attemptOf(first?.eventId ?? '')).toEqual([['running', seconds(3).getTime()]]);
      // already reported: a late start changes nothing
      await store.completeJob(second?.id ?? '', { attempt: 1, now: seconds(4) });
      await store.markStarted([{ jobId: second?.id ?? '', attempt: 1 }], { now: seconds(5) });
      expect(await attemptOf(second?.eventId ?? '')).toEqual([['succeeded', seconds(1).getTime()]]);
      await store.markStarted([], { now: seconds(6) });
    });

    it('counts the attempts whose handler was running when their lease ran out, not those claimed ahead, until a replay', async () => {
      const store = await open();
      const { events } = await store.ingest(delivery(), [orderEvent('1')], ['erp']);
      const claim = async (worker: string, at: number) => {
        const [job] = await claimAll(store, worker, seconds(at), 1000);
        if (!job) throw new Error(`${worker} claimed nothing`);
        return job;
      };
      const first = await claim('a', 1);
      expect(first.interruptions).toBe(0);
      await store.markStarted([{ jobId: first.id, attempt: 1 }], { now: seconds(1) });
      // the receiver stopped with the handler running: the next claim takes the job over
      const second = await claim('b', 3);
      expect(second).toMatchObject({ attempt: 2, interruptions: 1 });
      // claimed ahead and never started: its lease running out is no interruption
      const third = await claim('c', 5);
      expect(third).toMatchObject({ attempt: 3, interruptions: 1 });
      await store.markStarted([{ jobId: third.id, attempt: 3 }], { now: seconds(5) });
      const fourth = await claim('d', 7);
      expect(fourth).toMatchObject({ attempt: 4, interruptions: 2 });
      const outcomes = async () =>
        (await store.getEvent(events[0]?.id ?? ''))?.jobs[0]?.attemptLog.map((a) => a.outcome);
      expect(await outcomes()).toEqual(['interrupted', 'expired', 'interrupted', 'claimed']);
      // a report from an attempt recorded interrupted: its handler had not stopped after all
      expect(await store.completeJob(first.id, { attempt: 1, now: seconds(8) })).toMatchObject({
        applied: false,
      });
      expect(await outcomes()).toEqual(['expired', 'expired', 'interrupted', 'claimed']);
      // a replay starts the count again
      await store.replayEvent(events[0]?.id ?? '', { now: seconds(9) });
      expect(await claim('e', 10)).toMatchObject({ attempt: 5, interruptions: 0 });
    });

    it('never gives the same job to two concurrent claimers on separate connections', async () => {
      const store = await open();
      const peer = await openPeer(store);
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          store.ingest(
            delivery(),
            [orderEvent(`${i}a`), orderEvent(`${i}b`), orderEvent(`${i}c`)],
            ['erp', 'chat'],
          ),
        ),
      );
      const seen = new Map<string, string>();
      const duplicates: string[] = [];
      const worker = async (source: Store, name: string) => {
        for (;;) {
          const jobs = await source.claimJobs({
            workerId: name,
            limit: 7,
            now: seconds(1),
            leaseMs: 600_000,
          });
          if (jobs.length === 0) return;
          for (const job of jobs) {
            if (seen.has(job.id)) duplicates.push(job.id);
            seen.set(job.id, name);
          }
        }
      };
      await Promise.all([worker(store, 'a1'), worker(peer, 'b1'), worker(store, 'a2'), worker(peer, 'b2')]);
      expect(duplicates).toEqual([]);
      expect(seen.size).toBe(240);
      expect(await store.countJobs()).toEqual({ pending: 0, running: 240, succeeded: 0, dead: 0 });
    });
  });
}

/**
 * Group commit of job outcomes on both engines: outcomes of jobs finishing together (completeJob,
 * failJob) share transactions, counted through `store.stats()`; each still applies alone (a failing or
 * stale one does not take the others down), and a batch cut off before its COMMIT stores nothing, so
 * its jobs run again once their leases expired.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  dropSchema,
  ingestSamples,
  openPostgres,
  openSqlite,
  tempDir,
  uniqueSchema,
} from '../processing/test-support/processing-fixtures.js';
import { TEST_DATABASE_URL } from '../test-support/postgres-schema.js';
import { TcpProxy } from '../test-support/tcp-proxy.js';
import { createStore } from './create-store.js';
import type { ClaimedJob, Store } from './store.js';
import { StoreNotFoundError } from './store-errors.js';

const tmp = tempDir('outcome-group-commit');
const schemas: string[] = [];
afterAll(async () => {
  tmp.cleanup();
  for (const schema of schemas) await dropSchema(schema);
});

const T0 = new Date('2026-07-01T08:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const JOBS = 40;

let files = 0;
describe.each([
  ['sqlite', () => openSqlite(join(tmp.dir, `outcomes-${++files}.db`))],
  [
    'postgres',
    () => {
      const schema = uniqueSchema('srhooks_outcomes');
      schemas.push(schema);
      return openPostgres(schema);
    },
  ],
] as const)('%s', (_engine, open) => {
  async function claimAll(store: Store, count: number): Promise<ClaimedJob[]> {
    await ingestSamples(store, { handlers: ['erp'], receivedAt: T0, count });
    const jobs = await store.claimJobs({ workerId: 'w', limit: count, leaseMs: 60_000, now: at(1) });
    expect(jobs).toHaveLength(count);
    return jobs;
  }

  it(`commits the outcomes of ${JOBS} jobs finishing together in fewer than ${JOBS} transactions, each recorded as if alone`, async () => {
    const store = await open();
    try {
      const jobs = await claimAll(store, JOBS);
      const before = store.stats();
      const transitions = await Promise.all(
        jobs.map((job, index) =>
          index % 4 === 3
            ? store.failJob(job.id, {
                attempt: job.attempt,
                error: 'target answered 503',
                statusCode: 503,
                ...(index % 8 === 3 ? { deadLetter: true } : { retryAt: at(60) }),
                now: at(2),
              })
            : store.completeJob(job.id, { attempt: job.attempt, statusCode: 204, now: at(2) }),
        ),
      );
      const after = store.stats();

      expect(after.items - before.items).toBe(JOBS);
      expect(after.commits - before.commits).toBeLessThan(JOBS);
      expect(transitions.map((transition) => transition.status)).toEqual(
        jobs.map((_job, index) => (index % 4 !== 3 ? 'succeeded' : index % 8 === 3 ? 'dead' : 'pending')),
      );
      expect(await store.countJobs()).toEqual({ pending: 5, running: 0, succeeded: 30, dead: 5 });
      for (const [index, job] of jobs.entries()) {
        const event = await store.getEvent(job.eventId);
        const record = event?.jobs.find((candidate) => candidate.id === job.id);
        expect(record?.attemptLog.map((attempt) => [attempt.outcome, attempt.statusCode])).toEqual([
          index % 4 !== 3 ? ['succeeded', 204] : [index % 8 === 3 ? 'dead' : 'failed', 503],
        ]);
        expect(event?.status).toBe(index % 4 !== 3 ? 'succeeded' : index % 8 === 3 ? 'dead' : 'retrying');
      }
      expect((await store.listDeadLetters()).map((dead) => dead.job.id).sort()).toEqual(
        jobs
          .filter((_job, index) => index % 8 === 3)
          .map((job) => job.id)
          .sort(),
      );
    } finally {
      await store.close();
    }
  });

  it('rejects an outcome that cannot apply alone; the others of its transaction commit', async () => {
    const store = await open();
    try {
      const jobs = await claimAll(store, 6);
      const results = await Promise.allSettled([
        ...jobs.slice(0, 5).map((job) => store.completeJob(job.id, { attempt: job.attempt, now: at(2) })),
        store.completeJob('job_does_not_exist', { attempt: 1, now: at(2) }),
        // a stale attempt (the job was claimed once): not applied, not an error
        store.completeJob((jobs[5] as ClaimedJob).id, { attempt: 7, now: at(2) }),
      ]);
      expect(results.slice(0, 5).map((result) => result.status)).toEqual(Array(5).fill('fulfilled'));
      expect(results[5]?.status).toBe('rejected');
      expect((results[5] as PromiseRejectedResult).reason).toBeInstanceOf(StoreNotFoundError);
      expect(results[6]).toEqual({ status: 'fulfilled', value: { applied: false, status: 'running' } });
      expect(await store.countJobs()).toEqual({ pending: 0, running: 1, succeeded: 5, dead: 0 });
    } finally {
      await store.close();
    }
  });
});

describe('postgres: a batch cut off before its COMMIT', () => {
  it('stores none of its outcomes; its jobs run again after their leases expired, history intact', async () => {
    const schema = uniqueSchema('srhooks_outcomes_cut');
    schemas.push(schema);
    // Time moves through `now` here, lease expiry included: leases on the caller's clock.
    const direct = await openPostgres(schema, { jobClock: 'caller' });
    const pgUrl = new URL(TEST_DATABASE_URL);
    const proxy = new TcpProxy(Number(pgUrl.port || 5432));
    pgUrl.hostname = '127.0.0.1';
    pgUrl.port = String(await proxy.start());
    const viaProxy = createStore({
      kind: 'postgres',
      url: pgUrl.toString(),
      schema,
      queryTimeoutMs: 5000,
      jobClock: 'caller',
    });
    try {
      await ingestSamples(direct, { handlers: ['erp'], receivedAt: T0, count: 20 });
      const jobs = await viaProxy.claimJobs({ workerId: 'w', limit: 20, leaseMs: 5_000, now: at(1) });
      expect(jobs).toHaveLength(20);

      // The outcome transaction's statements are held by the proxy, then its connection dies (as when
      // the process is killed): PostgreSQL rolls the open transaction back.
      proxy.stall();
      const outcomes = Promise.allSettled(
        jobs.map((job) => viaProxy.completeJob(job.id, { attempt: job.attempt, now: at(2) })),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      proxy.cut();
      const settled = await outcomes;
      expect(settled.every((result) => result.status === 'rejected')).toBe(true);
      expect(await direct.countJobs()).toEqual({ pending: 0, running: 20, succeeded: 0, dead: 0 });

      // Leases expired: another worker takes every job over and finishes it.
      const again = await direct.claimJobs({ workerId: 'w2', limit: 50, leaseMs: 5_000, now: at(10) });
      expect(again.map((job) => job.id).sort()).toEqual(jobs.map((job) => job.id).sort());
      await Promise.all(
        again.map((job) => direct.completeJob(job.id, { attempt: job.attempt, now: at(11) })),
      );
      expect(await direct.countJobs()).toEqual({ pending: 0, running: 0, succeeded: 20, dead: 0 });
      const event = await direct.getEvent((jobs[0] as ClaimedJob).eventId);
      expect(event?.jobs[0]?.attemptLog.map((attempt) => attempt.outcome)).toEqual(['expired', 'succeeded']);
    } finally {
      await viaProxy.close().catch(() => {});
      await direct.close();
      await proxy.stop();
    }
  });
});

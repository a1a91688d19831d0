/**
 * Two receivers on one PostgreSQL whose host clocks disagree (skew injected through each worker's
 * Clock; each has its own PgStore, i.e. its own pool). Leases must be timed by one clock, the database
 * server's: a worker whose clock is ahead must never take over the lease of a live worker (its job would
 * run twice), and a lease its holder let run out (a crash) must still be taken over after about one
 * lease, whichever clock is ahead. Before the fix each worker's own `now` decided: B, a lease ahead,
 * claimed A's running jobs at once; and A's lease, written a minute ahead, kept B waiting that minute.
 * A worker also judges its own leases without comparing its clock with the server's: a holder whose
 * clock is behind does not take a lease that ran out for a fresh one when it is about to start a job.
 * Due times are the server's too: a worker whose clock is behind picks a new job up at once (before, it
 * waited as long as its clock was behind), a job stored by a host whose clock is ahead is due at once,
 * and a worker whose clock is ahead does not run a retry before its backoff has passed on the server's
 * clock (before, it ran it at once).
 */
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { LeaseRenewal, Store } from '../store/store.js';
import { TEST_DATABASE_URL } from '../test-support/postgres-schema.js';
import { type Clock, systemClock } from './clock.js';
import {
  dropSchema,
  ingestSamples,
  openPostgres,
  recordingRunner,
  silentLogger,
  uniqueSchema,
} from './test-support/processing-fixtures.js';
import { waitFor } from './test-support/wait-for.js';
import { JobWorker } from './worker.js';

const LEASE_MS = 1200;
const JOBS = 3;
/** Longer than the lease: A must keep its leases through several renewals. */
const HANDLER_MS = 3 * LEASE_MS;

const schemas: string[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  for (const schema of schemas) await dropSchema(schema);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The system clock as a host whose clock is `skewMs` ahead (negative: behind) sees it. */
function skewedClock(skewMs: number): Clock {
  return { now: () => new Date(Date.now() + skewMs), sleep: (ms, signal) => systemClock.sleep(ms, signal) };
}

/** Two stores on one new schema, as two receiver hosts would open them. */
async function twoHosts(): Promise<[Store, Store]> {
  const schema = uniqueSchema('srhooks_lease_skew');
  schemas.push(schema);
  const a = await openPostgres(schema);
  cleanups.push(() => a.close());
  const b = await openPostgres(schema);
  cleanups.push(() => b.close());
  return [a, b];
}

function worker(
  store: Store,
  id: string,
  clock: Clock,
  runner: ReturnType<typeof recordingRunner>,
  faults = {},
) {
  const created = new JobWorker({
    store,
    runners: [runner],
    logger: silentLogger,
    workerId: id,
    clock,
    pollIntervalMs: 50,
    leaseMs: LEASE_MS,
    faults,
  });
  cleanups.push(() => created.stop({ timeoutMs: 10_000 }));
  return created;
}

describe('leases on PostgreSQL are timed by the database server, not by each host', () => {
  it.each([
    ['a lease', LEASE_MS],
    ['ten leases', 10 * LEASE_MS],
  ])(
    'a worker whose clock is %s ahead never takes over a live lease',
    async (_label, skewMs) => {
      const [storeA, storeB] = await twoHosts();
      const ingested = await ingestSamples(storeA, {
        handlers: ['erp'],
        receivedAt: new Date(),
        count: JOBS,
      });
      const slowA = recordingRunner(
        'erp',
        async () => {
          await sleep(HANDLER_MS);
          return { status: 'succeeded' };
        },
        { concurrency: JOBS },
      );
      const b = recordingRunner('erp', () => ({ status: 'succeeded' }), { concurrency: JOBS });
      const workerA = worker(storeA, 'worker-a', systemClock, slowA);
      workerA.start();
      await waitFor(() => slowA.runs.length === JOBS, 'worker A to run every job');
      worker(storeB, 'worker-b', skewedClock(skewMs), b).start();

      await waitFor(async () => (await storeB.countJobs()).succeeded === JOBS, 'every job to succeed');
      expect({ ranOnB: b.runs.length, ranOnA: slowA.runs.length }).toEqual({ ranOnB: 0, ranOnA: JOBS });
      for (const event of ingested.events) {
        const job = (await storeB.getEvent(event.id))?.jobs[0];
        expect(job?.attemptLog.map((attempt) => [attempt.workerId, attempt.outcome])).toEqual([
          ['worker-a', 'succeeded'],
        ]);
      }
    },
    60_000,
  );

  it.each([
    ['the crashed holder runs a minute ahead', 60_000],
    ['the worker taking over runs a minute behind', -60_000],
  ])(
    'a lease let run out is taken over after about a lease when %s',
    async (_label, aheadMs) => {
      const [storeA, storeB] = await twoHosts();
      const ingested = await ingestSamples(storeA, { handlers: ['erp'], receivedAt: new Date() });
      const eventId = ingested.events[0]?.id ?? '';
      // A claims the job and "crashes" before running it: the job is dropped, its lease no longer renewed.
      let crashed = false;
      const a = recordingRunner('erp');
      const workerA = worker(storeA, 'worker-a', skewedClock(Math.max(0, aheadMs)), a, {
        beforeHandle: () => {
          crashed = true;
          throw new Error('crash (injected)');
        },
      });
      workerA.start();
      await waitFor(() => crashed, 'worker A to claim the job and crash');
      await workerA.stop();

      const b = recordingRunner('erp');
      worker(storeB, 'worker-b', skewedClock(Math.min(0, aheadMs)), b).start();
      // About one lease after A's claim; far less than the minute the clocks differ by.
      await waitFor(() => b.runs.length === 1, 'worker B to take the job over', 15 * LEASE_MS);
      await waitFor(
        async () => (await storeB.getEvent(eventId))?.jobs[0]?.status === 'succeeded',
        'the job to succeed',
      );
      const job = (await storeB.getEvent(eventId))?.jobs[0];
      expect(a.runs).toEqual([]);
      expect(job?.attemptLog.map((attempt) => [attempt.workerId, attempt.outcome])).toEqual([
        ['worker-a', 'expired'],
        ['worker-b', 'succeeded'],
      ]);
    },
    60_000,
  );
});

it('a holder whose clock is behind does not start a prefetched job whose lease ran out meanwhile', async () => {
  const [storeA, storeC] = await twoHosts();
  const behindMs = 600_000;
  // Received (and due) at A's time, so that A claims them at once.
  await ingestSamples(storeA, { handlers: ['erp'], receivedAt: new Date(Date.now() - behindMs), count: 2 });
  // A's renewals leave out one job (as for a row another transaction keeps locked: answered `busy`).
  let withheld: string | null = null;
  const renewingA = new Proxy(storeA, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (property !== 'extendLeases') return typeof value === 'function' ? value.bind(target) : value;
      return async (...[leases, options]: Parameters<Store['extendLeases']>): Promise<LeaseRenewal> => {
        const renewal = await target.extendLeases(
          leases.filter((lease) => lease.jobId !== withheld),
          options,
        );
        return leases.some((lease) => lease.jobId === withheld)
          ? { ...renewal, busy: [...renewal.busy, withheld ?? ''] }
          : renewal;
      };
    },
  });
  let releaseFirst: () => void = () => {};
  const firstRuns = new Promise<void>((resolve) => {
    releaseFirst = resolve;
  });
  const a = recordingRunner(
    'erp',
    async (_job, runNumber) => {
      if (runNumber === 1) await firstRuns;
      return { status: 'succeeded' };
    },
    { concurrency: 1 },
  );
  // A's clock is ten minutes behind the server's: the lease ends the store reports lie ten minutes
  // ahead of A's clock, but A must not count on them.
  const workerA = worker(renewingA, 'worker-a', skewedClock(-behindMs), a);
  workerA.start();
  await waitFor(
    () => a.runs.length === 1 && workerA.inFlight === 2,
    'A running one job, the other prefetched',
  );
  const running = a.runs[0]?.id ?? '';
  const jobs = await storeA.listEvents({});
  const prefetched = (
    await Promise.all(jobs.items.map(async (item) => (await storeA.getEvent(item.id))?.jobs[0]?.id))
  ).find((id) => id !== running);
  withheld = prefetched ?? null;

  // Another worker takes the prefetched job over once its lease ran out on the server's clock.
  const c = recordingRunner('erp');
  worker(storeC, 'worker-c', systemClock, c).start();
  await waitFor(
    () => c.runs.some((job) => job.id === prefetched),
    'worker C to take the prefetched job over',
  );

  releaseFirst();
  await waitFor(() => workerA.inFlight === 0, 'worker A to be idle');
  expect(a.runs.map((job) => job.id)).toEqual([running]);
});

describe("due times on PostgreSQL are the database server's, not each host's", () => {
  const TEN_MINUTES_MS = 600_000;

  it.each([
    ['the claiming worker runs ten minutes behind', 0, -TEN_MINUTES_MS],
    ['the ingesting host runs ten minutes ahead', TEN_MINUTES_MS, 0],
  ])(
    'a new job is picked up at once when %s',
    async (_label, ingestSkewMs, workerSkewMs) => {
      const [storeA, storeB] = await twoHosts();
      await ingestSamples(storeA, { handlers: ['erp'], receivedAt: new Date(Date.now() + ingestSkewMs) });
      const b = recordingRunner('erp');
      worker(storeB, 'worker-b', skewedClock(workerSkewMs), b).start();
      // Far less than the ten minutes the clocks differ by.
      await waitFor(() => b.runs.length === 1, 'worker B to pick the new job up');
    },
    30_000,
  );

  it('a worker whose clock is ten minutes ahead does not run a retry before its backoff on the server', async () => {
    const [storeA, storeB] = await twoHosts();
    const server = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await server.connect();
    cleanups.push(() => server.end());
    const serverNow = async () =>
      ((await server.query('SELECT clock_timestamp() AS now')).rows[0] as { now: Date }).now.getTime();
    const ingested = await ingestSamples(storeA, { handlers: ['erp'], receivedAt: new Date() });
    const eventId = ingested.events[0]?.id ?? '';

    // A (on time) fails the first attempt; its retry is due 3 s later.
    const retry = { delaysMs: [3000], jitter: 0, maxRetryAfterMs: 3000 };
    const a = recordingRunner('erp', () => ({ status: 'retry', error: 'HTTP 503' }), { retry });
    const workerA = worker(storeA, 'worker-a', systemClock, a);
    workerA.start();
    await waitFor(
      async () => (await storeA.getEvent(eventId))?.jobs[0]?.failures === 1,
      'worker A to fail the first attempt',
    );
    await workerA.stop({ timeoutMs: 10_000 });
    const dueAt = (await storeA.getEvent(eventId))?.jobs[0]?.runAt.getTime() ?? Number.NaN;

    // B runs ten minutes ahead: on its clock the retry has long been due; on the server's it has not.
    const ranAt: number[] = [];
    const b = recordingRunner(
      'erp',
      async () => {
        ranAt.push(await serverNow());
        return { status: 'succeeded' };
      },
      { retry },
    );
    worker(storeB, 'worker-b', skewedClock(TEN_MINUTES_MS), b).start();
    // ranAt, not b.runs: a run is recorded before its handler has read the server's clock.
    await waitFor(() => ranAt.length === 1, 'worker B to run the retry');
    expect(b.runs).toHaveLength(1);
    expect(a.runs).toHaveLength(1);
    // Millisecond precision: the server's microseconds are cut off in the returned Dates.
    expect(ranAt[0]).toBeGreaterThanOrEqual(dueAt - 1);
  });
});

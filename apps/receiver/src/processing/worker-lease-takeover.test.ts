/**
 * Two live workers on one store, one of them behind a slow store (every call of worker A takes ~300 ms
 * round trip: PostgreSQL through the TcpProxy's delay, SQLite through a wrapper that delays each call),
 * a lease of 5 s (a loaded machine adds to the 300 ms round trip: with 2 s, worker A lost every job on a CI
 * machine at load 10, and with 3 s once on a clean-clone CI run beside other test runs) and a handler that runs past it. Worker A holds running and prefetched jobs; worker B
 * polls fast and takes over whatever lease A lets run out. A live worker must renew every lease it holds
 * in time and must never start a job whose lease it lost: every job's handler runs exactly once.
 * (Before the fix, A renewed one job per store round trip on its claim loop: B took over its prefetched
 * jobs and A still ran them afterwards.)
 */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createStore } from '../store/create-store.js';
import type { Store } from '../store/store.js';
import { TEST_DATABASE_URL } from '../test-support/postgres-schema.js';
import { TcpProxy } from '../test-support/tcp-proxy.js';
import { systemClock } from './clock.js';
import {
  dropSchema,
  ingestSamples,
  openPostgres,
  openSqlite,
  recordingRunner,
  silentLogger,
  tempDir,
  uniqueSchema,
} from './test-support/processing-fixtures.js';
import { waitFor } from './test-support/wait-for.js';
import { JobWorker } from './worker.js';

const LEASE_MS = 5000;
/** Each direction; a store round trip of worker A takes at least twice this. */
const ONE_WAY_MS = 150;
const JOBS = 8;
/** Longer than the lease: A must renew while its handler runs, and its prefetched jobs wait that long. */
const HANDLER_MS = 5300;

const tmp = tempDir('lease-takeover');
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => tmp.cleanup());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `store` whose every call starts ONE_WAY_MS late and answers ONE_WAY_MS late (a distant store). */
function slowed(store: Store): Store {
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property === 'onChange' || property === 'close') return value.bind(target);
      return async (...args: unknown[]) => {
        await sleep(ONE_WAY_MS);
        const result = await value.apply(target, args);
        await sleep(ONE_WAY_MS);
        return result;
      };
    },
  });
}

async function takeover(storeA: Store, storeB: Store): Promise<void> {
  const ingested = await ingestSamples(storeB, { handlers: ['erp'], receivedAt: new Date(), count: JOBS });
  const runs = new Map<string, string[]>();
  const record = (worker: string, jobId: string) => runs.set(jobId, [...(runs.get(jobId) ?? []), worker]);
  const slowA = recordingRunner(
    'erp',
    async (job) => {
      record('a', job.id);
      await sleep(HANDLER_MS);
      return { status: 'succeeded' };
    },
    { concurrency: 2 },
  );
  const fastB = recordingRunner(
    'erp',
    (job) => {
      record('b', job.id);
      return { status: 'succeeded' };
    },
    { concurrency: 4 },
  );
  const a = new JobWorker({
    store: storeA,
    runners: [slowA],
    logger: silentLogger,
    workerId: 'worker-a',
    clock: systemClock,
    pollIntervalMs: 50,
    leaseMs: LEASE_MS,
  });
  cleanups.push(() => a.stop());
  a.start();
  // A holds two running jobs and two prefetched ones before B starts.
  await waitFor(() => a.inFlight === 4, 'worker A to hold 4 jobs');
  const b = new JobWorker({
    store: storeB,
    runners: [fastB],
    logger: silentLogger,
    workerId: 'worker-b',
    clock: systemClock,
    pollIntervalMs: 50,
    leaseMs: LEASE_MS,
  });
  cleanups.push(() => b.stop());
  b.start();

  await waitFor(async () => (await storeB.countJobs()).succeeded === JOBS, 'every job to succeed');
  // Whatever A still holds finishes (a stale prefetched job would start now), then nothing runs any more.
  await waitFor(() => a.inFlight === 0 && b.inFlight === 0, 'both workers to be idle');
  await sleep(3 * LEASE_MS);

  const ranTwice = [...runs].filter(([, workers]) => workers.length > 1);
  expect(ranTwice).toEqual([]);
  expect(runs.size).toBe(JOBS);
  expect(new Set([...slowA.runs, ...fastB.runs].map((job) => job.eventId))).toEqual(
    new Set(ingested.events.map((event) => event.id)),
  );
  // A's slow store did not make A lose a job to B: its leases were renewed in time.
  expect(slowA.runs.length).toBeGreaterThanOrEqual(4);
  for (const event of ingested.events) {
    const detail = await storeB.getEvent(event.id);
    expect(detail?.jobs[0]?.attemptLog.map((attempt) => attempt.outcome)).toEqual(['succeeded']);
  }
}

describe('a live worker behind a slow store keeps its leases; no job runs twice', () => {
  it('SQLite (every store call of worker A delayed)', async () => {
    const file = join(tmp.dir, 'takeover.db');
    const storeB = await openSqlite(file);
    const storeA = await openSqlite(file);
    cleanups.push(
      () => storeB.close(),
      () => storeA.close(),
    );
    await takeover(slowed(storeA), storeB);
  }, 90_000);

  it('PostgreSQL (worker A through a TcpProxy that delays every packet)', async () => {
    const schema = uniqueSchema('srhooks_lease_takeover');
    cleanups.push(() => dropSchema(schema));
    const storeB = await openPostgres(schema);
    cleanups.push(() => storeB.close());
    const url = new URL(TEST_DATABASE_URL);
    const proxy = new TcpProxy(Number(url.port || 5432));
    url.port = String(await proxy.start());
    cleanups.push(() => proxy.stop());
    const storeA = createStore({ kind: 'postgres', url: url.toString(), schema, connectTimeoutMs: 5000 });
    await storeA.migrate();
    cleanups.push(() => storeA.close());
    proxy.delay(ONE_WAY_MS);
    await takeover(storeA, storeB);
  }, 90_000);
});

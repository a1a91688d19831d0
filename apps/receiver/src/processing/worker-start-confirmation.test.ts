/**
 * A prefetched job whose lease is no longer fresh when a slot frees up is renewed before it starts. When
 * that renewal cannot confirm the lease (the store call fails once; PostgreSQL: the row is locked by
 * another transaction), the job must not sit `running` under this worker's lease until it expires: it
 * is handed back (or asked again shortly) and runs at once. Before the fix it was dropped with its lease
 * kept: nothing ran it for the rest of the lease.
 *
 * Real stores, lease 60 s. The worker's clock runs 45 s ahead once job B waits (as if B had waited that
 * long for a slot), so B's lease has 15 s left when it is about to start: less than lease/3, renewed
 * first. The job must run within a few seconds, far less than those 15 s.
 */
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../store/store.js';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';
import { type Clock, systemClock } from './clock.js';
import {
  ingestSamples,
  openPostgres,
  openSqlite,
  recordingRunner,
  silentLogger,
  tempDir,
} from './test-support/processing-fixtures.js';
import { waitFor } from './test-support/wait-for.js';
import { JobWorker } from './worker.js';

const LEASE_MS = 60_000;
const AHEAD_MS = 45_000;
/** Far less than the 15 s of lease B has left. */
const PROMPTLY_MS = 5_000;

const tmp = tempDir('worker-start-confirmation');
const newSchema = testSchemas('rcv_start_confirm');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => tmp.cleanup());

/** The system clock, moved ahead by `jump`. */
function jumpingClock(): Clock & { jump(ms: number): void } {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    sleep: (ms, signal) => systemClock.sleep(ms, signal),
    jump: (ms) => {
      offset += ms;
    },
  };
}

/**
 * `store` whose next extendLeases call fails once armed (a store blip); everything else is the real
 * store. Counts the extendLeases calls that answered.
 */
function failingOnceOnRenewal(store: Store): {
  store: Store;
  arm(): void;
  fired(): boolean;
  renewals(): number;
} {
  let armed = false;
  let fired = false;
  let renewals = 0;
  const wrapped = new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property !== 'extendLeases') return value.bind(target);
      return (...args: Parameters<Store['extendLeases']>) => {
        if (armed) {
          armed = false;
          fired = true;
          return Promise.reject(new Error('store blip (injected)'));
        }
        return target.extendLeases(...args).finally(() => {
          renewals += 1;
        });
      };
    },
  });
  return {
    store: wrapped,
    arm: () => {
      armed = true;
    },
    fired: () => fired,
    renewals: () => renewals,
  };
}

/**
 * Jobs A and B, one slot: A runs until `releaseA` is called, B waits prefetched. Once the renewal
 * loop's first renewal (right after the claim) answered, the loop sleeps for lease/3; then the clock
 * jumps, `beforeB` sets up the fault, and A is let go: B is about to start with a lease that needs
 * renewing. (Jumping while that renewal is in flight would make the loop renew again at once, with
 * the jumped clock, and B's lease would look fresh.)
 */
async function slotFreedForStaleJob(
  store: Store,
  workerStore: ReturnType<typeof failingOnceOnRenewal>,
  beforeB: (aJobId: string) => Promise<void> | void,
): Promise<string[][]> {
  const ingested = await ingestSamples(store, { handlers: ['erp'], receivedAt: new Date(), count: 2 });
  let releaseA: () => void = () => {};
  const aRuns = new Promise<void>((resolve) => {
    releaseA = resolve;
  });
  const runner = recordingRunner(
    'erp',
    async (_job, runNumber) => {
      if (runNumber === 1) await aRuns;
      return { status: 'succeeded' };
    },
    { concurrency: 1 },
  );
  const clock = jumpingClock();
  const worker = new JobWorker({
    store: workerStore.store,
    runners: [runner],
    logger: silentLogger,
    clock,
    pollIntervalMs: 100,
    leaseMs: LEASE_MS,
  });
  cleanups.push(() => worker.stop({ timeoutMs: 10_000 }));
  worker.start();
  await waitFor(() => runner.runs.length === 1 && worker.inFlight === 2, 'A running and B prefetched');
  await waitFor(() => workerStore.renewals() >= 1, "the renewal loop's first renewal to answer");
  clock.jump(AHEAD_MS);
  await beforeB(runner.runs[0]?.id ?? '');
  const letGo = Date.now();
  releaseA();
  await waitFor(
    async () => (await store.countJobs()).succeeded === 2,
    'both jobs to succeed promptly',
    PROMPTLY_MS,
  );
  expect(Date.now() - letGo).toBeLessThan(PROMPTLY_MS);
  expect(runner.runs.length).toBeGreaterThanOrEqual(2);
  // Each job's attempt outcomes, A first.
  const outcomes: string[][] = [];
  for (const event of ingested.events) {
    const job = (await store.getEvent(event.id))?.jobs[0];
    outcomes.push(job?.attemptLog.map((attempt) => attempt.outcome) ?? []);
  }
  return outcomes.sort((x, y) => x.length - y.length);
}

describe('a prefetched job whose lease cannot be confirmed at start runs promptly', () => {
  it('SQLite: the start-time renewal fails once (store blip): the job is handed back and claimed again', async () => {
    const store = await openSqlite(join(tmp.dir, 'blip.db'));
    cleanups.push(() => store.close());
    const fault = failingOnceOnRenewal(store);
    const outcomes = await slotFreedForStaleJob(store, fault, () => fault.arm());
    expect(fault.fired()).toBe(true);
    // A ran once; B was handed back unrun and claimed again (not waiting out its lease).
    expect(outcomes).toEqual([['succeeded'], ['released', 'succeeded']]);
  });

  it('PostgreSQL: the row is locked by another transaction at start (busy)', async () => {
    const schema = newSchema();
    const store = await openPostgres(schema);
    cleanups.push(() => store.close());
    const locker = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await locker.connect();
    cleanups.push(() => locker.end());
    await slotFreedForStaleJob(store, failingOnceOnRenewal(store), async (aJobId) => {
      // Lock B's row (claimed, not started) for a second, as a concurrent admin transaction would.
      await locker.query('BEGIN');
      const locked = await locker.query(
        `SELECT id FROM "${schema}".jobs WHERE status = 'running' AND id <> $1 FOR UPDATE`,
        [aJobId],
      );
      expect(locked.rowCount).toBe(1);
      setTimeout(() => void locker.query('COMMIT'), 1000);
    });
  });
});

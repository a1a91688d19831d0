/**
 * Several receiver instances on one PostgreSQL store: two PgStore instances (own pools), two workers,
 * 1,000 events → every job handled exactly once (FOR UPDATE SKIP LOCKED + leases), and both share the work.
 */
import { afterAll, expect, it } from 'vitest';
import type { Store } from '../store/store.js';
import { systemClock } from './clock.js';
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

const schema = uniqueSchema('srhooks_worker_pg');
const stores: Store[] = [];
const workers: JobWorker[] = [];

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await Promise.all(stores.map((store) => store.close()));
  await dropSchema(schema);
});

it('two workers on two PgStores handle each of 1,000 jobs exactly once', async () => {
  const first = await openPostgres(schema);
  const second = await openPostgres(schema);
  stores.push(first, second);

  const runs = new Map<string, number>();
  const handle = async (jobId: string) => {
    runs.set(jobId, (runs.get(jobId) ?? 0) + 1);
    await new Promise((resolve) => setImmediate(resolve));
    return { status: 'succeeded' as const };
  };
  const runnerA = recordingRunner('erp', (job) => handle(job.id), { concurrency: 8 });
  const runnerB = recordingRunner('erp', (job) => handle(job.id), { concurrency: 8 });
  for (const [store, runner, id] of [
    [first, runnerA, 'instance-a'],
    [second, runnerB, 'instance-b'],
  ] as const) {
    const worker = new JobWorker({
      store,
      runners: [runner],
      logger: silentLogger,
      workerId: id,
      clock: systemClock,
      pollIntervalMs: 50,
    });
    workers.push(worker);
    worker.start();
  }

  // Ten deliveries of 100 orders, half through each instance (as a load balancer would spread them).
  const ingested = [];
  for (let delivery = 0; delivery < 10; delivery += 1) {
    ingested.push(
      await ingestSamples(delivery % 2 === 0 ? first : second, {
        handlers: ['erp'],
        receivedAt: new Date(),
        count: 100,
        firstId: 10_000 + delivery * 100,
      }),
    );
  }
  const eventIds = ingested.flatMap((result) => result.events.map((event) => event.id));
  expect(new Set(eventIds).size).toBe(1000);

  await waitFor(async () => (await first.countJobs()).succeeded === 1000, '1,000 succeeded jobs', 60_000);
  expect(runs.size).toBe(1000);
  expect([...runs.values()].every((count) => count === 1)).toBe(true);
  expect(runnerA.runs.length + runnerB.runs.length).toBe(1000);
  expect(runnerA.runs.length).toBeGreaterThan(0);
  expect(runnerB.runs.length).toBeGreaterThan(0);
  expect(await second.countJobs()).toEqual({ pending: 0, running: 0, succeeded: 1000, dead: 0 });
  const handledEvents = new Set([...runnerA.runs, ...runnerB.runs].map((job) => job.eventId));
  expect(handledEvents).toEqual(new Set(eventIds));
}, 90_000);

/**
 * The lease renewal loop survives a renewal that throws synchronously (a store method that throws
 * instead of rejecting): it keeps renewing, so a handler running past its lease is not claimed again
 * by the worker's own poll while it runs. Before the fix, a synchronous throw ended the loop for good
 * (only logged): the lease ran out and the job ran a second time alongside the first. Real SQLite store;
 * only the one synchronous throw is injected.
 */
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import type { Store } from '../store/store.js';
import { systemClock } from './clock.js';
import {
  ingestSamples,
  openSqlite,
  recordingRunner,
  silentLogger,
  tempDir,
} from './test-support/processing-fixtures.js';
import { waitFor } from './test-support/wait-for.js';
import { JobWorker } from './worker.js';

const LEASE_MS = 1500;
/** Well past the lease: the job is only safe if its lease is renewed meanwhile. */
const HANDLER_MS = 4 * LEASE_MS;

const tmp = tempDir('worker-renew-loop');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => tmp.cleanup());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('keeps renewing leases after a renewal call threw synchronously', async () => {
  const store = await openSqlite(join(tmp.dir, 'renew.db'));
  cleanups.push(() => store.close());
  let calls = 0;
  const throwingOnce = new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property !== 'extendLeases') return value.bind(target);
      return (...args: Parameters<Store['extendLeases']>) => {
        calls += 1;
        if (calls === 1) throw new Error('renewal threw synchronously (injected)');
        return target.extendLeases(...args);
      };
    },
  });
  const ingested = await ingestSamples(store, { handlers: ['erp'], receivedAt: new Date() });
  const eventId = ingested.events[0]?.id ?? '';
  const runner = recordingRunner('erp', async () => {
    await sleep(HANDLER_MS);
    return { status: 'succeeded' };
  });
  const worker = new JobWorker({
    store: throwingOnce,
    runners: [runner],
    logger: silentLogger,
    clock: systemClock,
    pollIntervalMs: 50,
    leaseMs: LEASE_MS,
  });
  cleanups.push(() => worker.stop({ timeoutMs: 2 * HANDLER_MS }));
  worker.start();

  // Until the job succeeded, or ran a second time (its lease ran out while it ran: the bug).
  await waitFor(
    async () =>
      runner.runs.length > 1 ||
      ((await store.getEvent(eventId))?.jobs[0]?.status === 'succeeded' && worker.inFlight === 0),
    'the job to succeed or to run again',
    4 * HANDLER_MS,
  );
  expect(runner.runs.map((job) => job.attempt)).toEqual([1]);
  expect(calls).toBeGreaterThan(2);
});

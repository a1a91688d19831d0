/**
 * A job replayed while its attempt waits for the shop's `verify` answer: this same worker claims it
 * again (attempt 2), which shares the pending verification of the event. When the answer comes, only
 * the current attempt runs the handler. Before the fix, the lease was checked only before verification,
 * so the handler ran for attempt 1 too (runs [1, 2]). Real SQLite store; the verifier is held open by
 * the test.
 */
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import type { ClaimedJob, Store } from '../store/store.js';
import { systemClock } from './clock.js';
import {
  ingestSamples,
  openSqlite,
  recordingRunner,
  silentLogger,
  tempDir,
} from './test-support/processing-fixtures.js';
import { waitFor } from './test-support/wait-for.js';
import type { VerificationResult } from './verify.js';
import { JobWorker, type SettledAttempt } from './worker.js';

const tmp = tempDir('worker-superseded');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => tmp.cleanup());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function openStore(name: string): Promise<Store> {
  const store = await openSqlite(join(tmp.dir, `${name}.db`));
  cleanups.push(() => store.close());
  return store;
}

/**
 * Attempt 1 waits for verification; the event is replayed; attempt 2 (claimed again by this worker)
 * starts and shares the pending check; then the check answers `result`.
 */
async function replayedDuringVerification(name: string, result: VerificationResult) {
  const store = await openStore(name);
  const ingested = await ingestSamples(store, { handlers: ['erp'], receivedAt: new Date() });
  const eventId = ingested.events[0]?.id ?? '';

  let answer: (result: VerificationResult) => void = () => {};
  const held = new Promise<VerificationResult>((resolve) => {
    answer = resolve;
  });
  const verifications: number[] = [];
  const started: number[] = [];
  const settled: SettledAttempt[] = [];
  const runner = recordingRunner('erp');
  const worker = new JobWorker({
    store,
    runners: [runner],
    logger: silentLogger,
    clock: systemClock,
    pollIntervalMs: 50,
    leaseMs: 900,
    // The first check stays open until the test answers; a later one (if any) answers the same at once.
    verifier: (job: ClaimedJob) => {
      verifications.push(job.attempt);
      return verifications.length === 1 ? held : Promise.resolve(result);
    },
    faults: { beforeHandle: (job) => void started.push(job.attempt) },
    onSettled: (attempt) => settled.push(attempt),
  });
  cleanups.push(() => worker.stop());
  worker.start();

  await waitFor(() => verifications.length === 1, 'attempt 1 to wait for verification');
  await store.replayEvent(eventId);
  // The worker claims the job again (the change feed wakes it) and attempt 2 heads for verification.
  await waitFor(() => started.includes(2), 'attempt 2 to start');
  await sleep(100);
  answer(result);
  return { store, eventId, runner, settled, worker };
}

it('runs the handler only for the attempt that holds the job when a replay re-claimed it during verification', async () => {
  const { store, eventId, runner, worker } = await replayedDuringVerification('verified', {
    status: 'verified',
    detail: 'matches the shop',
  });
  await waitFor(
    async () => (await store.getEvent(eventId))?.jobs[0]?.status === 'succeeded' && worker.inFlight === 0,
    'the job to succeed and the worker to be idle',
  );
  await sleep(300);
  expect({ handlerRunsForAttempts: runner.runs.map((job) => job.attempt) }).toEqual({
    handlerRunsForAttempts: [2],
  });
  const job = (await store.getEvent(eventId))?.jobs[0];
  expect(job?.attemptLog.filter((attempt) => attempt.outcome === 'succeeded').map((a) => a.attempt)).toEqual([
    2,
  ]);
});

it('hands back only the current attempt when the check mismatches', async () => {
  const { store, eventId, runner, settled, worker } = await replayedDuringVerification('mismatched', {
    status: 'mismatched',
    detail: 'total differs',
  });
  await waitFor(
    async () => (await store.getEvent(eventId))?.held === true && worker.inFlight === 0,
    'the event to be held and the worker to be idle',
  );
  await sleep(300);
  expect(runner.runs).toEqual([]);
  expect(settled.map((attempt) => [attempt.job.attempt, attempt.outcome.status])).toEqual([[2, 'held']]);
});

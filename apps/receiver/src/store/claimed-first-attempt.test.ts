/**
 * `ClaimedJob.firstAttempt` on both engines: 1 for a job never replayed, unchanged by a retry or by a
 * re-claim after a crash (lease expired), changed by an explicit replay. Broker handlers build their
 * message id from it (the event id, then `<eventId>:replay-<n>`).
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
import type { Store } from './store.js';

const tmp = tempDir('first-attempt');
const schema = uniqueSchema('srhooks_first_attempt');
afterAll(async () => {
  tmp.cleanup();
  await dropSchema(schema);
});

const T0 = new Date('2026-07-01T08:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

describe.each([
  ['sqlite', () => openSqlite(join(tmp.dir, 'first-attempt.db'))],
  // Time moves through `now` here, lease expiry included: leases on the caller's clock.
  ['postgres', () => openPostgres(schema, { jobClock: 'caller' })],
] as const)('%s', (_engine, open) => {
  it('keeps firstAttempt across retries and crash re-runs; a replay moves it past the last attempt', async () => {
    const store: Store = await open();
    try {
      const { events } = await ingestSamples(store, { handlers: ['bus'], receivedAt: T0 });
      const eventId = events[0]?.id ?? '';
      const claim = async (now: Date) => {
        const [job] = await store.claimJobs({ workerId: 'w', limit: 1, leaseMs: 1000, now });
        if (!job) throw new Error('nothing to claim');
        return job;
      };

      const first = await claim(at(1));
      expect([first.attempt, first.firstAttempt]).toEqual([1, 1]);
      await store.failJob(first.id, { attempt: 1, error: 'down', retryAt: at(2), now: at(1) });
      const retry = await claim(at(3));
      expect([retry.attempt, retry.firstAttempt]).toEqual([2, 1]);
      // the worker dies: the lease (1 s) expires and the job is claimed again
      const rerun = await claim(at(10));
      expect([rerun.attempt, rerun.firstAttempt]).toEqual([3, 1]);
      await store.completeJob(rerun.id, { attempt: 3, now: at(10) });

      await store.replayEvent(eventId, { now: at(20) });
      const replayed = await claim(at(21));
      expect([replayed.attempt, replayed.firstAttempt]).toEqual([4, 4]);
      await store.failJob(replayed.id, { attempt: 4, error: 'down', retryAt: at(22), now: at(21) });
      const replayRetry = await claim(at(23));
      expect([replayRetry.attempt, replayRetry.firstAttempt]).toEqual([5, 4]);
    } finally {
      await store.close();
    }
  });
});

/**
 * "Replay all dead letters" replays the dead letters there were when it was pressed, each exactly once,
 * also when jobs of an early batch die again before the next batch is read (a permanent failure dies at
 * once). Before the fix, each batch asked for "the newest n dead letters" up to the count taken at the
 * start: the job that had just died again was the newest, so it was replayed again and again, and the
 * oldest dead letters were never replayed. Real stores (tmp SQLite, PostgreSQL schema); the "worker" that
 * kills a replayed job at once is a store wrapper that claims and dead-letters whatever a batch reset,
 * before the next batch is read (deterministic: no timing).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { HandlerRegistry } from '../handlers/handler-registry.js';
import {
  ingestSamples,
  openPostgres,
  openSqlite,
  tempDir,
} from '../processing/test-support/processing-fixtures.js';
import type { Store } from '../store/store.js';
import { testSchemas } from '../test-support/postgres-schema.js';
import { AdminOperations } from './admin-operations.js';

const tmp = tempDir('dead-letter-replay-set');
const newSchema = testSchemas('rcv_dlset');
afterAll(() => tmp.cleanup());

const HOUR = 3_600_000;

/** `store` whose replayDeadLetters is followed at once by a worker that dead-letters every job it reset. */
function withFastDyingWorker(store: Store, resets: string[]): Store {
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property !== 'replayDeadLetters') return value.bind(target);
      return async (...args: Parameters<Store['replayDeadLetters']>) => {
        const result = await target.replayDeadLetters(...args);
        resets.push(...result.jobs.map((job) => job.id));
        const now = new Date();
        const claimed = await target.claimJobs({ workerId: 'fast', limit: 100, leaseMs: 60_000, now });
        for (const job of claimed) {
          await target.failJob(job.id, { attempt: job.attempt, error: 'still 404', deadLetter: true, now });
        }
        return result;
      };
    },
  });
}

describe.each<[string, () => Promise<Store>]>([
  ['SQLite', () => openSqlite(`${tmp.dir}/set-${Math.random().toString(36).slice(2)}.db`)],
  ['PostgreSQL', () => openPostgres(newSchema())],
])('replaying all dead letters on %s', (_engine, open) => {
  it('replays each dead letter there was exactly once, oldest ones too, when replayed jobs die again at once', async () => {
    const store = await open();
    try {
      const ingested = await ingestSamples(store, { handlers: ['erp'], receivedAt: new Date(), count: 4 });
      const claimed = await store.claimJobs({ workerId: 'w', limit: 10, leaseMs: 60_000, now: new Date() });
      expect(claimed).toHaveLength(4);
      // Three dead-lettered an hour apart in the past; one after the press (`now` below).
      const pressed = new Date();
      const start = pressed.getTime() - 10 * HOUR;
      for (const [index, job] of claimed.entries()) {
        const now = new Date(index < 3 ? start + index * HOUR : pressed.getTime() + HOUR);
        await store.failJob(job.id, { attempt: job.attempt, error: 'not found', deadLetter: true, now });
      }
      const deadIds = claimed
        .slice(0, 3)
        .map((job) => job.id)
        .sort();
      const later = claimed[3]?.id;
      const resets: string[] = [];
      const operations = new AdminOperations({
        store: withFastDyingWorker(store, resets),
        handlers: new HandlerRegistry({ shops: [], handlers: { erp: { type: 'log' } } }),
        config: { bodyLimit: 1_000_000, storeTimeoutMs: 10_000, shops: [] },
      });

      const replayed = await operations.replayDeadLetters({}, 1, pressed);

      expect({ replayed: replayed.map((job) => job.id).sort(), resets: [...resets].sort() }).toEqual({
        replayed: deadIds,
        resets: deadIds,
      });
      // Each ran once more (and died again): two attempts each, no more; the later one was not replayed.
      const outcomes = new Map<string, string[]>();
      for (const event of ingested.events) {
        const job = (await store.getEvent(event.id))?.jobs[0];
        if (job)
          outcomes.set(
            job.id,
            job.attemptLog.map((attempt) => attempt.outcome),
          );
      }
      expect(Object.fromEntries(outcomes)).toEqual({
        ...Object.fromEntries(deadIds.map((id) => [id, ['dead', 'dead']])),
        [later ?? '']: ['dead'],
      });
      expect(await store.countDeadLetters()).toBe(4);
    } finally {
      await store.close();
    }
  });
});

/**
 * The job worker tests' harness (worker*.test.ts): SQLite stores in a temp folder and workers with a
 * silent logger, all stopped and closed after each test (`useWorkerHarness()` registers the hooks).
 */
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';
import type { Store } from '../../store/store.js';
import { JobWorker, type JobWorkerOptions } from '../worker.js';
import { openSqlite, silentLogger, tempDir } from './processing-fixtures.js';

export const T0 = new Date('2026-07-01T08:00:00.000Z');

export interface WorkerHarness {
  /** A path for a new SQLite file in the harness's temp folder. */
  newFile(): string;
  /** Opens a SQLite store (a new file unless given), closed after the test. */
  open(file?: string): Promise<Store>;
  /** A worker with a silent logger and a 1 s poll, stopped after the test. */
  worker(options: Omit<JobWorkerOptions, 'logger'>): JobWorker;
}

export function useWorkerHarness(name: string): WorkerHarness {
  const tmp = tempDir(name);
  let fileNo = 0;
  const stores: Store[] = [];
  const workers: JobWorker[] = [];

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  afterAll(() => tmp.cleanup());

  return {
    newFile: () => join(tmp.dir, `${name}-${++fileNo}.db`),
    async open(file) {
      const store = await openSqlite(file ?? join(tmp.dir, `${name}-${++fileNo}.db`));
      stores.push(store);
      return store;
    },
    worker(options) {
      const created = new JobWorker({ logger: silentLogger, pollIntervalMs: 1000, ...options });
      workers.push(created);
      return created;
    },
  };
}

/** The first job of an event (fails when it has none). */
export async function jobOf(store: Store, eventId: string) {
  const event = await store.getEvent(eventId);
  const job = event?.jobs[0];
  if (!job) throw new Error(`event ${eventId} has no job`);
  return job;
}

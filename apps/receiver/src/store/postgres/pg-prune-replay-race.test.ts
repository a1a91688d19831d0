/**
 * PostgreSQL prune vs a replay committed in the middle of a prune chunk (READ COMMITTED): the chunk read
 * the event's job as succeeded (prunable), then a replay (or a backfill's new job) made it pending and
 * committed before the chunk's DELETE. The prune must not delete work it was told to keep: either the
 * replay waits for the prune (and then finds the event gone, or is refused as busy), or the prune sees the
 * pending job and keeps the delivery. Never "replay accepted" and the job deleted.
 *
 * The chunk is held between its look and its DELETEs by a row lock on the job's attempt that the test's own
 * connection takes (the prune's DELETE of job_attempts waits for it); the replay is the store's own.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  dropSchema,
  ingestSamples,
  openPostgres,
  uniqueSchema,
} from '../../processing/test-support/processing-fixtures.js';
import { TEST_DATABASE_URL } from '../../test-support/postgres-schema.js';
import type { Store } from '../store.js';

const schema = uniqueSchema('srhooks_prune_replay');
const DAY = 86_400_000;

describe('PostgreSQL prune and a replay committed during its chunk', () => {
  let store: Store;
  let holder: pg.Client;

  beforeEach(async () => {
    // The prune's DELETE waits for the test's lock until the test lets go: on a starved machine (12 busy
    // processes on 2 cores) the poll below saw that wait only after the 10 s query timeout had ended it.
    store = await openPostgres(schema, { jobClock: 'caller', queryTimeoutMs: 120_000 });
    holder = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await holder.connect();
    await holder.query(`SET search_path TO "${schema}"`);
  });
  afterEach(async () => {
    await holder?.end().catch(() => {});
    await store?.close();
    await dropSchema(schema);
  });
  afterAll(async () => {
    await dropSchema(schema);
  });

  /** An old order whose one job (handler h) succeeded: a prune candidate. */
  async function oldFinishedEvent(): Promise<{ eventId: string; jobId: string; deliveryId: string }> {
    const old = new Date(Date.now() - 200 * DAY);
    const result = await ingestSamples(store, { handlers: ['h'], receivedAt: old, firstId: 7001 });
    const [job] = await store.claimJobs({ workerId: 'w', limit: 1, leaseMs: 60_000, now: old });
    if (job === undefined) throw new Error('no job claimed');
    await store.markStarted([{ jobId: job.id, attempt: job.attempt }], { now: old });
    await store.completeJob(job.id, { attempt: job.attempt, now: old });
    return { eventId: job.eventId, jobId: job.id, deliveryId: result.deliveryId };
  }

  /**
   * Waits until a query of the store's is waiting for a lock the holder's connection holds. `settled` says
   * how the prune ended if it already has (it cannot have without waiting: the failure names its outcome).
   */
  async function blockedByHolder(settled: () => string | null): Promise<void> {
    const holderPid = (await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
    // A guard against a hang, not a timing check: a starved machine took over 20 s to reach the DELETE.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const waiting = await holder.query(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))',
        [holderPid],
      );
      if ((waiting.rows[0].n as number) > 0) return;
      const outcome = settled();
      if (outcome !== null) throw new Error(`the prune ${outcome} without waiting for the held attempt row`);
      if (Date.now() > deadline) {
        // What the database's busy backends were doing: which wait, if any, held the prune up instead.
        const busy = await holder.query(
          `SELECT pid, wait_event_type AS wait, pg_blocking_pids(pid) AS blockers, left(query, 80) AS query
             FROM pg_stat_activity WHERE datname = current_database() AND state <> 'idle' AND pid <> pg_backend_pid()`,
        );
        throw new Error(
          `the prune never waited for the held attempt row (holder ${holderPid}); busy: ${JSON.stringify(busy.rows)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('a replay accepted while the chunk runs keeps its job (and the delivery)', async () => {
    const { eventId, jobId, deliveryId } = await oldFinishedEvent();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM job_attempts WHERE job_id = $1 FOR UPDATE', [jobId]);
    const pruning = store.prune({ before: new Date(Date.now() - 90 * DAY) });
    let outcome: string | null = null;
    pruning.then(
      (counts) => {
        outcome = `finished (${JSON.stringify(counts)})`;
      },
      (error: Error & { code?: string }) => {
        outcome = `failed (${error.code ?? error.name}: ${error.message})`;
      },
    );
    await blockedByHolder(() => outcome);
    const replay = await store.replayEvent(eventId).then(
      () => 'accepted' as const,
      (error: Error) => error,
    );
    await holder.query('COMMIT');
    const counts = await pruning;

    const event = await store.getEvent(eventId);
    if (replay === 'accepted') {
      // The replay said the handler runs again: the job is there, pending, and its delivery kept.
      expect(event?.jobs.map((job) => [job.id, job.status])).toEqual([[jobId, 'pending']]);
      expect(await store.getDelivery(deliveryId)).not.toBeNull();
      expect(counts).toMatchObject({ deliveries: 0, events: 0, jobs: 0, kept: 1 });
    } else {
      // The replay was refused (busy): the prune deleted the finished work it had counted.
      expect(replay.message).toMatch(/try again|being changed|not found|no event/i);
      expect(event).toBeNull();
      expect(counts).toMatchObject({ deliveries: 1, events: 1, jobs: 1 });
    }
  });
});

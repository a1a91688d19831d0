/**
 * Replaying an event while a worker settles one of its jobs (PostgreSQL). A job outcome locks the job's
 * row and then its event's (the event's status is refreshed); a replay that locked the event first and
 * then waited for the job formed a deadlock with it: `POST /admin/api/events/:id/replay` answered 500
 * ("deadlock detected") when several replays of one event met a running worker. The replay now takes
 * its locks without waiting (and tries again shortly), so it never waits while holding a lock.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, testSchemas } from '../../test-support/postgres-schema.js';
import { jsonDelivery } from '../test-support/store-contract.js';
import { PgStore } from './pg-store.js';

const newSchema = testSchemas('srhooks_replay_lock');

describe('PgStore.replayEvent against a concurrent job outcome', () => {
  const stores: PgStore[] = [];
  const clients: pg.Client[] = [];
  afterAll(async () => {
    for (const client of clients) await client.end().catch(() => {});
    for (const store of stores) await store.close();
  });

  it('neither deadlocks nor fails: the outcome commits and the replay then resets the jobs', async () => {
    const schema = newSchema();
    const store = new PgStore({ url: TEST_DATABASE_URL, schema, poolSize: 4 });
    stores.push(store);
    await store.migrate();
    const { events } = await store.ingest(
      jsonDelivery(),
      [{ dedupeKey: 'order:1', subjectId: '1', payload: { innerId: '1' } }],
      ['erp', 'crm'],
    );
    const eventId = events[0]?.id as string;
    const jobs = (await store.getEvent(eventId))?.jobs ?? [];
    expect(jobs).toHaveLength(2);
    const job = jobs[0]?.id as string;

    // A worker's outcome transaction, in the order pg-jobs.ts takes its locks: the job row, then (a
    // moment later) the event row through the event-status refresh.
    const worker = new pg.Client({
      connectionString: TEST_DATABASE_URL,
      options: `-c search_path=${schema}`,
    });
    clients.push(worker);
    await worker.connect();
    await worker.query('BEGIN');
    await worker.query(`UPDATE jobs SET updated_at = now() WHERE id = $1`, [job]);

    const replay = store.replayEvent(eventId).then(
      (result) => ({ ok: true as const, jobs: result.jobs.length }),
      (error: unknown) => ({ ok: false as const, error: String(error) }),
    );
    await new Promise((resolve) => setTimeout(resolve, 150)); // the replay is now waiting, whatever it holds

    let workerError: string | null = null;
    try {
      await worker.query(`UPDATE events SET held = held WHERE id = $1`, [eventId]);
      await worker.query('COMMIT');
    } catch (error) {
      workerError = String(error);
      await worker.query('ROLLBACK').catch(() => {});
    }

    expect(workerError).toBeNull();
    expect(await replay).toEqual({ ok: true, jobs: 2 });
    const after = await store.getEvent(eventId);
    expect(after?.jobs.map((j) => j.status)).toEqual(['pending', 'pending']);
  });
});

/**
 * The event's status when two of its jobs finish at the same moment in different transactions
 * (PostgreSQL: two receivers on one store, or two outcome batches of one). Each outcome refreshes the
 * event's status from its jobs. The refresh was one `UPDATE events … CASE WHEN EXISTS (jobs …)`, whose
 * snapshot was taken before it waited for the other outcome's lock on the event row: each saw the
 * other job still running, and the event stayed `pending` for good although every job had succeeded
 * (seen in a QA run with two receivers: `srhooks events list` showed handled orders as pending).
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, testSchemas } from '../../test-support/postgres-schema.js';
import { jsonDelivery } from '../test-support/store-contract.js';
import { PgStore } from './pg-store.js';

const newSchema = testSchemas('srhooks_status_race');

/** The backends waiting, directly or through another waiter, on a lock `holder` holds. */
async function waitersBehind(observer: pg.Client, holder: number): Promise<number> {
  const rows = (
    await observer.query(
      `SELECT pid, pg_blocking_pids(pid) AS blockers FROM pg_stat_activity WHERE wait_event_type = 'Lock'`,
    )
  ).rows as { pid: number; blockers: number[] }[];
  const behind = new Set<number>([holder]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const row of rows) {
      if (!behind.has(row.pid) && row.blockers.some((pid) => behind.has(pid))) {
        behind.add(row.pid);
        grew = true;
      }
    }
  }
  return behind.size - 1;
}

describe('PgStore: two jobs of one event finishing at once on two receivers', () => {
  const stores: PgStore[] = [];
  const clients: pg.Client[] = [];
  afterAll(async () => {
    for (const client of clients) await client.end().catch(() => {});
    for (const store of stores) await store.close();
  });

  it('leaves the event succeeded, not pending', async () => {
    const schema = newSchema();
    const first = new PgStore({ url: TEST_DATABASE_URL, schema, poolSize: 2 });
    stores.push(first);
    await first.migrate();
    const second = new PgStore({ url: TEST_DATABASE_URL, schema, poolSize: 2 });
    stores.push(second);
    await second.migrate();

    const { events } = await first.ingest(
      jsonDelivery(),
      [{ dedupeKey: 'order:1', subjectId: '1', payload: { innerId: '1' } }],
      ['bus', 'rabbit'],
    );
    const eventId = events[0]?.id as string;
    const [bus] = await first.claimJobs({
      workerId: 'receiver-1',
      handlers: ['bus'],
      limit: 1,
      leaseMs: 60_000,
    });
    const [rabbit] = await second.claimJobs({
      workerId: 'receiver-2',
      handlers: ['rabbit'],
      limit: 1,
      leaseMs: 60_000,
    });
    expect([bus?.handler, rabbit?.handler]).toEqual(['bus', 'rabbit']);

    // Something else holds the event row for a moment (a replay, a verification, a third outcome), so
    // both outcomes reach the event-status refresh before either commits.
    const holder = new pg.Client({
      connectionString: TEST_DATABASE_URL,
      options: `-c search_path=${schema}`,
    });
    clients.push(holder);
    await holder.connect();
    const holderPid = (await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
    const observer = new pg.Client({ connectionString: TEST_DATABASE_URL });
    clients.push(observer);
    await observer.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM events WHERE id = $1 FOR UPDATE', [eventId]);

    const outcomes = Promise.all([
      first.completeJob(bus?.id as string, { attempt: 1 }),
      second.completeJob(rabbit?.id as string, { attempt: 1 }),
    ]);
    const deadline = Date.now() + 10_000;
    while ((await waitersBehind(observer, holderPid)) < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await waitersBehind(observer, holderPid)).toBe(2);
    await holder.query('COMMIT');

    expect((await outcomes).map((outcome) => outcome.applied)).toEqual([true, true]);
    const event = await first.getEvent(eventId);
    expect(event?.jobs.map((job) => job.status)).toEqual(['succeeded', 'succeeded']);
    expect(event?.status).toBe('succeeded');
  });
});

describe('PostgreSQL migration 18: statuses such a race left', () => {
  it('computes again the events left pending or retrying with every job finished, and only those', async () => {
    const schema = newSchema();
    const store = new PgStore({ url: TEST_DATABASE_URL, schema, poolSize: 2 });
    try {
      await store.migrate();
      const ingestOne = async (key: string, handlers: string[]) =>
        (
          await store.ingest(
            jsonDelivery(),
            [{ dedupeKey: key, subjectId: key, payload: { innerId: key } }],
            handlers,
          )
        ).events[0]?.id as string;
      const handled = await ingestOne('order:1', ['bus']);
      const deadOne = await ingestOne('order:2', ['bus']);
      const waiting = await ingestOne('order:3', ['bus']);
      const noJobs = await ingestOne('order:4', []);
      for (const eventId of [handled, deadOne]) {
        const [job] = await store.claimJobs({ workerId: 'w', handlers: ['bus'], limit: 1, leaseMs: 60_000 });
        expect(job?.eventId).toBe(eventId);
        if (eventId === handled) await store.completeJob(job?.id as string, { attempt: 1 });
        else await store.failJob(job?.id as string, { attempt: 1, error: 'gone', deadLetter: true });
      }
      // What the race left (and a migration run on such a store finds): finished events shown as in progress.
      const client = new pg.Client({
        connectionString: TEST_DATABASE_URL,
        options: `-c search_path=${schema}`,
      });
      try {
        await client.connect();
        await client.query(`UPDATE events SET status = 'pending' WHERE id = ANY($1)`, [[handled, noJobs]]);
        await client.query(`UPDATE events SET status = 'retrying' WHERE id = $1`, [deadOne]);
        await client.query('DELETE FROM schema_migrations WHERE version = 18');
      } finally {
        await client.end();
      }
      await store.migrate();
      const statuses = await Promise.all(
        [handled, deadOne, waiting, noJobs].map(async (id) => (await store.getEvent(id))?.status),
      );
      expect(statuses).toEqual(['succeeded', 'dead', 'pending', 'stored']);
    } finally {
      await store.close();
    }
  });
});

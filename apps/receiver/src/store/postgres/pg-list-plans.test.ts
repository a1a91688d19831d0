/**
 * The list and metrics queries of a large PostgreSQL store read an index that narrows them down, not the
 * whole table (measured before: 0.34-0.96 s each with 180,000 deliveries, bench/scale-check.mjs). Asserts
 * on EXPLAIN, never on time. The tables are analysed, shaped like a large store in miniature: most jobs
 * finished, few waiting or dead.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, testSchemas } from '../../test-support/postgres-schema.js';
import type { BuiltQuery } from '../list-query.js';
import {
  fillListPlanStore,
  listPlanQueries,
  pruneDuplicateLookup,
  RARE_SHOP,
} from '../test-support/list-plan-fixture.js';
import { dialect } from './pg-connection.js';
import { PG_BACKLOG_SQL, PG_SHOP_BACKLOG_SQL } from './pg-reads.js';
import { PgStore } from './pg-store.js';

const schema = testSchemas('srhooks_plan')();
const client = new pg.Client({ connectionString: TEST_DATABASE_URL });

beforeAll(async () => {
  const store = new PgStore({ url: TEST_DATABASE_URL, schema, poolSize: 4 });
  try {
    await fillListPlanStore(store, 2000);
  } finally {
    await store.close();
  }
  await client.connect();
  await client.query(`SET search_path TO "${schema}"`);
  await client.query(
    `UPDATE jobs SET status = 'succeeded', finished_at = now() WHERE right(id, 1) NOT IN ('0', '1')`,
  );
  await client.query(`UPDATE jobs SET status = 'dead', finished_at = now() WHERE right(id, 1) = '1'`);
  await client.query('ANALYZE deliveries; ANALYZE events; ANALYZE jobs');
}, 120_000);

afterAll(async () => {
  await client.end();
});

async function plan(query: { sql: string; values: unknown[] }): Promise<string> {
  const rows = (await client.query(`EXPLAIN (COSTS OFF) ${query.sql}`, query.values)).rows as Array<
    Record<string, string>
  >;
  return rows.map((row) => row['QUERY PLAN']).join('\n');
}

const queries = listPlanQueries(dialect);

describe('PostgreSQL list query plans (large-store indexes, migration 11)', () => {
  it.each<[string, BuiltQuery, RegExp]>([
    ["a shop's events", queries.eventsOfRareShop, /Index Scan (Backward )?using events_shop on events/],
    [
      'recovery deliveries',
      queries.recoveryDeliveries,
      /Index Scan (Backward )?using deliveries_recovery on deliveries/,
    ],
    ['recovery events', queries.recoveryEvents, /Index Scan (Backward )?using events_recovery on events/],
    [
      'erased deliveries (migration 26)',
      queries.erasedDeliveries,
      /Index (Only )?Scan (Backward )?using deliveries_erased on deliveries/,
    ],
    [
      'erased events (migration 26)',
      queries.erasedEvents,
      /Index (Only )?Scan (Backward )?using events_erased on events/,
    ],
  ])('%s read their index, not the whole list newest first', async (_name, query, expected) => {
    const detail = await plan(query);
    expect(detail).toMatch(expected);
    expect(detail).not.toMatch(/using (deliveries|events)_pkey|Seq Scan/);
  });

  it("the handler filter finds each event's job in the jobs (event_id, handler) index, never scanning jobs", async () => {
    for (const query of [queries.deliveriesOfHandler, queries.eventsOfHandler]) {
      const detail = await plan(query);
      expect(detail).toMatch(/Index Only Scan (Backward )?using jobs_event_id_handler_key on jobs j/);
      expect(detail).not.toMatch(/Seq Scan on (jobs|events|deliveries)/);
    }
  });

  it('the deliveries changed since a time (changedSince) can be found through the received, drained, re-processed and job-written indexes', async () => {
    // Scans priced out as below: the question is whether the query can use the indexes at all.
    await client.query('SET enable_seqscan = off');
    const detail = await plan(queries.deliveriesChangedLately).finally(() =>
      client.query('RESET enable_seqscan'),
    );
    expect(detail).toMatch(/(using|Index Scan on|Index Only Scan on) deliveries_received_at/);
    expect(detail).toMatch(/(using|Index Scan on|Index Only Scan on) deliveries_reprocessed_at/);
    expect(detail).toMatch(/(using|Index Scan on|Index Only Scan on) deliveries_stored_at/);
    expect(detail).toMatch(/(using|Index Scan on|Index Only Scan on) jobs_updated_at/);
    expect(detail).not.toMatch(/Seq Scan on (jobs|events|deliveries)/);
  });

  it('the handler backlog (every metrics scrape) can read the waiting, running and dead jobs through their partial indexes', async () => {
    // A table this small is cheaper to scan, so scans are priced out: the question is whether the query
    // can use the partial indexes at all (`status IN ('pending', 'dead')` could not; with 400,000 jobs it
    // was a parallel scan of the table, this query reads the two indexes).
    await client.query('SET enable_seqscan = off');
    const detail = await plan({ sql: PG_BACKLOG_SQL, values: [] }).finally(() =>
      client.query('RESET enable_seqscan'),
    );
    expect(detail).toMatch(/(using|Index Scan on) jobs_pending/);
    expect(detail).toMatch(/(using|Index Scan on) jobs_running/);
    expect(detail).toMatch(/(using|Index Scan on) jobs_dead/);
    expect(detail).not.toMatch(/Seq Scan on jobs/);
  });

  it("the shops page's per-shop backlog can read the waiting and dead jobs through their partial indexes, each event by its key", async () => {
    // Scans priced out as above.
    await client.query('SET enable_seqscan = off');
    const detail = await plan({ sql: PG_SHOP_BACKLOG_SQL, values: [] }).finally(() =>
      client.query('RESET enable_seqscan'),
    );
    expect(detail).toMatch(/(using|Index Scan on) jobs_pending/);
    expect(detail).toMatch(/(using|Index Scan on) jobs_dead/);
    expect(detail).toMatch(/using events_pkey on events e/);
    expect(detail).not.toMatch(/Seq Scan on (jobs|events)/);
  });

  it("retention can find the duplicates of a chunk's events through their index, not by scanning every event", async () => {
    const candidates = (
      await client.query<{ id: string }>('SELECT id FROM deliveries ORDER BY id LIMIT 50')
    ).rows.map((row) => row.id);
    // Scans priced out as above: without the index the duplicates can only be found by a scan.
    await client.query('SET enable_seqscan = off');
    const detail = await plan(pruneDuplicateLookup(dialect, candidates)).finally(() =>
      client.query('RESET enable_seqscan'),
    );
    expect(detail).toMatch(/Index Scan on events_duplicate_of|using events_duplicate_of/);
    expect(detail).not.toMatch(/Seq Scan on events/);
  });

  it('the lists and the backlog still answer right', async () => {
    const store = new PgStore({ url: TEST_DATABASE_URL, schema, poolSize: 2 });
    try {
      const rare = await store.listEvents({ shop: RARE_SHOP });
      expect(rare.items.map((event) => event.shop)).toEqual([RARE_SHOP, RARE_SHOP, RARE_SHOP]);
      expect((await store.listDeliveries({ source: 'recovery' })).items).toHaveLength(3);
      expect((await store.listEvents({ source: 'recovery' })).items).toHaveLength(3);
      const counts = (
        await client.query<{ status: string; n: string }>(
          `SELECT status, count(*) AS n FROM jobs GROUP BY status`,
        )
      ).rows;
      const count = (status: string) => Number(counts.find((row) => row.status === status)?.n ?? 0);
      expect(await store.handlerBacklog()).toEqual([
        { handler: 'erp', waiting: count('pending'), running: count('running'), dead: count('dead') },
      ]);
      expect(count('pending')).toBeGreaterThan(0);
      expect(count('dead')).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });
});

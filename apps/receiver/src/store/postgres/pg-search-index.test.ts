/**
 * The text search's trigram index on PostgreSQL (pg-search-index.ts): a search for a term of 3+
 * characters is planned with it instead of reading every event, answers the same rows with and without
 * it, and a role that may not create pg_trgm still starts (one warning with the SQL to run) and searches
 * by scan, until an operator installs the extension and the next start builds the index.
 *
 * Plans are asserted (EXPLAIN), never times. The shared `test` database gets pg_trgm in `public` when it
 * lacks it (a store's start-up creates it there, as the superuser tests connect as may); it is left
 * there, as other suites' stores use it too. The no-privilege case needs a database without pg_trgm and
 * a role without CREATE on it: the test creates both (a database of its own from template0, a LOGIN
 * role owning one schema there) and drops both after.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  order,
  orderDelivery,
  postDelivery,
  startAdminReceiver,
} from '../../admin/test-support/admin-test-receiver.js';
import { TEST_DATABASE_URL, testSchemas, uniqueSchemaName } from '../../test-support/postgres-schema.js';
import { type BuiltQuery, deliveryListQuery, eventListQuery } from '../list-query.js';
import { DELIVERY_SUMMARY_COLUMNS, EVENT_SUMMARY_COLUMNS } from '../row-mapping.js';
import { fillListPlanStore, listPlanQueries } from '../test-support/list-plan-fixture.js';
import { jsonDelivery, T0 } from '../test-support/store-contract.js';
import { dialect } from './pg-connection.js';
import { CREATE_EXTENSION_SQL, SEARCH_INDEX_NAME, trgmSchema } from './pg-search-index.js';
import { PgStore } from './pg-store.js';

const newSchema = testSchemas('srhooks_trgm');

async function connect(url = TEST_DATABASE_URL, schema?: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  if (schema !== undefined) await client.query(`SET search_path TO "${schema}"`);
  return client;
}

async function plan(client: pg.Client, query: { sql: string; values: unknown[] }): Promise<string> {
  const rows = (await client.query(`EXPLAIN (COSTS OFF) ${query.sql}`, query.values)).rows as Array<
    Record<string, string>
  >;
  return rows.map((row) => row['QUERY PLAN']).join('\n');
}

/** Runs `work` with planner settings, reset after (scans priced out: can the query use the index at all). */
async function withSettings<T>(client: pg.Client, settings: string[], work: () => Promise<T>): Promise<T> {
  for (const setting of settings) await client.query(`SET ${setting} = off`);
  try {
    return await work();
  } finally {
    for (const setting of settings) await client.query(`RESET ${setting}`);
  }
}

const TRGM_SCAN = new RegExp(`Bitmap Index Scan on ${SEARCH_INDEX_NAME}`);

describe('PostgreSQL text search with the trigram index', () => {
  const schema = newSchema();
  let client: pg.Client;

  beforeAll(async () => {
    const store = new PgStore({ url: TEST_DATABASE_URL, schema, poolSize: 4 });
    try {
      await store.migrate();
      await fillListPlanStore(store, 2000);
    } finally {
      await store.close();
    }
    client = await connect(TEST_DATABASE_URL, schema);
    await client.query('ANALYZE deliveries; ANALYZE events');
  }, 120_000);

  afterAll(async () => {
    await client?.end();
  });

  const queries = listPlanQueries(dialect);
  it.each<[string, BuiltQuery]>([
    ['one word', queries.eventSearchOneWord],
    ['two words, accents folded', queries.eventSearch],
    ['an e-mail address', queries.eventSearchEmail],
    ['a name and a phone number', queries.eventSearchPhone],
    ['a bare phone number', queries.eventSearchBarePhone],
    ['a word no event has', queries.eventSearchNoMatch],
  ])('an event search for %s reads the trigram index, not every event', async (_name, query) => {
    // A table this small is cheaper to read whole: scans are priced out, the question is whether the
    // LIKE '%…%' can use an index at all (without this one, only a walk of the whole primary key).
    const detail = await withSettings(client, ['enable_seqscan', 'enable_indexscan'], () =>
      plan(client, query),
    );
    expect(detail).toMatch(TRGM_SCAN);
    expect(detail).not.toMatch(/Seq Scan on events|using events_pkey/);
  });
});

describe('PostgreSQL text search answers the same rows with and without the trigram index', () => {
  const schema = newSchema();
  let client: pg.Client;
  const customers = [
    { firstname: 'Éva', lastname: 'Kovács', email: 'Kovacs.Eva@Gmail.com', phone: '+36 30 123 4567' },
    { firstname: 'Győző', lastname: 'Nagy', email: 'nagy.gyozo@freemail.hu', phone: '06 70 987 6543' },
    {
      firstname: 'Anna',
      lastname: 'Szabó',
      email: 'szabo.anna@citromail.hu',
      phone: '06-1-234-5678, 209876543',
    },
    { firstname: 'Péter', lastname: 'Kovács', email: 'peter_k%@example.com', phone: '' },
  ];

  beforeAll(async () => {
    const store = new PgStore({ url: TEST_DATABASE_URL, schema, poolSize: 4 });
    try {
      await store.migrate();
      for (let i = 0; i < 400; i++) {
        const customer = customers[i % customers.length] ?? customers[0];
        await store.ingest(
          jsonDelivery({ receivedAt: new Date(T0.getTime() + i * 1000) }),
          [
            {
              dedupeKey: `order:${i}`,
              subjectId: String(i),
              payload: { innerId: String(9000 + i), ...customer },
            },
          ],
          [],
        );
      }
    } finally {
      await store.close();
    }
    client = await connect(TEST_DATABASE_URL, schema);
    await client.query('ANALYZE deliveries; ANALYZE events');
  }, 120_000);

  afterAll(async () => {
    await client?.end();
  });

  it.each([
    'kovács',
    'KOVACS eva',
    'győző',
    'gyozo nagy',
    'Kovacs.Eva@Gmail.com',
    'citromail',
    '_k%@',
    '+36 30 123 4567',
    '06-20-987-6543',
    '30/123-4567 éva',
    '9123',
    'zzqx',
    'ab',
  ])('q=%s', async (q) => {
    for (const query of [
      eventListQuery(EVENT_SUMMARY_COLUMNS, { q, limit: 500 }, dialect),
      deliveryListQuery(DELIVERY_SUMMARY_COLUMNS, { q, limit: 500 }, dialect),
    ]) {
      const rows = async () =>
        (await client.query<{ id: string }>(query.sql, query.values)).rows.map((r) => r.id);
      const withIndex = await withSettings(client, ['enable_seqscan', 'enable_indexscan'], async () => {
        // Terms of 3+ characters are read through the index (shorter ones cannot be).
        if (q !== 'ab') expect(await plan(client, query)).toMatch(TRGM_SCAN);
        return rows();
      });
      const withoutIndex = await withSettings(client, ['enable_bitmapscan'], async () => {
        expect(await plan(client, query)).not.toMatch(TRGM_SCAN);
        return rows();
      });
      expect(withIndex).toEqual(withoutIndex);
      if (q === 'kovács') expect(withIndex.length).toBe(200);
      if (q === 'zzqx') expect(withIndex).toEqual([]);
    }
  });
});

describe('PostgreSQL stores starting together, and a failed concurrent build', () => {
  it('one of several stores starting at once builds the index; an INVALID index left by a failed build is built again', async () => {
    const schema = newSchema();
    const stores = Array.from(
      { length: 3 },
      () => new PgStore({ url: TEST_DATABASE_URL, schema, poolSize: 2, searchIndexInlineMaxBytes: 0 }),
    );
    const client = await connect(TEST_DATABASE_URL, schema);
    try {
      await stores[0]?.ingest(
        jsonDelivery(),
        [{ dedupeKey: 'a', subjectId: '1', payload: { innerId: '1' } }],
        [],
      );
      await client.query('DROP INDEX IF EXISTS events_search_text_trgm');
      const statuses = await Promise.all(
        stores.map((store) => store.migrate().then(() => store.searchIndex())),
      );
      const ends = await Promise.all(statuses.map((s) => (s.state === 'building' ? s.done : s)));
      expect(ends.filter((s) => s.state === 'built')).toEqual([{ state: 'built', concurrently: true }]);
      expect(ends.every((s) => ['built', 'ready', 'building-elsewhere'].includes(s.state))).toBe(true);
      const valid = async () =>
        (
          await client.query<{ valid: boolean }>(
            `SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = $1::regclass`,
            [SEARCH_INDEX_NAME],
          )
        ).rows[0]?.valid;
      expect(await valid()).toBe(true);

      // A concurrent build that fails leaves an INVALID index of that name behind.
      await client.query(`DROP INDEX ${SEARCH_INDEX_NAME}`);
      await stores[0]?.ingest(
        jsonDelivery(),
        [{ dedupeKey: 'b', subjectId: '1', payload: { innerId: '1' } }],
        [],
      );
      await expect(
        client.query(`CREATE UNIQUE INDEX CONCURRENTLY ${SEARCH_INDEX_NAME} ON events (order_number)`),
      ).rejects.toThrow(/could not create unique index/);
      expect(await valid()).toBe(false);
      const next = new PgStore({ url: TEST_DATABASE_URL, schema, poolSize: 2, searchIndexInlineMaxBytes: 0 });
      try {
        await next.migrate();
        const status = await next.searchIndex();
        expect(status.state === 'building' ? await status.done : status).toEqual({
          state: 'built',
          concurrently: true,
        });
      } finally {
        await next.close();
      }
      expect(await valid()).toBe(true);
      const definition = await client.query<{ def: string }>('SELECT pg_get_indexdef($1::regclass) AS def', [
        SEARCH_INDEX_NAME,
      ]);
      expect(definition.rows[0]?.def).toMatch(/USING gin \(search_text (\w+\.)?gin_trgm_ops\)/);
    } finally {
      await client.end();
      for (const store of stores) await store.close();
    }
  });
});

describe('a receiver stopping during a concurrent build', () => {
  it('cancels the build on close (no wait for it); the next start drops the INVALID index and builds it', async () => {
    const schema = newSchema();
    const options = { url: TEST_DATABASE_URL, schema, poolSize: 2, searchIndexInlineMaxBytes: 0 };
    const writer = await connect(TEST_DATABASE_URL, schema);
    const first = new PgStore(options);
    try {
      await first.ingest(jsonDelivery(), [{ dedupeKey: 'a', subjectId: '1', payload: { innerId: '1' } }], []);
      // An open write transaction on events: CREATE INDEX CONCURRENTLY waits for it to end.
      await writer.query('BEGIN');
      await writer.query(`UPDATE events SET held = held`);
      await first.migrate();
      const status = await first.searchIndex();
      expect(status.state).toBe('building');
      // The build has entered its index in the catalog (committed, INVALID) and waits for the writer.
      const observer = await connect(TEST_DATABASE_URL, schema);
      try {
        const deadline = Date.now() + 10_000;
        while (
          (await observer.query(`SELECT to_regclass($1) AS i`, [SEARCH_INDEX_NAME])).rows[0]?.i === null
        ) {
          if (Date.now() > deadline) throw new Error('the concurrent build never entered its index');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      } finally {
        await observer.end();
      }
      const closing = Date.now();
      await first.close();
      expect(Date.now() - closing).toBeLessThan(5000);
      if (status.state === 'building') {
        const end = await status.done;
        expect(end.state === 'unavailable' ? end.reason : end.state).toBe('failed');
      }
      await writer.query('ROLLBACK');
      const valid = await writer.query<{ valid: boolean }>(
        'SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = $1::regclass',
        [SEARCH_INDEX_NAME],
      );
      expect(valid.rows).toEqual([{ valid: false }]);

      const next = new PgStore(options);
      try {
        await next.migrate();
        const again = await next.searchIndex();
        expect(again.state === 'building' ? await again.done : again).toEqual({
          state: 'built',
          concurrently: true,
        });
      } finally {
        await next.close();
      }
      const rebuilt = await writer.query<{ valid: boolean }>(
        'SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = $1::regclass',
        [SEARCH_INDEX_NAME],
      );
      expect(rebuilt.rows).toEqual([{ valid: true }]);
    } finally {
      await first.close();
      await writer.end();
    }
  });
});

describe('a role that may not create pg_trgm, in a database without it', () => {
  const database = uniqueSchemaName('srhooks_trgm_db');
  const role = uniqueSchemaName('srhooks_trgm_role');
  const schema = 'receiver';
  let admin: pg.Client;
  const url = (user: string) => {
    const parsed = new URL(TEST_DATABASE_URL);
    parsed.username = user;
    parsed.pathname = `/${database}`;
    return parsed.toString();
  };

  beforeAll(async () => {
    admin = await connect();
    await admin.query(`CREATE DATABASE "${database}" TEMPLATE template0`);
    await admin.query(`CREATE ROLE "${role}" LOGIN`);
    const inDatabase = await connect(url(new URL(TEST_DATABASE_URL).username || 'postgres'));
    try {
      await inDatabase.query(`CREATE SCHEMA "${schema}" AUTHORIZATION "${role}"`);
    } finally {
      await inDatabase.end();
    }
  });

  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS "${role}"`);
    await admin.end();
  });

  it('starts, warns once with the SQL to run, searches by scan; the next start after CREATE EXTENSION builds the index', async () => {
    const receiver = await startAdminReceiver({ databaseUrl: url(role), databaseSchema: schema });
    try {
      const warnings = receiver.logLines.filter((line) => line.includes('pg_trgm'));
      expect(warnings).toHaveLength(1);
      const warning = JSON.parse(warnings[0] ?? '{}') as { level: number; msg: string; searchIndex: unknown };
      expect(warning.level).toBe(40);
      expect(warning.searchIndex).toEqual({ state: 'unavailable', reason: 'no-privilege' });
      expect(warning.msg).toContain(CREATE_EXTENSION_SQL);
      expect(warning.msg).toContain(`database "${database}"`);
      expect(warning.msg).toMatch(/reads every event/);

      const posted = await postDelivery(
        receiver,
        orderDelivery([order(1, { firstname: 'Éva', lastname: 'Kovács', email: 'kovacs.eva@gmail.com' })]),
      );
      expect(posted.status).toBe(200);
      for (const q of ['kovacs éva', 'Kovacs.Eva@Gmail']) {
        const response = await fetch(`${receiver.baseUrl}/admin/api/events?q=${encodeURIComponent(q)}`, {
          headers: bearer(),
        });
        expect(response.status).toBe(200);
        const { items } = (await response.json()) as { items: Array<{ deliveryId: string }> };
        expect(items.map((item) => item.deliveryId)).toEqual([posted.body.deliveryId]);
      }
    } finally {
      await receiver.close();
    }

    // The operator installs the extension (as a role that may); the next start builds the index.
    const operator = await connect(url(new URL(TEST_DATABASE_URL).username || 'postgres'));
    try {
      await operator.query(CREATE_EXTENSION_SQL);
      const again = await startAdminReceiver({ databaseUrl: url(role), databaseSchema: schema });
      try {
        expect(again.logLines.filter((line) => line.includes('pg_trgm'))).toEqual([]);
        expect(again.logLines.some((line) => line.includes(`${SEARCH_INDEX_NAME} built`))).toBe(true);
      } finally {
        await again.close();
      }
      const index = await operator.query<{ def: string }>(
        `SELECT pg_get_indexdef(c.oid) AS def FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relname = $2`,
        [schema, SEARCH_INDEX_NAME],
      );
      // The extension went to public (the operator's search_path), which is not on the receiver's.
      expect(index.rows[0]?.def).toMatch(/USING gin \(search_text (public\.)?gin_trgm_ops\)/);
      expect(await trgmSchema(operator)).toBe('public');
    } finally {
      await operator.end();
    }
  });
});

/**
 * A PostgreSQL migration during a rolling upgrade, measured: not part of the test suite. A store at the
 * version before VERSION gets EVENTS events (set-based SQL: one delivery and one event each, payloads from
 * the contracts' sample orders, customer names and search texts as an older receiver wrote them, so the
 * data migrations rewrite every row). An "old" receiver's store (a PgStore that believes the store is
 * migrated) then ingests deliveries continuously — new orders and, every 4th, a duplicate of a stored
 * event — while a "new" receiver applies the migrations up to VERSION the way the receiver does
 * (applyPgMigrations on a connection of its own, without a query timeout unless given). Printed: how long the
 * migration took (or how it failed), the ingest calls' longest wait, how many took longer than the
 * default storeTimeoutMs (5 s: answered 503) and how many failed.
 *
 *   node bench/pg-migration-bench.mjs <version> [events] [--second] [--query-timeout-ms N]
 *
 * `--second`: a second new receiver starts beside the first (the migration lock: it waits, then finds
 * the versions applied). `--query-timeout-ms 10000`: the migration connection with the store's query
 * timeout, as receivers before this bench ran them. Also printed: the longest wait of an update of an
 * early event (an old receiver's job outcome or retention touching a row a rewrite already did). Needs `pnpm --filter @srhooks/receiver build` first (imports dist/). Uses its
 * own schema of DATABASE_URL (default the local test database), dropped at the end.
 */
import { dedupeKey, sampleOrder } from '@srhooks/contracts';
import pg from 'pg';
import { DATABASE_URL } from './ingest-common.mjs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const positional = args.filter((arg, i) => !arg.startsWith('--') && !args[i - 1]?.startsWith('--query'));
const VERSION = Number(positional[0]);
const EVENTS = Number(positional[1] ?? 200_000);
// 0: none, as the receiver's migration connection (before: the pool's 10 s query timeout).
const QUERY_TIMEOUT_MS = option('--query-timeout-ms', 0);
const STORE_TIMEOUT_MS = 5000;
const INGESTERS = 4;
if (!Number.isInteger(VERSION) || VERSION < 2) {
  console.error(
    'usage: node bench/pg-migration-bench.mjs <version> [events] [--second] [--query-timeout-ms N]',
  );
  process.exit(2);
}

const dist = (path) => new URL(`../dist/${path}`, import.meta.url).href;
const { applyPgMigrations, PG_MIGRATIONS } = await import(dist('store/postgres/pg-migrations.js'));
const { PgStore } = await import(dist('store/postgres/pg-store.js'));

const schema = `srhooks_migbench_${process.pid}`;
const admin = new pg.Client({ connectionString: DATABASE_URL });
await admin.connect();
await admin.query(`SET search_path TO "${schema}"`);
const log = (line) => console.log(`[${((performance.now() - t0) / 1000).toFixed(1)} s] ${line}`);
const t0 = performance.now();

try {
  await applyPgMigrations(
    admin,
    schema,
    PG_MIGRATIONS.filter((m) => m.version < VERSION),
  );
  log(`schema ${schema} at version ${VERSION - 1}; filling ${EVENTS} events`);

  // Sample orders as templates; names given name first and search texts without contacts (as before 8/12).
  const TEMPLATES = 500;
  const templates = Array.from({ length: TEMPLATES }, (_, i) => sampleOrder(i + 1));
  await admin.query(
    'CREATE TEMP TABLE bench_templates (n integer, payload text, customer text, search text)',
  );
  await admin.query(
    `INSERT INTO bench_templates SELECT * FROM unnest($1::integer[], $2::text[], $3::text[], $4::text[])`,
    [
      templates.map((_, i) => i),
      templates.map((o) => JSON.stringify(o)),
      templates.map((o) => `${o.firstname} ${o.lastname}`),
      templates.map((o) => `${o.innerId} | ${o.firstname} ${o.lastname}`.toLowerCase()),
    ],
  );
  await admin.query(
    `INSERT INTO deliveries (id, received_at, shop, event, remote_address, headers, content_type, raw_body, status)
     SELECT 'd' || lpad(g::text, 10, '0'), now() - (${EVENTS} - g) * interval '1 minute', 'bigshop', 'order_confirm',
       '203.0.113.7', '{}'::json, 'multipart/form-data; boundary=x', '\\x00'::bytea, 'stored'
     FROM generate_series(1, ${EVENTS}) g`,
  );
  await admin.query(
    `INSERT INTO events (id, delivery_id, shop, event, received_at, dedupe_key, subject_id, payload, order_number,
        customer_name, search_text, status)
     SELECT 'e' || lpad(g::text, 10, '0'), 'd' || lpad(g::text, 10, '0'), 'bigshop', 'order_confirm',
       now() - (${EVENTS} - g) * interval '1 minute', 'bench:' || g, g::text, t.payload::json, g::text,
       t.customer, t.search, 'stored'
     FROM generate_series(1, ${EVENTS}) g JOIN bench_templates t ON t.n = g % ${TEMPLATES}`,
  );
  await admin.query('ANALYZE deliveries; ANALYZE events');
  const size = (await admin.query(`SELECT pg_size_pretty(pg_total_relation_size('events')) AS s`)).rows[0].s;
  log(`filled (events table ${size})`);

  // The old receiver: believes the store migrated (rows marking the versions to come as applied,
  // removed once it has checked), as one that ran before the upgrade began.
  const later = PG_MIGRATIONS.filter((m) => m.version >= VERSION).map((m) => m.version);
  await admin.query(
    `INSERT INTO schema_migrations (version, name) SELECT v, 'marked applied for the old receiver (bench; removed after its check)' FROM unnest($1::integer[]) v`,
    [later],
  );
  const old = new PgStore({ url: DATABASE_URL, schema, poolSize: 4 });
  let seq = 0;
  const deliveryOf = () => ({
    shop: 'bigshop',
    event: 'order_confirm',
    receivedAt: new Date(),
    remoteAddress: '203.0.113.7',
    headers: { 'content-type': 'multipart/form-data; boundary=x' },
    contentType: 'multipart/form-data; boundary=x',
    rawBody: Buffer.from('--x--\r\n'),
  });
  const ingestOne = () => {
    seq += 1;
    if (seq % 4 === 0) {
      // a duplicate of a stored (rewritten) event
      const g = 1 + ((seq * 7919) % EVENTS);
      const payload = templates[g % TEMPLATES];
      return old.ingest(deliveryOf(), [{ dedupeKey: `bench:${g}`, subjectId: String(g), payload }], ['erp']);
    }
    const item = { ...sampleOrder(seq), innerId: String(10_000_000 + seq) };
    return old.ingest(
      deliveryOf(),
      [{ dedupeKey: dedupeKey('bigshop', 'order_confirm', item), subjectId: item.innerId, payload: item }],
      ['erp'],
    );
  };
  await ingestOne();
  await admin.query('DELETE FROM schema_migrations WHERE version = ANY($1)', [later]);

  const stats = {
    calls: 0,
    failed: 0,
    over: 0,
    maxMs: 0,
    failures: new Map(),
    during: { calls: 0, maxMs: 0 },
  };
  let migrating = false;
  let migrationStarted = Number.POSITIVE_INFINITY;
  let migrationEnded = Number.POSITIVE_INFINITY;
  const startedDuring = (at) => at >= migrationStarted - 1 && at <= migrationEnded;
  let stop = false;
  const ingester = async () => {
    while (!stop) {
      const started = performance.now();
      try {
        await ingestOne();
      } catch (error) {
        stats.failed += 1;
        const key = error instanceof Error ? error.message.slice(0, 120) : String(error);
        stats.failures.set(key, (stats.failures.get(key) ?? 0) + 1);
      }
      const ms = performance.now() - started;
      stats.calls += 1;
      stats.maxMs = Math.max(stats.maxMs, ms);
      if (ms > STORE_TIMEOUT_MS) stats.over += 1;
      if (migrating || startedDuring(started)) {
        stats.during.calls += 1;
        stats.during.maxMs = Math.max(stats.during.maxMs, ms);
      }
    }
  };
  const ingesting = Array.from({ length: INGESTERS }, ingester);
  // An old receiver's write to an early (already rewritten) event: a job outcome, retention.
  const prober = new pg.Client({ connectionString: DATABASE_URL, options: `-c search_path=${schema}` });
  await prober.connect();
  const probe = { calls: 0, maxMs: 0 };
  const probing = (async () => {
    while (!stop) {
      const id = `e${String(1 + Math.floor(Math.random() * 1000)).padStart(10, '0')}`;
      const started = performance.now();
      await prober.query('UPDATE events SET verification = verification WHERE id = $1', [id]);
      probe.calls += 1;
      probe.maxMs = Math.max(probe.maxMs, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  log(`old receiver ingesting (${stats.calls} calls in 2 s, longest ${stats.maxMs.toFixed(0)} ms)`);

  // The new receiver(s): applyPgMigrations on a connection of its own (query timeout only if given).
  const migrateAs = async (label) => {
    const pool = new pg.Pool({
      connectionString: DATABASE_URL,
      options: `-c search_path=${schema}`,
      ...(QUERY_TIMEOUT_MS > 0 ? { query_timeout: QUERY_TIMEOUT_MS } : {}),
      max: 1,
    });
    pool.on('error', () => {});
    const client = await pool.connect();
    client.on('error', () => {});
    const started = performance.now();
    try {
      const applied = await applyPgMigrations(
        client,
        schema,
        PG_MIGRATIONS.filter((m) => m.version <= VERSION),
      );
      return `${label}: applied [${applied.join(', ')}] in ${((performance.now() - started) / 1000).toFixed(1)} s`;
    } catch (error) {
      return `${label}: FAILED after ${((performance.now() - started) / 1000).toFixed(1)} s: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      client.release(true);
      await pool.end().catch(() => {});
    }
  };
  migrating = true;
  migrationStarted = performance.now();
  const outcomes = await Promise.all([
    migrateAs('new receiver'),
    ...(flag('--second') ? [migrateAs('second new receiver')] : []),
  ]);
  migrating = false;
  migrationEnded = performance.now();
  for (const outcome of outcomes) log(outcome);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  stop = true;
  await Promise.all(ingesting);
  await probing;
  await prober.end();
  await old.close();
  const versions = (await admin.query('SELECT max(version) AS v FROM schema_migrations')).rows[0].v;
  const invalid = (
    await admin.query(
      `SELECT count(*)::integer AS n FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
        JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = $1 AND NOT i.indisvalid`,
      [schema],
    )
  ).rows[0].n;
  log(`store at version ${versions}; invalid indexes: ${invalid}`);
  log(
    `old receiver: ${stats.calls} ingest calls (${stats.during.calls} during the migration), longest ${stats.maxMs.toFixed(0)} ms ` +
      `(during the migration ${stats.during.maxMs.toFixed(0)} ms), over ${STORE_TIMEOUT_MS} ms (503): ${stats.over}, failed: ${stats.failed}`,
  );
  log(`updates of early events: ${probe.calls}, longest ${probe.maxMs.toFixed(0)} ms`);
  for (const [message, count] of stats.failures) log(`  failure ×${count}: ${message}`);
} finally {
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
  await admin.end();
}

import type { PoolClient } from 'pg';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const EVENT_COLUMNS_FROM_ITEM = `v_id, p_delivery_id, p_shop, p_event, p_received_at, item->>'dedupeKey', item->>'subjectId',
      item->'payload', item->>'orderNumber', item->>'customerName', item->>'grossTotal', item->>'currency', item->>'searchText'`;

/**
 * Versioned schema. Append new versions; never edit an applied one. Same table and column names as the
 * SQLite schema. Ids use the "C" collation so text order is byte order (ids are time-sortable).
 *
 * `srhooks_store_events` / `srhooks_ingest` keep ingest to one round trip and one transaction: each
 * event is `INSERT … ON CONFLICT (shop, event, dedupe_key) DO NOTHING`; on conflict the earlier event is
 * looked up (PL/pgSQL takes a fresh snapshot per statement, so an event committed meanwhile by another
 * instance is found) and the event is recorded as its duplicate. New events get one job per handler.
 */
export const PG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'deliveries, events, jobs, attempts, handler states, ingest functions',
    sql: `
CREATE TABLE deliveries (
  id text COLLATE "C" PRIMARY KEY,
  received_at timestamptz NOT NULL,
  shop text NOT NULL,
  event text NOT NULL,
  remote_address text NOT NULL,
  headers json NOT NULL,
  content_type text NOT NULL,
  raw_body bytea NOT NULL,
  status text NOT NULL CHECK (status IN ('stored', 'quarantined', 'reprocessed')),
  decode_error_code text,
  decode_error_message text,
  reprocessed_at timestamptz
);
CREATE INDEX deliveries_received_at ON deliveries (received_at);
CREATE INDEX deliveries_shop_event ON deliveries (shop, event, id);
CREATE INDEX deliveries_status ON deliveries (status, id);

CREATE TABLE events (
  id text COLLATE "C" PRIMARY KEY,
  delivery_id text COLLATE "C" NOT NULL REFERENCES deliveries (id),
  shop text NOT NULL,
  event text NOT NULL,
  received_at timestamptz NOT NULL,
  dedupe_key text NOT NULL,
  subject_id text,
  payload json NOT NULL,
  duplicate_of text COLLATE "C" REFERENCES events (id),
  order_number text,
  customer_name text,
  gross_total text,
  currency text,
  search_text text NOT NULL,
  status text NOT NULL,
  verification text NOT NULL DEFAULT 'unverified' CHECK (verification IN ('unverified', 'verified', 'mismatched')),
  verification_detail text,
  held boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX events_dedupe ON events (shop, event, dedupe_key) WHERE duplicate_of IS NULL;
CREATE INDEX events_delivery ON events (delivery_id);
CREATE INDEX events_received_at ON events (received_at);
CREATE INDEX events_status ON events (status, id);

CREATE TABLE jobs (
  id text COLLATE "C" PRIMARY KEY,
  event_id text COLLATE "C" NOT NULL REFERENCES events (id),
  handler text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'dead')),
  attempts integer NOT NULL DEFAULT 0,
  failures integer NOT NULL DEFAULT 0,
  min_attempt integer NOT NULL DEFAULT 1,
  run_at timestamptz NOT NULL,
  lease_owner text,
  lease_expires_at timestamptz,
  last_error text,
  last_status_code integer,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  finished_at timestamptz,
  UNIQUE (event_id, handler)
);
CREATE INDEX jobs_pending ON jobs (run_at) WHERE status = 'pending';
CREATE INDEX jobs_running ON jobs (lease_expires_at) WHERE status = 'running';
CREATE INDEX jobs_dead ON jobs (finished_at) WHERE status = 'dead';

CREATE TABLE job_attempts (
  job_id text COLLATE "C" NOT NULL REFERENCES jobs (id),
  attempt integer NOT NULL,
  worker_id text NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  outcome text NOT NULL,
  status_code integer,
  error text,
  PRIMARY KEY (job_id, attempt)
);

CREATE TABLE handler_states (
  handler text PRIMARY KEY,
  disabled boolean NOT NULL,
  reason text,
  changed_at timestamptz NOT NULL
);

CREATE FUNCTION srhooks_store_events(
  p_delivery_id text, p_shop text, p_event text, p_received_at timestamptz, p_jobs_at timestamptz,
  p_events json, p_handlers text[]
) RETURNS TABLE (out_event_id text, out_dedupe_key text, out_duplicate_of text)
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  item json;
  v_id text;
  v_inserted text;
  v_original text;
BEGIN
  FOR item IN SELECT t.value FROM json_array_elements(p_events) WITH ORDINALITY AS t (value, n) ORDER BY t.n LOOP
    v_id := item->>'id';
    v_inserted := NULL;
    INSERT INTO events (id, delivery_id, shop, event, received_at, dedupe_key, subject_id, payload, order_number,
        customer_name, gross_total, currency, search_text, status)
      VALUES (${EVENT_COLUMNS_FROM_ITEM},
        CASE WHEN cardinality(p_handlers) > 0 THEN 'pending' ELSE 'stored' END)
      ON CONFLICT (shop, event, dedupe_key) WHERE duplicate_of IS NULL DO NOTHING
      RETURNING events.id INTO v_inserted;
    IF v_inserted IS NOT NULL THEN
      INSERT INTO jobs (id, event_id, handler, status, run_at, created_at, updated_at)
        SELECT h.job_id, v_id, h.handler, 'pending', p_jobs_at, p_jobs_at, p_jobs_at
        FROM unnest(p_handlers, ARRAY(SELECT json_array_elements_text(item->'jobIds'))) AS h (handler, job_id);
      out_duplicate_of := NULL;
    ELSE
      SELECT e.id INTO v_original FROM events e
        WHERE e.shop = p_shop AND e.event = p_event AND e.dedupe_key = item->>'dedupeKey' AND e.duplicate_of IS NULL;
      INSERT INTO events (id, delivery_id, shop, event, received_at, dedupe_key, subject_id, payload, order_number,
          customer_name, gross_total, currency, search_text, duplicate_of, status)
        VALUES (${EVENT_COLUMNS_FROM_ITEM}, v_original, 'duplicate');
      out_duplicate_of := v_original;
    END IF;
    out_event_id := v_id;
    out_dedupe_key := item->>'dedupeKey';
    RETURN NEXT;
  END LOOP;
END
$fn$;

CREATE FUNCTION srhooks_ingest(
  p_id text, p_received_at timestamptz, p_shop text, p_event text, p_remote_address text, p_headers json,
  p_content_type text, p_raw_body bytea, p_events json, p_handlers text[]
) RETURNS TABLE (out_event_id text, out_dedupe_key text, out_duplicate_of text)
LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
  INSERT INTO deliveries (id, received_at, shop, event, remote_address, headers, content_type, raw_body, status)
    VALUES (p_id, p_received_at, p_shop, p_event, p_remote_address, p_headers, p_content_type, p_raw_body, 'stored');
  RETURN QUERY SELECT * FROM srhooks_store_events(p_id, p_shop, p_event, p_received_at, p_received_at, p_events, p_handlers);
END
$fn$;
`,
  },
];

/** Identifier check for the optional schema (it is interpolated into DDL). */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Applies the migrations not yet recorded in `schema_migrations`, under a session advisory lock so two
 * instances starting together apply each version once. Each version runs in its own transaction.
 */
export async function applyPgMigrations(
  client: PoolClient,
  schema: string | null,
  migrations: readonly Migration[] = PG_MIGRATIONS,
): Promise<number[]> {
  const lockName = `srhooks.migrate:${schema ?? 'default'}`;
  await client.query('SELECT pg_advisory_lock(hashtext($1))', [lockName]);
  try {
    if (schema !== null) await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map(
        (row) => row.version,
      ),
    );
    const applied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
          migration.version,
          migration.name,
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
      applied.push(migration.version);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockName]);
  }
}

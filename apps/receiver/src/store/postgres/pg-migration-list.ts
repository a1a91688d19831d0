/**
 * The PostgreSQL schema's versions, in order (applied by pg-migrations.ts, which also holds how a version
 * is run: transactions, concurrent index builds, paged rewrites, the migration lock).
 */
import { mayHoldSeveralPhones, SEARCH_TEXT_RULES } from '../stored-search-text.js';
import { BASE_SCHEMA_SQL, INGEST_SET_SQL } from './pg-base-schema.js';
import { JOB_CLOCK_MIGRATION_SQL } from './pg-job-clock-migration.js';
import type { Migration } from './pg-migrations.js';
import { rewritePgCustomerNames } from './pg-name-order.js';
import { rewritePgSearchTexts } from './pg-search-text.js';

/**
 * Versioned schema. Append new versions; never edit an applied one. Same table and column names as the
 * SQLite schema. Ids use the "C" collation so text order is byte order (ids are time-sortable).
 *
 * Ingest is one round trip and one transaction for a whole batch of deliveries:
 * `srhooks_ingest_batch` takes the deliveries as parallel arrays (raw bodies concatenated into one bytea
 * with their lengths; headers and payloads as one JSON array each, parsed once) and stores each delivery
 * inside its own subtransaction (BEGIN … EXCEPTION), so a failing delivery is reported in its row while
 * the others commit. `srhooks_store_events` stores one delivery's events: each is
 * `INSERT … ON CONFLICT (shop, event, dedupe_key) DO NOTHING`; on conflict the earlier event is looked up
 * (PL/pgSQL takes a fresh snapshot per statement, so an event committed meanwhile by another instance is
 * found) and the event is recorded as its duplicate. New events get one job per handler (job ids are
 * passed in, event-major). It returns duplicate_of per event, in input order.
 *
 * Version 2 adds `srhooks_ingest_set`: same arguments, same result rows, but it writes the whole batch with
 * one statement (set-based INSERT … SELECT FROM unnest(…) into deliveries, events and jobs) inside a single
 * subtransaction. An event is the duplicate of the stored event with its (shop, event, dedupe_key) or else of
 * the first event with that key earlier in the batch (input order), as the per-delivery path decides. Events
 * are inserted in key order, so two instances' batches take index locks in the same order. If the statement
 * fails for any reason (a key committed meanwhile by another instance → unique violation, a deadlock, one bad
 * delivery), the batch runs again through `srhooks_ingest_batch`, which rejects a bad delivery alone and
 * resolves concurrent keys with ON CONFLICT. The function uses a generic plan (re-planning the statement per
 * call cost more than the inserts). Raw bodies, headers and payloads are compressed with lz4 when the server
 * supports it (pglz was the largest single CPU cost of an insert).
 */
export const PG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'deliveries, events, jobs, attempts, handler states, ingest functions',
    sql: BASE_SCHEMA_SQL,
  },
  {
    version: 2,
    name: 'set-based batch ingest (srhooks_ingest_set) with fallback to the per-delivery path',
    sql: INGEST_SET_SQL,
  },
  {
    version: 3,
    name: 'admin session revocations (logout, shared by every instance on the schema)',
    sql: `
CREATE TABLE admin_session_revocations (
  session_id text COLLATE "C" PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
`,
  },
  {
    version: 4,
    name: 'recovery: source of deliveries and events, per-shop watermark and last pass',
    sql: `
ALTER TABLE deliveries ADD COLUMN source text NOT NULL DEFAULT 'webhook' CHECK (source IN ('webhook', 'recovery'));
ALTER TABLE events ADD COLUMN source text NOT NULL DEFAULT 'webhook' CHECK (source IN ('webhook', 'recovery'));
CREATE INDEX deliveries_shop_source ON deliveries (shop, source, received_at);
CREATE TABLE recovery_state (
  shop text PRIMARY KEY,
  watermark timestamptz,
  consecutive_failures integer NOT NULL DEFAULT 0,
  last_pass jsonb
);
`,
  },
  {
    version: 5,
    name: 'platform app: installed shops and used app request codes (app mode)',
    sql: `
CREATE TABLE app_shops (
  shop text COLLATE "C" PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('pending', 'installed', 'uninstalled')),
  installed_at timestamptz NOT NULL,
  app_version text,
  uninstalled_at timestamptz,
  pending_reason text,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  subscriptions jsonb NOT NULL DEFAULT '[]',
  updated_at timestamptz NOT NULL
);
CREATE INDEX app_shops_due ON app_shops (next_attempt_at) WHERE status = 'pending';

CREATE TABLE app_request_codes (
  code_key text COLLATE "C" PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
`,
  },
  {
    version: 6,
    name: 'platform app: payment subjects bound to the shop they first came under, filed payment notifications',
    sql: `
CREATE TABLE app_payment_subjects (
  subject text COLLATE "C" PRIMARY KEY,
  shop text COLLATE "C" NOT NULL,
  bound_at timestamptz NOT NULL
);
CREATE TABLE app_payment_notifications (
  dedupe_key text COLLATE "C" PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
CREATE INDEX app_payment_notifications_expiry ON app_payment_notifications (expires_at);
`,
  },
  {
    version: 7,
    name: 'retention of payment subjects: when their last notification was stored; payment events by subject',
    sql: `
ALTER TABLE app_payment_subjects ADD COLUMN last_notification_at timestamptz;
UPDATE app_payment_subjects SET last_notification_at = bound_at;
ALTER TABLE app_payment_subjects ALTER COLUMN last_notification_at SET NOT NULL;
CREATE INDEX app_payment_subjects_last ON app_payment_subjects (last_notification_at);
CREATE INDEX events_payment_subject ON events (subject_id) WHERE event IN ('payment_status', 'payment_card_change');
`,
  },
  {
    version: 8,
    name: 'customer names family name first (Kovács Éva), composed again from the stored payloads',
    sql: '',
    rewrite: rewritePgCustomerNames,
  },
  {
    version: 9,
    name: "disabled handlers' reasons without the target's answer (an earlier receiver stored its 410 body)",
    sql: `
UPDATE handler_states SET reason = 'HTTP 410 Gone (recorded by an earlier receiver; the answer is no longer kept): fix the URL, then enable the handler again'
  WHERE reason IS NOT NULL AND reason NOT LIKE 'HTTP 410 Gone from %';
`,
  },
  {
    version: 10,
    name: "new jobs due on the database server's clock (srhooks_job_due), not the ingesting host's",
    sql: JOB_CLOCK_MIGRATION_SQL,
  },
  {
    version: 11,
    name: 'list indexes for a large store: by shop and recovery source newest first; duplicates by original',
    // Measured on 180,000 deliveries / 204,000 events (bench/scale-check.mjs): events of a small shop
    // 0.95 s and recovery records 0.96 s, each read the whole list newest first to find a page. (The
    // text search's LIKE '%…%' stays a scan here, 0.6-0.9 s; SQLite's version 9 has search indexes
    // because its scan also read every payload.) Retention looked up the duplicates of each chunk's
    // events, and the foreign key check of each deleted event its duplicates, by scanning every event.
    // Built concurrently on a large store (bench/pg-migration-bench.mjs: built in its transaction, it held
    // every old receiver's insert for the whole build, 0.56-1.0 s on 200,000 events, 2.1 s on 1,000,000).
    sql: '',
    indexes: [
      { name: 'deliveries_shop', table: 'deliveries', definition: '(shop, id)' },
      { name: 'events_shop', table: 'events', definition: '(shop, id)' },
      { name: 'deliveries_recovery', table: 'deliveries', definition: "(id) WHERE source = 'recovery'" },
      { name: 'events_recovery', table: 'events', definition: "(id) WHERE source = 'recovery'" },
      {
        name: 'events_duplicate_of',
        table: 'events',
        definition: '(duplicate_of) WHERE duplicate_of IS NOT NULL',
      },
    ],
  },
  {
    version: 12,
    name: "text search by the customer's e-mail address and phone number: search texts composed again from the stored payloads",
    sql: '',
    rewrite: (client, progress) => rewritePgSearchTexts(client, progress),
  },
  {
    version: 13,
    name: 'text search by each number of a phone field that holds several, a bare one too: those search texts composed again',
    sql: '',
    rewrite: (client, progress) => rewritePgSearchTexts(client, progress, mayHoldSeveralPhones),
  },
  {
    version: 14,
    name: 'who disabled a handler: its target (HTTP 410) or an operator (handlers disable)',
    sql: `
ALTER TABLE handler_states ADD COLUMN disabled_by TEXT;
UPDATE handler_states SET disabled_by = 'target' WHERE disabled;
`,
  },
  {
    version: 15,
    name: 'text search trigram index (pg_trgm) on events.search_text: kept by the start-up step in pg-search-index.ts',
    // Nothing in this transaction: the index needs an extension the receiver's role may not be allowed
    // to create (then a later start, after an operator ran CREATE EXTENSION pg_trgm, builds it), and on a
    // large store it is built with CREATE INDEX CONCURRENTLY, which cannot run in a transaction. So the
    // step runs after the migrations at every start (PgConnection.searchIndex); this version marks the
    // store as one whose receivers keep that index.
    sql: '',
  },
  {
    version: 16,
    name: "app mode: which URL secret signed an installed shop's subscriptions (a fingerprint, never the secret)",
    // NULL for the shops already installed: unknown (app-mode/start-up-resubscribe.ts).
    sql: 'ALTER TABLE app_shops ADD COLUMN secret_fingerprint text;',
  },
  {
    version: 17,
    name: 'quarantined deliveries: which part and field failed to decode, and the value found (NULL: quarantined before this version)',
    // Written by a plain INSERT (pg-ingest.ts quarantine), not by the batched ingest functions, whose
    // signatures receivers of earlier versions keep calling during a rolling update; a delivery such a
    // receiver quarantines meanwhile has NULL here ("not recorded").
    sql: 'ALTER TABLE deliveries ADD COLUMN decode_error_detail json;',
  },
  {
    version: 18,
    name: 'event statuses left pending or retrying with every job finished (two outcomes of one event at once, before this version) computed again from their jobs',
    // The outcomes' status refresh now locks the event row first (pg-jobs.ts refreshEventStatus); before,
    // two outcomes of one event committing at once could each count the other's job as running. This
    // recomputes, once, the events such a race left: pending or retrying with no job pending or running.
    // The same rule as event-status-sql.ts, written out here (an applied migration never changes).
    sql: `
UPDATE events SET status = CASE
    WHEN duplicate_of IS NOT NULL THEN 'duplicate'
    WHEN held = TRUE THEN 'held'
    WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.event_id = events.id AND j.status = 'dead') THEN 'dead'
    WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.event_id = events.id) THEN 'succeeded'
    ELSE 'stored' END
  WHERE status IN ('pending', 'retrying')
    AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.event_id = events.id AND j.status IN ('pending', 'running'));
`,
  },
  {
    version: 19,
    name: "handler errors: the receiver's own words about each failure, shown unmasked beside the hidden error (NULL: none given, or failed before this version)",
    // Written by the outcome statements (pg-jobs.ts); a receiver of an earlier version leaves them NULL
    // during a rolling update, and its failures show as before (hidden whole).
    sql: `
ALTER TABLE jobs ADD COLUMN last_error_summary text;
ALTER TABLE job_attempts ADD COLUMN error_summary text;
`,
  },
  {
    version: 20,
    name: 'app mode: the background retry also finds installed shops whose later install step failed (they stay installed), by the time their step is due',
    // Every shop with a step due has next_attempt_at set (uninstalled and done ones have NULL); a receiver of
    // an earlier version (its query: status = 'pending' AND next_attempt_at <= $1) uses this index as well.
    sql: `
DROP INDEX app_shops_due;
CREATE INDEX app_shops_step_due ON app_shops (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
`,
  },
  {
    version: 21,
    name: "personal data erasure (GDPR art. 17): when an event's or a delivery's personal data was erased, and the operator's request reference",
    // NULL: not erased. Written by the erasure (erase-plan.ts), which also clears the payload, raw body and texts; a
    // receiver of an earlier version reads the rows as before during a rolling update (an empty payload and body).
    sql: `
ALTER TABLE events ADD COLUMN erased_at timestamptz, ADD COLUMN erase_reason text;
ALTER TABLE deliveries ADD COLUMN erased_at timestamptz, ADD COLUMN erase_reason text;
`,
  },
  {
    version: 22,
    name: 'app mode: when the last install call for a shop came, so a late (spooled) uninstall yields only to an install call after it, not to an install step written after it',
    // NULL: no install call since this version (a late uninstall then compares with updated_at, as before); a
    // receiver of an earlier version leaves it as it is.
    sql: 'ALTER TABLE app_shops ADD COLUMN install_called_at timestamptz;',
  },
  {
    version: 23,
    name: "what changed since a time: the jobs by when they were last written, the re-processed deliveries by when (the deliveries list's changedSince, events tail's catch-up)",
    // Columns every version writes already, so a receiver of an earlier version keeps them right during a
    // rolling update. Built concurrently on a large store, as version 11's (an old receiver's job writes
    // are not held off); the partial index holds only the few re-processed deliveries.
    sql: '',
    indexes: [
      { name: 'jobs_updated_at', table: 'jobs', definition: '(updated_at)' },
      {
        name: 'deliveries_reprocessed_at',
        table: 'deliveries',
        definition: '(reprocessed_at) WHERE reprocessed_at IS NOT NULL',
      },
    ],
  },
  {
    version: 24,
    name: "when a delivery entered the store if not as it arrived (drained from the spool; received_at stays its arrival): the deliveries list's changedSince lists it then, so events tail's catch-up shows it",
    // NULL: stored as it arrived (every delivery before this version). Set by the spool's drain
    // (pg-spooled-ingest.ts), also on a delivery it finds stored late. A receiver of an earlier version
    // draining its spool during a rolling update leaves it NULL (listed by its arrival).
    sql: 'ALTER TABLE deliveries ADD COLUMN stored_at timestamptz;',
  },
  {
    version: 25,
    name: "the deliveries stored later than they arrived, by when (the deliveries list's changedSince)",
    // Only those deliveries (a partial index), built concurrently on a large store as version 11's.
    sql: '',
    indexes: [
      {
        name: 'deliveries_stored_at',
        table: 'deliveries',
        definition: '(stored_at) WHERE stored_at IS NOT NULL',
      },
    ],
  },
  {
    version: 26,
    name: "the erased deliveries and events, newest first (the lists' erased=true filter: without it, a scan of every row of a large store)",
    // Partial indexes holding only the few erased rows, built concurrently on a large store as version 11's.
    sql: '',
    indexes: [
      { name: 'deliveries_erased', table: 'deliveries', definition: '(id) WHERE erased_at IS NOT NULL' },
      { name: 'events_erased', table: 'events', definition: '(id) WHERE erased_at IS NOT NULL' },
    ],
  },
  {
    version: 27,
    name: 'which version of the search text rule composed the stored search texts (stored-search-text.ts SEARCH_TEXT_RULES): a store at an older one is composed again at start',
    // Version 1: what version 13 left every event with. Once the store is migrated, a background pass
    // (search-text-rebuild.ts) composes again what later rules change and records their versions. A
    // receiver of an earlier version neither reads nor writes the table.
    sql: `
CREATE TABLE search_text_versions (version integer PRIMARY KEY, name text NOT NULL, rebuilt_at timestamptz NOT NULL DEFAULT now());
INSERT INTO search_text_versions (version, name, rebuilt_at) VALUES (1, 'as schema version 13 composed them', 'epoch');
`,
    // A new store has no search text an older rule composed: it is at the newest rule from the start
    // (no pass at its first start). A store upgraded from before stays at version 1 and is composed again.
    newStore: async (client) => {
      const rules = SEARCH_TEXT_RULES.filter((rule) => rule.version > 1);
      await client.query(
        'INSERT INTO search_text_versions (version, name) SELECT * FROM unnest($1::int[], $2::text[])',
        [rules.map((rule) => rule.version), rules.map((rule) => rule.name)],
      );
    },
  },
];

import type Database from 'better-sqlite3';
import { assertStoreNotNewer } from '../store-errors.js';
import { mayHoldSeveralPhones, SEARCH_TEXT_RULES } from '../stored-search-text.js';
import { rewriteSqliteCustomerNames } from './sqlite-name-order.js';
import { rewriteSqliteSearchTexts } from './sqlite-search-text.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** Rewrites stored data after `sql`, in the same transaction. */
  data?: (db: Database.Database) => void;
  /**
   * Only when this open creates the store (no version applied before: a new file): after `sql` and
   * `data`, in the same transaction, what a new store holds that one upgraded from before does not.
   */
  newStore?: (db: Database.Database) => void;
}

/**
 * Versioned schema. Append new versions; never edit an applied one. Times are epoch milliseconds,
 * booleans 0/1, JSON as text. Same table and column names as the PostgreSQL schema.
 */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'deliveries, events, jobs, attempts, handler states',
    sql: `
CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  received_at INTEGER NOT NULL,
  shop TEXT NOT NULL,
  event TEXT NOT NULL,
  remote_address TEXT NOT NULL,
  headers TEXT NOT NULL,
  content_type TEXT NOT NULL,
  raw_body BLOB NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('stored', 'quarantined', 'reprocessed')),
  decode_error_code TEXT,
  decode_error_message TEXT,
  reprocessed_at INTEGER
);
CREATE INDEX deliveries_received_at ON deliveries (received_at);
CREATE INDEX deliveries_shop_event ON deliveries (shop, event, id);
CREATE INDEX deliveries_status ON deliveries (status, id);

CREATE TABLE events (
  id TEXT PRIMARY KEY,
  delivery_id TEXT NOT NULL REFERENCES deliveries (id),
  shop TEXT NOT NULL,
  event TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  dedupe_key TEXT NOT NULL,
  subject_id TEXT,
  payload TEXT NOT NULL,
  duplicate_of TEXT REFERENCES events (id),
  order_number TEXT,
  customer_name TEXT,
  gross_total TEXT,
  currency TEXT,
  search_text TEXT NOT NULL,
  status TEXT NOT NULL,
  verification TEXT NOT NULL DEFAULT 'unverified' CHECK (verification IN ('unverified', 'verified', 'mismatched')),
  verification_detail TEXT,
  held INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX events_dedupe ON events (shop, event, dedupe_key) WHERE duplicate_of IS NULL;
CREATE INDEX events_delivery ON events (delivery_id);
CREATE INDEX events_received_at ON events (received_at);
CREATE INDEX events_status ON events (status, id);

CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  event_id TEXT NOT NULL REFERENCES events (id),
  handler TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  min_attempt INTEGER NOT NULL DEFAULT 1,
  run_at INTEGER NOT NULL,
  lease_owner TEXT,
  lease_expires_at INTEGER,
  last_error TEXT,
  last_status_code INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER,
  UNIQUE (event_id, handler)
);
CREATE INDEX jobs_pending ON jobs (run_at) WHERE status = 'pending';
CREATE INDEX jobs_running ON jobs (lease_expires_at) WHERE status = 'running';
CREATE INDEX jobs_dead ON jobs (finished_at) WHERE status = 'dead';

CREATE TABLE job_attempts (
  job_id TEXT NOT NULL REFERENCES jobs (id),
  attempt INTEGER NOT NULL,
  worker_id TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  outcome TEXT NOT NULL,
  status_code INTEGER,
  error TEXT,
  PRIMARY KEY (job_id, attempt)
);

CREATE TABLE handler_states (
  handler TEXT PRIMARY KEY,
  disabled INTEGER NOT NULL,
  reason TEXT,
  changed_at INTEGER NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'admin session revocations (logout, shared by every process on the file)',
    sql: `
CREATE TABLE admin_session_revocations (
  session_id TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
`,
  },
  {
    version: 3,
    name: 'recovery: source of deliveries and events, per-shop watermark and last pass',
    sql: `
ALTER TABLE deliveries ADD COLUMN source TEXT NOT NULL DEFAULT 'webhook' CHECK (source IN ('webhook', 'recovery'));
ALTER TABLE events ADD COLUMN source TEXT NOT NULL DEFAULT 'webhook' CHECK (source IN ('webhook', 'recovery'));
CREATE INDEX deliveries_shop_source ON deliveries (shop, source, received_at);
CREATE TABLE recovery_state (
  shop TEXT PRIMARY KEY,
  watermark INTEGER,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  last_pass TEXT
);
`,
  },
  {
    version: 4,
    name: 'platform app: installed shops and used app request codes (app mode)',
    sql: `
CREATE TABLE app_shops (
  shop TEXT PRIMARY KEY,
  status TEXT NOT NULL CHECK (status IN ('pending', 'installed', 'uninstalled')),
  installed_at INTEGER NOT NULL,
  app_version TEXT,
  uninstalled_at INTEGER,
  pending_reason TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  subscriptions TEXT NOT NULL DEFAULT '[]',
  updated_at INTEGER NOT NULL
);
CREATE INDEX app_shops_due ON app_shops (next_attempt_at) WHERE status = 'pending';

CREATE TABLE app_request_codes (
  code_key TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
`,
  },
  {
    version: 5,
    name: 'platform app: payment subjects bound to the shop they first came under, filed payment notifications',
    sql: `
CREATE TABLE app_payment_subjects (
  subject TEXT PRIMARY KEY,
  shop TEXT NOT NULL,
  bound_at INTEGER NOT NULL
);
CREATE TABLE app_payment_notifications (
  dedupe_key TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
CREATE INDEX app_payment_notifications_expiry ON app_payment_notifications (expires_at);
`,
  },
  {
    version: 6,
    name: 'retention of payment subjects: when their last notification was stored; payment events by subject',
    sql: `
ALTER TABLE app_payment_subjects ADD COLUMN last_notification_at INTEGER NOT NULL DEFAULT 0;
UPDATE app_payment_subjects SET last_notification_at = bound_at;
CREATE INDEX app_payment_subjects_last ON app_payment_subjects (last_notification_at);
CREATE INDEX events_payment_subject ON events (subject_id) WHERE event IN ('payment_status', 'payment_card_change');
`,
  },
  {
    version: 7,
    name: 'customer names family name first (Kovács Éva), composed again from the stored payloads',
    sql: '',
    data: rewriteSqliteCustomerNames,
  },
  {
    version: 8,
    name: "disabled handlers' reasons without the target's answer (an earlier receiver stored its 410 body)",
    sql: `
UPDATE handler_states SET reason = 'HTTP 410 Gone (recorded by an earlier receiver; the answer is no longer kept): fix the URL, then enable the handler again'
  WHERE reason IS NOT NULL AND reason NOT LIKE 'HTTP 410 Gone from %';
`,
  },
  {
    version: 9,
    name: 'indexes for a large store: lists by shop and recovery source newest first, text search and event filters without reading payloads, duplicates by original',
    // Measured on 180,000 deliveries / 204,000 events (bench/scale-check.mjs): events of a small shop
    // 1.8 s (a scan of every event), the last delivery of each shop (GET /shops) 0.7 s (every delivery
    // of a big shop sorted), a text search finding little 2-3.7 s (every event row read with its
    // payload's overflow pages to reach search_text), deliveries with a held event 1.3 s, recovery
    // records 0.5 s. The search and status checks now read these indexes only; events_delivery is a
    // prefix of the new lookup index. The recovery indexes hold only recovery rows (list-query.ts
    // filters the source with a literal so SQLite can use them). Retention looked up the duplicates of
    // each chunk's events (and the foreign key check of each deleted event) by scanning every event: a
    // dry run over 90 of 180 days took 202 s.
    sql: `
CREATE INDEX deliveries_shop ON deliveries (shop, id);
CREATE INDEX events_shop ON events (shop, id);
CREATE INDEX events_search ON events (id, search_text);
CREATE INDEX events_delivery_lookup ON events (delivery_id, status, search_text);
DROP INDEX events_delivery;
CREATE INDEX deliveries_recovery ON deliveries (id) WHERE source = 'recovery';
CREATE INDEX events_recovery ON events (id) WHERE source = 'recovery';
CREATE INDEX events_duplicate_of ON events (duplicate_of) WHERE duplicate_of IS NOT NULL;
`,
  },
  {
    version: 10,
    name: "text search by the customer's e-mail address and phone number: search texts composed again from the stored payloads",
    sql: '',
    data: (db) => rewriteSqliteSearchTexts(db),
  },
  {
    version: 11,
    name: 'text search by each number of a phone field that holds several, a bare one too: those search texts composed again',
    sql: '',
    data: (db) => rewriteSqliteSearchTexts(db, mayHoldSeveralPhones),
  },
  {
    version: 12,
    name: 'who disabled a handler: its target (HTTP 410) or an operator (handlers disable)',
    sql: `
ALTER TABLE handler_states ADD COLUMN disabled_by TEXT;
UPDATE handler_states SET disabled_by = 'target' WHERE disabled = 1;
`,
  },
  {
    version: 13,
    name: "app mode: which URL secret signed an installed shop's subscriptions (a fingerprint, never the secret)",
    // NULL for the shops already installed: unknown (app-mode/start-up-resubscribe.ts).
    sql: 'ALTER TABLE app_shops ADD COLUMN secret_fingerprint TEXT;',
  },
  {
    version: 14,
    name: 'quarantined deliveries: which part and field failed to decode, and the value found (JSON; NULL: quarantined before this version)',
    sql: 'ALTER TABLE deliveries ADD COLUMN decode_error_detail TEXT;',
  },
  {
    version: 15,
    name: "handler errors: the receiver's own words about each failure, shown unmasked beside the hidden error (NULL: none given, or failed before this version)",
    sql: `ALTER TABLE jobs ADD COLUMN last_error_summary TEXT;
ALTER TABLE job_attempts ADD COLUMN error_summary TEXT;`,
  },
  {
    version: 16,
    name: 'app mode: the background retry also finds installed shops whose later install step failed (they stay installed), by the time their step is due',
    // Every shop with a step due has next_attempt_at set (uninstalled and done ones have NULL); a receiver of
    // an earlier version (its query: status = 'pending' AND next_attempt_at <= ?) uses this index as well.
    sql: `DROP INDEX app_shops_due;
CREATE INDEX app_shops_step_due ON app_shops (next_attempt_at) WHERE next_attempt_at IS NOT NULL;`,
  },
  {
    version: 17,
    name: "personal data erasure (GDPR art. 17): when an event's or a delivery's personal data was erased, and the operator's request reference",
    // NULL: not erased. Written by the erasure (erase-plan.ts), which also clears the payload, raw body and texts.
    sql: `ALTER TABLE events ADD COLUMN erased_at INTEGER;
ALTER TABLE events ADD COLUMN erase_reason TEXT;
ALTER TABLE deliveries ADD COLUMN erased_at INTEGER;
ALTER TABLE deliveries ADD COLUMN erase_reason TEXT;`,
  },
  {
    version: 18,
    name: 'app mode: when the last install call for a shop came, so a late (spooled) uninstall yields only to an install call after it, not to an install step written after it',
    // NULL: no install call since this version (a late uninstall then compares with updated_at, as before).
    sql: 'ALTER TABLE app_shops ADD COLUMN install_called_at INTEGER;',
  },
  {
    version: 19,
    name: "what changed since a time: the jobs by when they were last written, the re-processed deliveries by when (the deliveries list's changedSince, events tail's catch-up)",
    // Columns every version writes already; the partial index holds only the few re-processed deliveries.
    sql: `CREATE INDEX jobs_updated_at ON jobs (updated_at);
CREATE INDEX deliveries_reprocessed_at ON deliveries (reprocessed_at) WHERE reprocessed_at IS NOT NULL;`,
  },
  {
    version: 20,
    name: "when a delivery entered the store if not as it arrived (drained from the spool; received_at stays its arrival): the deliveries list's changedSince lists it then, so events tail's catch-up shows it",
    // NULL: stored as it arrived (every delivery before this version). Set by the spool's drain (sqlite-ingest.ts
    // storeSpooledPrepared), also on a delivery it finds stored late; the partial index holds only those.
    sql: `ALTER TABLE deliveries ADD COLUMN stored_at INTEGER;
CREATE INDEX deliveries_stored_at ON deliveries (stored_at) WHERE stored_at IS NOT NULL;`,
  },
  {
    version: 21,
    name: "the erased deliveries and events, newest first (the lists' erased=true filter: without it, a scan of every row of a large store)",
    // Partial indexes: they hold only the few erased rows, so storing a delivery pays nothing for them.
    sql: `CREATE INDEX deliveries_erased ON deliveries (id) WHERE erased_at IS NOT NULL;
CREATE INDEX events_erased ON events (id) WHERE erased_at IS NOT NULL;`,
  },
  {
    version: 22,
    name: 'which version of the search text rule composed the stored search texts (stored-search-text.ts SEARCH_TEXT_RULES): a store at an older one is composed again at start',
    // Version 1: what version 11 left every event with. Once the store is migrated, a background pass
    // (search-text-rebuild.ts) composes again what later rules change and records their versions.
    sql: `CREATE TABLE search_text_versions (version INTEGER PRIMARY KEY, name TEXT NOT NULL, rebuilt_at INTEGER NOT NULL);
INSERT INTO search_text_versions (version, name, rebuilt_at) VALUES (1, 'as schema version 11 composed them', 0);`,
    // A new store has no search text an older rule composed: it is at the newest rule from the start
    // (no pass at its first open). A store upgraded from before stays at version 1 and is composed again.
    newStore: (db) => {
      const record = db.prepare(
        'INSERT INTO search_text_versions (version, name, rebuilt_at) VALUES (?, ?, ?)',
      );
      for (const rule of SEARCH_TEXT_RULES)
        if (rule.version > 1) record.run(rule.version, rule.name, Date.now());
    },
  },
];

/**
 * Applies the migrations not yet recorded in `schema_migrations`, each in its own IMMEDIATE transaction
 * (which also serialises two processes opening the same file). Running it again changes nothing.
 */
export function applySqliteMigrations(
  db: Database.Database,
  migrations: readonly Migration[] = SQLITE_MIGRATIONS,
): number[] {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  );
  const isApplied = db.prepare<[number], { version: number }>(
    'SELECT version FROM schema_migrations WHERE version = ?',
  );
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const recorded = db
    .prepare<[], { version: number }>('SELECT version FROM schema_migrations')
    .all()
    .map((row) => row.version);
  assertStoreNotNewer(recorded, migrations);
  // This open creates the store: the migrations' `newStore` steps run, each with its version (a version
  // another process applied meanwhile is skipped, its step with it). A start cut off part way leaves a
  // store the next open upgrades: it has no `newStore` steps (for search texts, an empty pass).
  const created = recorded.length === 0;
  const applied: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    const apply = db.transaction(() => {
      if (isApplied.get(migration.version) !== undefined) return false;
      db.exec(migration.sql);
      migration.data?.(db);
      if (created) migration.newStore?.(db);
      record.run(migration.version, migration.name, Date.now());
      return true;
    });
    if (apply.immediate()) applied.push(migration.version);
  }
  return applied;
}

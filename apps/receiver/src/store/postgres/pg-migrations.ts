import type { ClientBase } from 'pg';
import { assertStoreNotNewer } from '../store-errors.js';
import { guardLockSession, LOCK_IDLE_TIMEOUT_MS, type LockSessionGuard } from './lock-session-guard.js';
import { PG_MIGRATIONS } from './pg-migration-list.js';

export { PG_MIGRATIONS };

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /**
   * Indexes on tables in use (built after `sql`, which must then be empty). While every table is at most
   * the inline size (a fresh store, a small one) they are built in the version's transaction, as `sql`
   * would; on a larger table with CREATE INDEX CONCURRENTLY, outside a transaction, so the other
   * receivers' inserts are not held off for the build (see applyPgMigrations).
   */
  indexes?: readonly MigrationIndex[];
  /**
   * Rewrites stored rows page by page, each page's statements committed on their own (not in the
   * version's transaction: `sql` must be empty), so rows are locked for one page at a time and a start cut
   * off in the middle keeps what it did. Must be idempotent: a later start runs it again from the top.
   * `progress` is called with the rows read so far.
   */
  rewrite?: (client: ClientBase, progress: (rows: number) => void) => Promise<void>;
  /**
   * Only when this start creates the store (no version applied before): after `sql`, in the version's
   * transaction (a version with neither `indexes` nor `rewrite`), what a new store holds that one
   * upgraded from before does not.
   */
  newStore?: (client: ClientBase) => Promise<void>;
}

export interface MigrationIndex {
  name: string;
  table: string;
  /** What follows `ON <table>` (columns, predicate), as in CREATE INDEX. */
  definition: string;
}

/** What a migration start reports as it goes (the receiver logs it: a long migration is seen to move). */
export type MigrationProgress =
  | { step: 'version'; version: number; name: string }
  | { step: 'version-done'; version: number; ms: number }
  | { step: 'index'; version: number; index: string; concurrently: boolean }
  | { step: 'rows'; version: number; rows: number }
  | { step: 'waiting-for-lock' }
  /** A periodic check that the migration's connection is alive: its state and what it waits for, if anything. */
  | { step: 'running'; state: string | null; wait: string | null };

export interface MigrationOptions {
  /** Tables up to this size get a migration's indexes in its transaction, larger ones concurrently. Default 8 MB. */
  indexInlineMaxBytes?: number;
  onProgress?: (progress: MigrationProgress) => void;
  /**
   * The migration lock's session is ended by the server once silent this long (the migrating receiver cut
   * off from it), so another receiver can migrate (lock-session-guard.ts). Default 60000 ms.
   */
  lockIdleTimeoutMs?: number;
}

/** Identifier check for the optional schema (it is interpolated into DDL). */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

async function schemaExists(client: ClientBase, schema: string): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>('SELECT to_regnamespace($1) IS NOT NULL AS ok', [
    `"${schema}"`,
  ]);
  return rows[0]?.ok === true;
}

/** Tables up to this size get a migration's indexes inside its transaction (as pg-search-index.ts). */
export const MIGRATION_INDEX_INLINE_MAX_BYTES = 8 * 1024 * 1024;

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Applies the migrations not yet recorded in `schema_migrations`, under a session advisory lock so two
 * instances starting together apply each version once (the second tries again until it gets it, then
 * finds them applied; the lock ends with the session, so a start cut off frees it). A version runs in its own transaction and is
 * recorded in it — except the steps that must not hold the other receivers off while they run:
 *
 * - `indexes` on a table larger than `indexInlineMaxBytes`: CREATE INDEX CONCURRENTLY, one at a time and
 *   outside a transaction (inserts go on; the build waits for the transactions open on the table). An
 *   index of the name left INVALID by a build that was cut off is dropped (concurrently) and built again,
 *   a valid one is kept. Then the version is recorded in a transaction of its own.
 * - `rewrite`: page by page, each page committed; then the version is recorded.
 *
 * A start cut off between such steps leaves the version unrecorded: the next start runs it again, which
 * its steps allow (IF NOT EXISTS, the INVALID check, idempotent rewrites). `client` must have no query
 * timeout: a step may wait for locks and run for minutes on a large store.
 */
export async function applyPgMigrations(
  client: ClientBase,
  schema: string | null,
  migrations: readonly Migration[] = PG_MIGRATIONS,
  options: MigrationOptions = {},
): Promise<number[]> {
  const lockName = `srhooks.migrate:${schema ?? 'default'}`;
  const onProgress = options.onProgress ?? (() => {});
  await takeLock(client, lockName, onProgress);
  let guard: LockSessionGuard | undefined;
  try {
    // Statement after statement: its session is idle only between them, so it needs no talking.
    guard = await guardLockSession(client, options.lockIdleTimeoutMs ?? LOCK_IDLE_TIMEOUT_MS, {
      talk: false,
    });
    // Only when missing: CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema
    // exists, which a role given only its own schema does not have.
    if (schema !== null && !(await schemaExists(client, schema)))
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map(
        (row) => row.version,
      ),
    );
    assertStoreNotNewer(done, migrations);
    // This start creates the store: the migrations' `newStore` steps run. A start cut off part way leaves
    // a store the next start upgrades, without them (for search texts, an empty pass).
    const created = done.size === 0;
    const applied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      const started = performance.now();
      onProgress({ step: 'version', version: migration.version, name: migration.name });
      await applyOne(
        client,
        migration,
        options.indexInlineMaxBytes ?? MIGRATION_INDEX_INLINE_MAX_BYTES,
        onProgress,
        created,
      );
      onProgress({ step: 'version-done', version: migration.version, ms: performance.now() - started });
      applied.push(migration.version);
    }
    return applied;
  } finally {
    await guard?.stop({ reset: true });
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockName]);
  }
}

/** How often an instance waiting for another's migrations tries the migration lock again. */
const LOCK_RETRY_MS = 250;

/**
 * Takes the migration lock, trying again every LOCK_RETRY_MS while another instance holds it. Never a
 * blocking pg_advisory_lock: a CREATE INDEX CONCURRENTLY waits for every transaction with an older
 * snapshot, a statement waiting for the lock among them, while that statement waited for the build's
 * session to release the lock — a deadlock PostgreSQL ended by failing one of them (measured).
 */
async function takeLock(
  client: ClientBase,
  lockName: string,
  onProgress: (progress: MigrationProgress) => void,
): Promise<void> {
  for (let reported = false; ; reported = true) {
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [
      lockName,
    ]);
    if (rows[0]?.ok === true) return;
    if (!reported) onProgress({ step: 'waiting-for-lock' });
    await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
  }
}

async function inTransaction(client: ClientBase, work: () => Promise<void>): Promise<void> {
  await client.query('BEGIN');
  try {
    await work();
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

async function applyOne(
  client: ClientBase,
  migration: Migration,
  inlineMaxBytes: number,
  onProgress: (progress: MigrationProgress) => void,
  created: boolean,
): Promise<void> {
  const record = () =>
    client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
      migration.version,
      migration.name,
    ]);
  const indexes = migration.indexes ?? [];
  if ((indexes.length > 0 || migration.rewrite !== undefined) && migration.sql !== '') {
    throw new Error(`migration ${migration.version}: indexes and rewrites come with an empty sql`);
  }
  if ((indexes.length > 0 || migration.rewrite !== undefined) && migration.newStore !== undefined) {
    throw new Error(
      `migration ${migration.version}: a newStore step needs a version without indexes or rewrite`,
    );
  }
  const concurrently = indexes.length > 0 && (await largestTableBytes(client, indexes)) > inlineMaxBytes;
  if (!concurrently && migration.rewrite === undefined) {
    await inTransaction(client, async () => {
      if (migration.sql !== '') await client.query(migration.sql);
      if (created) await migration.newStore?.(client);
      for (const index of indexes) {
        onProgress({ step: 'index', version: migration.version, index: index.name, concurrently: false });
        await dropIfInvalid(client, index, false);
        await client.query(createIndexSql(index, false));
      }
      await record();
    });
    return;
  }
  for (const index of concurrently ? indexes : []) {
    onProgress({ step: 'index', version: migration.version, index: index.name, concurrently: true });
    await dropIfInvalid(client, index, true);
    await client.query(createIndexSql(index, true));
  }
  await migration.rewrite?.(client, (rows) => onProgress({ step: 'rows', version: migration.version, rows }));
  await inTransaction(client, async () => {
    await record();
  });
}

function createIndexSql(index: MigrationIndex, concurrently: boolean): string {
  return `CREATE INDEX${concurrently ? ' CONCURRENTLY' : ''} IF NOT EXISTS ${quoteIdent(index.name)} ON ${quoteIdent(index.table)} ${index.definition}`;
}

/** The largest of the indexed tables, in bytes (the tables are in the search_path's schema). */
async function largestTableBytes(client: ClientBase, indexes: readonly MigrationIndex[]): Promise<number> {
  const { rows } = await client.query<{ bytes: string | null }>(
    'SELECT max(pg_relation_size(to_regclass(t))) AS bytes FROM unnest($1::text[]) AS t',
    [indexes.map((index) => quoteIdent(index.table))],
  );
  return Number(rows[0]?.bytes ?? 0);
}

/** An index of this name left INVALID (a concurrent build cut off or failed) is dropped, to be built again. */
async function dropIfInvalid(
  client: ClientBase,
  index: MigrationIndex,
  concurrently: boolean,
): Promise<void> {
  const { rows } = await client.query<{ schema: string }>(
    `SELECT n.nspname AS schema FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE i.indrelid = to_regclass($1) AND c.relname = $2 AND NOT i.indisvalid`,
    [quoteIdent(index.table), index.name],
  );
  const invalid = rows[0];
  if (invalid === undefined) return;
  await client.query(
    `DROP INDEX${concurrently ? ' CONCURRENTLY' : ''} IF EXISTS ${quoteIdent(invalid.schema)}.${quoteIdent(index.name)}`,
  );
}

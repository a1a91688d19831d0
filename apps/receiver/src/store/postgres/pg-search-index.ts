/**
 * The text search's trigram index on PostgreSQL. The inspector's and admin API's search matches every term
 * with `e.search_text LIKE '%term%'` (list-query.ts), which a b-tree cannot serve: without this index
 * every search reads the whole events table. A GIN index with pg_trgm's `gin_trgm_ops` serves such a
 * LIKE for a term of 3 or more characters (a shorter one has no trigram to look up and is still a scan).
 *
 * This is a start-up step beside the numbered migrations (migration 15 only marks the version), run
 * after them at every start, because it may not be possible the first time: pg_trgm is an extension,
 * and although it is a trusted one (PostgreSQL 13+: a role with CREATE on the database may create it), a
 * receiver's role may not have that privilege. Then the step does not fail: it reports why (the start-up
 * logs one warning with the SQL an operator runs, `CREATE EXTENSION pg_trgm;`), search keeps working by
 * scan, and a later start builds the index. What it does, under a session advisory lock per schema (one
 * instance of several starting together builds; the others see the lock taken and go on):
 *
 * 1. An index of that name that is INVALID (a concurrent build that failed or was cancelled, e.g. by a
 *    receiver stopping mid-build) is dropped, so it is built again; a valid one means done.
 * 2. pg_trgm is looked up in pg_extension; if absent, created (`CREATE EXTENSION IF NOT EXISTS pg_trgm`, in
 *    `public` where that schema exists, so that it outlives any one receiver's schema and every schema of
 *    the database can share it; a role with CREATE on the database may put a trusted extension there).
 * 3. The index is built with the operator class schema-qualified from wherever the extension lives
 *    (the receiver's search_path may be its own schema only). A small events table (at most
 *    `inlineMaxBytes`, default 8 MB: a fresh store, a test) is indexed by a plain CREATE INDEX before the
 *    store is used (it holds off writes for a moment, and gives up after a 5 s lock wait); a larger one
 *    with CREATE INDEX CONCURRENTLY, which does not hold off ingest but takes longer, so it runs in the
 *    background (`onBackgroundBuild`) while the receiver serves. If the concurrent build fails the index
 *    is left INVALID (never used by a query) and the next start drops and builds it again.
 */
import type pg from 'pg';
import { guardLockSession, LOCK_IDLE_TIMEOUT_MS, type LockSessionGuard } from './lock-session-guard.js';

/** The trigram index's name (in the schema of `events`). */
export const SEARCH_INDEX_NAME = 'events_search_text_trgm';
/** Events tables up to this size are indexed before the store is used, larger ones concurrently. */
export const INLINE_BUILD_MAX_BYTES = 8 * 1024 * 1024;

/** What the operator runs, as a role allowed to, in the receiver's database. */
export const CREATE_EXTENSION_SQL = 'CREATE EXTENSION pg_trgm;';

export type PgSearchIndexStatus =
  /** The index is there and valid. */
  | { state: 'ready' }
  /** This start built it (`concurrently`: in the background, while the receiver served). */
  | { state: 'built'; concurrently: boolean }
  /** Another instance holds the build lock (it is building the index, or deciding to). */
  | { state: 'building-elsewhere' }
  /** A concurrent build runs in the background; `done` tells how it ended. */
  | { state: 'building'; done: Promise<PgSearchIndexStatus> }
  /**
   * No index: text search reads every event. `reason`: pg_trgm is not installed on the server
   * ('not-available'), this role may not create it ('no-privilege'), or a step failed ('failed').
   * `warning` is the one line to log (what is slower, and what to do).
   */
  | { state: 'unavailable'; reason: 'not-available' | 'no-privilege' | 'failed'; warning: string };

export interface SearchIndexOptions {
  /** Label of the store's schema (its advisory lock). */
  schema: string | null;
  inlineMaxBytes?: number;
  /** Called just before a concurrent build starts (the caller may stop waiting for this step). */
  onBackgroundBuild?: () => void;
  /**
   * The build lock is released by the server once its session has been silent this long (the builder cut
   * off from the server; lock-session-guard.ts). Default LOCK_IDLE_TIMEOUT_MS (60 s).
   */
  lockIdleTimeoutMs?: number;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

const SCAN = 'PostgreSQL text search (admin API and inspector `q`) reads every event';

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Makes sure the trigram index exists (see the file comment). `client` is a connection of its own (no
 * query timeout: a concurrent build may take minutes), with the store's search_path; it is not released.
 * Never throws for a missing extension or privilege: those come back as `unavailable`. A lost
 * connection does throw.
 */
export async function ensurePgSearchIndex(
  client: pg.ClientBase,
  options: SearchIndexOptions,
): Promise<PgSearchIndexStatus> {
  const lockName = `srhooks.search-index:${options.schema ?? 'default'}`;
  const locked = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [
    lockName,
  ]);
  if (locked.rows[0]?.ok !== true) {
    return (await indexValid(client)) === true ? { state: 'ready' } : { state: 'building-elsewhere' };
  }
  let guard: LockSessionGuard | undefined;
  try {
    // Statement after statement, never waiting on anything but the server between them: no talking.
    guard = await guardLockSession(client, options.lockIdleTimeoutMs ?? LOCK_IDLE_TIMEOUT_MS, {
      talk: false,
    });
    return await ensureLocked(client, options);
  } finally {
    // The session's idle limits are set back (the caller may go on using the connection); a link that
    // failed is reported by the unlock.
    await guard?.stop({ reset: true }).catch(() => {});
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockName]);
  }
}

/** The events table's schema, and whether the index exists (null) and is valid. */
async function indexValid(client: pg.ClientBase): Promise<boolean | null> {
  const { rows } = await client.query<{ valid: boolean }>(
    `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = 'events'::regclass AND c.relname = $1`,
    [SEARCH_INDEX_NAME],
  );
  return rows[0]?.valid ?? null;
}

/** The schema pg_trgm is installed in, or null when it is not installed in this database. */
export async function trgmSchema(client: pg.ClientBase): Promise<string | null> {
  const { rows } = await client.query<{ nspname: string }>(
    `SELECT n.nspname FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace WHERE x.extname = 'pg_trgm'`,
  );
  return rows[0]?.nspname ?? null;
}

async function ensureLocked(
  client: pg.ClientBase,
  options: SearchIndexOptions,
): Promise<PgSearchIndexStatus> {
  const { rows: tableRows } = await client.query<{ nspname: string; bytes: string }>(
    `SELECT n.nspname, pg_relation_size(c.oid) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = 'events'::regclass`,
  );
  const table = tableRows[0];
  if (table === undefined) throw new Error('the events table is missing (migrations not applied)');
  const index = `${quoteIdent(table.nspname)}.${quoteIdent(SEARCH_INDEX_NAME)}`;
  const valid = await indexValid(client);
  if (valid === true) return { state: 'ready' };
  if (valid === false) await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${index}`);

  const extension = await installTrgm(client);
  if (typeof extension !== 'string') return extension;

  const ddl = (concurrently: boolean) =>
    `CREATE INDEX${concurrently ? ' CONCURRENTLY' : ''} IF NOT EXISTS ${quoteIdent(SEARCH_INDEX_NAME)}
       ON ${quoteIdent(table.nspname)}.events USING gin (search_text ${quoteIdent(extension)}.gin_trgm_ops)`;
  try {
    if (Number(table.bytes) <= (options.inlineMaxBytes ?? INLINE_BUILD_MAX_BYTES)) {
      await client.query('BEGIN');
      try {
        await client.query(`SET LOCAL lock_timeout = '5s'`);
        await client.query(ddl(false));
        await client.query('COMMIT');
        return { state: 'built', concurrently: false };
      } catch (error) {
        await client.query('ROLLBACK');
        if (sqlState(error) !== '55P03') throw error; // lock_not_available: busy, build concurrently
      }
    }
    options.onBackgroundBuild?.();
    await client.query(ddl(true));
    return { state: 'built', concurrently: true };
  } catch (error) {
    return {
      state: 'unavailable',
      reason: 'failed',
      warning: `${SCAN}: building its trigram index ${SEARCH_INDEX_NAME} failed (${message(error)}); the next start tries again`,
    };
  }
}

/** pg_trgm's schema once installed (by someone else or now), or why it cannot be. */
async function installTrgm(
  client: pg.ClientBase,
): Promise<string | Extract<PgSearchIndexStatus, { state: 'unavailable' }>> {
  const installed = await trgmSchema(client);
  if (installed !== null) return installed;
  const { rows } = await client.query<{ available: boolean; has_public: boolean; db: string; role: string }>(
    `SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') AS available,
            to_regnamespace('public') IS NOT NULL AS has_public, current_database() AS db, current_user AS role`,
  );
  const facts = rows[0];
  if (facts === undefined || !facts.available) {
    return {
      state: 'unavailable',
      reason: 'not-available',
      warning: `${SCAN}: the pg_trgm extension is not available on this PostgreSQL server (install the server's contrib package, then run ${CREATE_EXTENSION_SQL} in database ${quoteIdent(facts?.db ?? '?')}; the next start builds the index)`,
    };
  }
  try {
    await client.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm${facts.has_public ? ' SCHEMA public' : ''}`);
  } catch (error) {
    // Another instance (on another schema) created it meanwhile: the unique catalog entry is taken.
    if (sqlState(error) === '23505') {
      const meanwhile = await trgmSchema(client);
      if (meanwhile !== null) return meanwhile;
    }
    if (sqlState(error) === '42501') {
      return {
        state: 'unavailable',
        reason: 'no-privilege',
        warning: `${SCAN} (no trigram index): the pg_trgm extension is not installed and role ${quoteIdent(facts.role)} may not create it. As a role that may (a superuser, the database owner, or one with CREATE on the database), run in database ${quoteIdent(facts.db)}: ${CREATE_EXTENSION_SQL} — the next start of the receiver builds the index`,
      };
    }
    return {
      state: 'unavailable',
      reason: 'failed',
      warning: `${SCAN}: creating the pg_trgm extension failed (${message(error)}); run ${CREATE_EXTENSION_SQL} in database ${quoteIdent(facts.db)} as a privileged role, the next start builds the index`,
    };
  }
  const created = await trgmSchema(client);
  if (created === null) throw new Error('pg_trgm was created but is not in pg_extension');
  return created;
}

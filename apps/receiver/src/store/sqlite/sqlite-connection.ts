/**
 * One SQLite connection of a `SqliteEngine`: opening the file (parent directories, pragmas, migrations),
 * the statement cache that keeps every statement prepared once per connection, the group committer that
 * every write goes through, the change feed that writes notify after commit, and the guarded read. The
 * engine's concern modules (`sqlite-ingest.ts`, `sqlite-jobs.ts`, `sqlite-reads.ts`, `sqlite-admin.ts`)
 * take a `SqliteConnection` and use only these operations; the codec, dialect and `ms` they share live here
 * too.
 */
import { closeSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { createDirectories } from '../../create-directories.js';
import { ChangeFeed } from '../change-feed.js';
import type { RowCodec } from '../row-mapping.js';
import { questionMarkParams, type SqlDialect } from '../sql-params.js';
import type { StoreChange, StoreChangeListener, StoreStats } from '../store.js';
import { StoreError, StoreUnavailableError } from '../store-errors.js';
import { type GroupCommitOptions, GroupCommitter, type WriteContext } from './group-commit.js';
import { openSqlite } from './sqlite-driver.js';
import { mapSqliteError } from './sqlite-errors.js';
import { applySqliteMigrations } from './sqlite-migrations.js';

/**
 * How long a batch that failed for a reason a write probe cannot see (disk full, I/O error, read-only
 * file) keeps the store unready when nothing committed since. Bounded, so a receiver taken out of a load
 * balancer (and so getting no deliveries to prove the store writes again) turns ready by itself.
 */
export const WRITE_FAILURE_MEMORY_MS = 30_000;

/** How long a write waits for another connection holding the file's write lock, by default. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** Page cache per connection (KiB): the writer's hot pages are the right edges of its indexes. */
const SQLITE_CACHE_KIB = 4096;

export const codec: RowCodec = {
  date: (value) => new Date(Number(value)),
  json: (value) => JSON.parse(String(value)),
  bool: (value) => Number(value) === 1,
};

export const dialect: SqlDialect = {
  params: questionMarkParams,
  time: (value) => value.getTime(),
  textSet: (params, values) => `SELECT value FROM json_each(${params.add(JSON.stringify(values))})`,
  eventSearchIndex: 'events_search',
};

/** `SQLite SQLITE_FULL: database or disk is full`: the code and SQLite's own words. */
function sqliteDetail(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' ? `SQLite ${code}: ${message}` : message;
}

export function ms(date: Date | undefined): number {
  return (date ?? new Date()).getTime();
}

export interface SqliteConnectionOptions {
  busyTimeoutMs?: number;
  groupCommit?: GroupCommitOptions;
}

/** Creates the SQLite file's directory if missing, or throws StoreUnavailableError naming it. */
export function ensureSqliteDirectory(file: string): void {
  const directory = dirname(resolve(file));
  try {
    createDirectories(directory);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new StoreUnavailableError(
      `cannot create the directory ${directory} for the SQLite file ${file}: ${reason}; set SRHOOKS_DB (or "db") to a file in a writable directory`,
      { cause: error },
    );
  }
}

/**
 * Creates a new SQLite file readable and writable by the receiver's user only (0600, whatever the umask
 * allows beyond it): it holds every delivery, personal data included. SQLite gives the `-wal` and `-shm`
 * files the database file's permissions. An existing file keeps its own; a file that cannot be created
 * here is left to SQLite, whose error says why.
 */
function createPrivately(file: string): void {
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch {
    // exists already, or SQLite's own open reports the problem
  }
}

export class SqliteConnection {
  readonly database: Database.Database;
  readonly #committer: GroupCommitter;
  readonly #feed = new ChangeFeed();
  readonly #statements = new Map<string, Database.Statement>();
  #closed = false;
  /** The first error that found the file damaged (see ping). */
  #damage: StoreUnavailableError | null = null;

  constructor(file: string, options: SqliteConnectionOptions = {}) {
    if (file !== ':memory:') {
      ensureSqliteDirectory(file);
      createPrivately(file);
    }
    let db: Database.Database | undefined;
    try {
      db = openSqlite(file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      // Savepoint sub-journals stay in memory: a file-backed one doubles the system time of a batch.
      db.pragma('temp_store = MEMORY');
      db.pragma(
        `busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS))}`,
      );
      db.pragma('foreign_keys = ON');
      // Deleted and moved content is overwritten with zeros, not left in free space: a personal data
      // erasure (erase-plan.ts) or a prune leaves no copy of what it removed in the file, nor do the
      // copies a page split leaves behind. Costs a little CPU, and a write of each page a delete frees.
      db.pragma('secure_delete = ON');
      // better-sqlite3 builds SQLite with a 16 MB page cache per connection, which an append-mostly
      // ingest fills within seconds (RSS) without reading it back; the OS page cache serves re-reads.
      db.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
      applySqliteMigrations(db);
    } catch (error) {
      db?.close();
      const mapped = mapSqliteError(error);
      if (mapped instanceof StoreError) throw mapped;
      throw new StoreUnavailableError(`cannot open the SQLite file ${file}: ${mapped.message}`, {
        cause: error,
      });
    }
    this.database = db;
    this.#committer = new GroupCommitter(db, options.groupCommit);
  }

  close(): void {
    if (this.#closed) return;
    this.#committer.close();
    this.#closed = true;
    this.database.close();
  }

  stats(): StoreStats {
    return this.#committer.stats();
  }

  onChange(listener: StoreChangeListener): () => void {
    return this.#feed.subscribe(listener);
  }

  notify(context: WriteContext, changes: StoreChange[]): void {
    if (changes.length > 0) context.afterCommit(() => this.#feed.emit(changes));
  }

  stmt(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.database.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  write<T>(write: (context: WriteContext) => T): Promise<T> {
    return this.#committer.run(write).catch((error: unknown) => {
      throw this.#noteDamage(error);
    });
  }

  read<T>(read: () => T): T {
    if (this.#closed) throw new StoreUnavailableError('the SQLite store is closed');
    try {
      return read();
    } catch (error) {
      throw this.#noteDamage(mapSqliteError(error));
    }
  }

  /**
   * The readiness check: the file answers a read, and no read or write has found it damaged. A damaged
   * file can answer `SELECT 1` while every delivery fails on a broken page, so once damage is seen the
   * connection stays unready (a restart on a restored file clears it).
   */
  ping(): void {
    if (this.#damage !== null) throw this.#damage;
    this.read(() => this.stmt('SELECT 1').get());
  }

  /**
   * The write-readiness check (run on the writer's connection, between batches): the write lock can be
   * taken within `limitMs` (`BEGIN IMMEDIATE; ROLLBACK`, which writes nothing and costs no fsync), and no
   * batch failed for a reason such a probe cannot see (disk full, I/O error, read-only file) within the
   * last {@link WRITE_FAILURE_MEMORY_MS} with nothing committed since. Returns undefined when it took the
   * lock, or SQLite's words (`SQLite SQLITE_BUSY: database is locked`) when another connection held it
   * beyond `limitMs` (not a failure by itself: see `write-readiness.ts`); throws for any other reason. The
   * connection's own busy timeout is restored afterwards.
   */
  probeWrite(limitMs: number): string | undefined {
    if (this.#damage !== null) throw this.#damage;
    if (this.#closed) throw new StoreUnavailableError('the SQLite store is closed');
    const failure = this.#committer.recentFailure(WRITE_FAILURE_MEMORY_MS);
    if (failure !== null) {
      throw new StoreUnavailableError(
        `the last write failed ${Math.round(failure.agoMs / 1000)} s ago and nothing was stored since: ${sqliteDetail(failure.error)}`,
        { cause: failure.error },
      );
    }
    const db = this.database;
    const busyTimeoutMs = db.pragma('busy_timeout', { simple: true }) as number;
    db.pragma(`busy_timeout = ${Math.max(0, Math.min(busyTimeoutMs, Math.floor(limitMs)))}`);
    try {
      this.stmt('BEGIN IMMEDIATE').run();
      this.stmt('ROLLBACK').run();
      return undefined;
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      const code = (error as { code?: unknown } | null)?.code;
      if (typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code)) return sqliteDetail(error);
      const mapped = mapSqliteError(error);
      if (!(mapped instanceof StoreUnavailableError) || mapped.damaged) throw this.#noteDamage(mapped);
      throw new StoreUnavailableError(`the SQLite file cannot be written now: ${sqliteDetail(error)}`, {
        cause: error,
      });
    } finally {
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    }
  }

  #noteDamage(error: unknown): unknown {
    if (error instanceof StoreUnavailableError && error.damaged && this.#damage === null)
      this.#damage = error;
    return error;
  }
}

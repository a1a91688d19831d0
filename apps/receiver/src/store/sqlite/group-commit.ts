import type Database from 'better-sqlite3';
import type { StoreStats } from '../store.js';
import { StoreUnavailableError } from '../store-errors.js';
import { emptyStoreStats, recordCommit } from '../store-stats.js';
import { mapSqliteError } from './sqlite-errors.js';

export interface GroupCommitOptions {
  /**
   * How long the first queued write waits for companions before the batch commits. Default 0: commit on
   * the next event-loop turn. Because better-sqlite3's COMMIT (and its fsync) blocks the thread running
   * it (the store's writer thread), everything that arrived meanwhile is read in the next turn and joins
   * the next batch, so batches grow with load by themselves; a window > 0 only adds latency at low load
   * (measured: same batch sizes at 50 concurrent writers). Raise it to trade latency for fewer fsyncs.
   */
  windowMs?: number;
  /** A batch commits as soon as it holds this many writes. Default 256. */
  maxBatch?: number;
}

export interface WriteContext {
  /** Runs `hook` after the batch committed, only if this write is part of it. */
  afterCommit(hook: () => void): void;
}

export type Write<T> = (context: WriteContext) => T;

interface Pending {
  write: Write<unknown>;
  /** Already sent again once after a transient failure of its whole batch. */
  retried?: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; value: unknown; hooks: Array<() => void> } | { ok: false; error: unknown };

/**
 * Failures of a whole batch that a second try can get past: the database locked by another connection
 * beyond busy_timeout, a transient I/O error. Not SQLITE_FULL (a full disk stays full for now).
 */
const TRANSIENT_CODES = /^SQLITE_(BUSY|LOCKED|IOERR)/;
/** A batch that failed transiently is tried once more after this pause (other writers get to finish). */
export const BATCH_RETRY_DELAY_MS = 50;

/**
 * How long a write waits for the write lock another connection holds before it fails: its batch waits
 * the busy timeout, is tried once more after the retry pause, and waits the busy timeout again.
 */
export function lockWaitOfWrite(busyTimeoutMs: number): number {
  return 2 * Math.max(0, busyTimeoutMs) + BATCH_RETRY_DELAY_MS;
}

function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT_CODES.test(code);
}

export const DEFAULT_GROUP_COMMIT: Required<GroupCommitOptions> = { windowMs: 0, maxBatch: 256 };

/**
 * Group commit for better-sqlite3: writes queued within `windowMs` run in ONE immediate transaction
 * (one WAL fsync with synchronous=FULL), each inside its own savepoint so a failing write is rolled back
 * alone. Every promise settles only after COMMIT returned, i.e. once its data is durable.
 */
export class GroupCommitter {
  readonly #db: Database.Database;
  readonly #windowMs: number;
  readonly #maxBatch: number;
  readonly #statements: Record<
    'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollbackTo',
    Database.Statement
  >;
  #queue: Pending[] = [];
  /** The last batch failure a write probe cannot see (see {@link GroupCommitter.recentFailure}). */
  #failure: { error: unknown; at: number } | null = null;
  #timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  #closed = false;
  readonly #stats: StoreStats = emptyStoreStats();

  constructor(db: Database.Database, options: GroupCommitOptions = {}) {
    this.#db = db;
    this.#windowMs = Math.max(0, options.windowMs ?? DEFAULT_GROUP_COMMIT.windowMs);
    this.#maxBatch = Math.max(1, Math.floor(options.maxBatch ?? DEFAULT_GROUP_COMMIT.maxBatch));
    this.#statements = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT group_commit_item'),
      release: db.prepare('RELEASE group_commit_item'),
      rollbackTo: db.prepare('ROLLBACK TO group_commit_item'),
    };
  }

  /** Queues a synchronous write; resolves with its result once the batch holding it has committed. */
  run<T>(write: Write<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreUnavailableError('the SQLite store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ write, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  stats(): StoreStats {
    return { ...this.#stats };
  }

  /**
   * The last failure of a whole batch within `withinMs` that is not about the write lock (disk full, I/O
   * error, read-only file: a `BEGIN IMMEDIATE; ROLLBACK` probe succeeds through those), when no batch has
   * committed since; null otherwise.
   */
  recentFailure(withinMs: number, now = performance.now()): { error: unknown; agoMs: number } | null {
    if (this.#failure === null || now - this.#failure.at > withinMs) return null;
    return { error: this.#failure.error, agoMs: now - this.#failure.at };
  }

  /** Commits everything queued now, then refuses new writes. */
  close(): void {
    this.#closed = true;
    this.flush();
  }

  /** Commits everything queued, in batches of at most maxBatch. */
  flush(): void {
    this.#clearTimer();
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      this.#commit(batch);
    }
  }

  #schedule(): void {
    if (this.#queue.length >= this.#maxBatch) {
      this.#clearTimer();
      this.#timer = setImmediate(() => this.flush());
      return;
    }
    if (this.#timer !== null) return;
    this.#timer =
      this.#windowMs === 0
        ? setImmediate(() => this.flush())
        : setTimeout(() => this.flush(), this.#windowMs);
  }

  #clearTimer(): void {
    if (this.#timer === null) return;
    clearTimeout(this.#timer as NodeJS.Timeout);
    clearImmediate(this.#timer as NodeJS.Immediate);
    this.#timer = null;
  }

  #commit(batch: Pending[]): void {
    const s = this.#statements;
    try {
      s.begin.run();
    } catch (error) {
      this.#failBatch(batch, error);
      return;
    }
    const outcomes: Outcome[] = [];
    for (const item of batch) {
      const hooks: Array<() => void> = [];
      try {
        s.savepoint.run();
        const value = item.write({ afterCommit: (hook) => hooks.push(hook) });
        s.release.run();
        outcomes.push({ ok: true, value, hooks });
      } catch (error) {
        if (!this.#db.inTransaction) {
          // SQLite rolled the whole transaction back (disk full, I/O error): nothing of this batch is stored.
          this.#failBatch(batch, error);
          return;
        }
        try {
          s.rollbackTo.run();
          s.release.run();
        } catch (undoError) {
          this.#abort(batch, undoError);
          return;
        }
        outcomes.push({ ok: false, error });
      }
    }
    const commitStarted = performance.now();
    try {
      s.commit.run();
    } catch (error) {
      this.#abort(batch, error);
      return;
    }
    recordCommit(this.#stats, batch.length, performance.now() - commitStarted);
    this.#failure = null;
    batch.forEach((item, index) => {
      const outcome = outcomes[index];
      if (outcome === undefined) return;
      if (!outcome.ok) {
        item.reject(mapSqliteError(outcome.error));
        return;
      }
      for (const hook of outcome.hooks) {
        try {
          hook();
        } catch {
          // After-commit hooks only notify; the write itself is already durable.
        }
      }
      item.resolve(outcome.value);
    });
  }

  #abort(batch: Pending[], error: unknown): void {
    if (this.#db.inTransaction) {
      try {
        this.#statements.rollback.run();
      } catch {
        // The connection is unusable; the rejection below reports the original error.
      }
    }
    this.#failBatch(batch, error);
  }

  /** Nothing of the batch is stored: try it once more when the cause may pass, else reject every write. */
  #failBatch(batch: Pending[], error: unknown): void {
    if (!isTransient(error) || batch.some((item) => item.retried)) {
      this.#rejectAll(batch, error);
      return;
    }
    for (const item of batch) item.retried = true;
    setTimeout(() => {
      this.#queue.unshift(...batch);
      if (this.#closed) this.flush();
      else this.#schedule();
    }, BATCH_RETRY_DELAY_MS);
  }

  #rejectAll(batch: Pending[], error: unknown): void {
    const mapped = mapSqliteError(error);
    const code = (error as { code?: unknown } | null)?.code;
    if (mapped instanceof StoreUnavailableError && !/^SQLITE_(BUSY|LOCKED)/.test(String(code)))
      this.#failure = { error, at: performance.now() };
    for (const item of batch) item.reject(mapped);
  }
}

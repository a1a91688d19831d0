/**
 * One receiver process per SQLite file, enforced: a lease row in the file itself (`receiver_lease`,
 * migration 13) names the receiver using it (a random owner id, pid, hostname, pid namespace, start
 * time) and its heartbeat.
 *
 * - Taking it is one IMMEDIATE transaction: the row is written when there is none, when its heartbeat
 *   is older than `staleMs` (its holder was killed, or stalled that long), or at once when its holder ran
 *   on this host in this pid namespace and that pid is no longer alive (`process.kill(pid, 0)`).
 *   Otherwise `StoreInUseError` (code `store_in_use`), naming the holder and when the file turns free.
 * - The heartbeat is renewed every `heartbeatMs` on an unref'd timer, on a connection of its own
 *   (synchronous=NORMAL: a heartbeat needs no fsync; no automatic WAL checkpoint on this thread; a short
 *   busy timeout, so a write holding the file's lock delays this thread at most that long — a missed
 *   beat is retried at the next one).
 * - A renewal that finds another owner's row (this process was stalled past `staleMs` and another
 *   receiver took the file over) stops the heartbeat and calls `onLost`; the receiver then shuts down.
 * - `release()` deletes the row (only this owner's) and closes the connection.
 *
 * Only receivers take it (store plugin): stores opened directly (tools, tests) do not.
 */
import { randomUUID } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import Database from 'better-sqlite3';
import { StoreInUseError, type StoreLeaseHolder } from '../store-errors.js';
import { mapSqliteError } from './sqlite-errors.js';

/** A lease whose heartbeat is older than this is free (its holder was killed or hung). */
export const DEFAULT_LEASE_STALE_MS = 30_000;
/** How often the holder renews its heartbeat: several beats fit in one stale period. */
export const DEFAULT_LEASE_HEARTBEAT_MS = 5_000;
/** How long taking or releasing the lease waits for the file's write lock. */
const START_BUSY_TIMEOUT_MS = 5_000;
/** How long one heartbeat waits for the file's write lock (it blocks the event loop meanwhile). */
const BEAT_BUSY_TIMEOUT_MS = 250;

/** Who this process is, as the lease row records it. */
export interface LeaseIdentity {
  readonly pid: number;
  readonly hostname: string;
  /** The pid namespace (Linux: /proc/self/ns/pid), '' where unknown: pids compare only within one. */
  readonly pidNamespace: string;
}

export interface LeaseTiming {
  /** A heartbeat older than this frees the lease. Default 30 s. */
  readonly staleMs?: number;
  /** Heartbeat interval. Default 5 s (at most a third of staleMs). */
  readonly heartbeatMs?: number;
}

export interface ProcessLeaseOptions extends LeaseTiming {
  readonly file: string;
  /** Another receiver took the lease over (null: the row is gone). Called once; the heartbeat has stopped. */
  readonly onLost?: (holder: StoreLeaseHolder | null) => void;
  /**
   * A heartbeat failed (e.g. the file is locked or unwritable); the next one tries again.
   * `sinceRenewedMs`: how long ago the heartbeat was last written.
   */
  readonly onBeatFailed?: (error: unknown, sinceRenewedMs: number) => void;
  /** Tests: this process's identity, liveness check and clock. */
  readonly identity?: LeaseIdentity;
  readonly isAlive?: (pid: number) => boolean;
  readonly now?: () => number;
}

/** How the lease was taken: free, or over a previous holder (stale heartbeat, or dead pid on this host). */
export type LeaseTakeover = { readonly holder: StoreLeaseHolder; readonly reason: 'stale' | 'dead' } | null;

interface LeaseRow {
  owner: string;
  pid: number;
  hostname: string;
  pid_namespace: string;
  started_at: number;
  heartbeat_at: number;
}

const SELECT_ROW =
  'SELECT owner, pid, hostname, pid_namespace, started_at, heartbeat_at FROM receiver_lease WHERE id = 1';

export function thisProcess(): LeaseIdentity {
  let pidNamespace = '';
  try {
    pidNamespace = readlinkSync('/proc/self/ns/pid');
  } catch {
    // not Linux (or /proc not mounted): pids of one hostname are compared as they are
  }
  return { pid: process.pid, hostname: osHostname(), pidNamespace };
}

/** `process.kill(pid, 0)`: true unless no such process (EPERM: it exists, owned by another user). */
export function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether `file` is a SQLite database that has the lease table (migrated to version 13 or later), so its
 * lease can be taken before a store opens (and migrates) it. False for a missing or unreadable file.
 */
export function hasLeaseTable(file: string): boolean {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { fileMustExist: true });
    const table = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'receiver_lease'")
      .get();
    return table !== undefined;
  } catch {
    return false;
  } finally {
    db?.close();
  }
}

function holderOf(row: LeaseRow): StoreLeaseHolder {
  return {
    owner: row.owner,
    pid: row.pid,
    hostname: row.hostname,
    startedAt: new Date(row.started_at),
    heartbeatAt: new Date(row.heartbeat_at),
  };
}

/** The effective timing: positive whole milliseconds, the heartbeat at most a third of the stale time. */
export function leaseTiming(timing: LeaseTiming = {}): { staleMs: number; heartbeatMs: number } {
  const staleMs = Math.max(1, Math.floor(timing.staleMs ?? DEFAULT_LEASE_STALE_MS));
  const heartbeatMs = Math.max(
    1,
    Math.floor(Math.min(timing.heartbeatMs ?? DEFAULT_LEASE_HEARTBEAT_MS, staleMs / 3)),
  );
  return { staleMs, heartbeatMs };
}

export class SqliteProcessLease {
  readonly file: string;
  readonly owner = randomUUID();
  /** The holder this lease replaced, if any (to be logged). */
  readonly takeover: LeaseTakeover;
  readonly #db: Database.Database;
  readonly #options: ProcessLeaseOptions;
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout;
  #state: 'held' | 'lost' | 'released' = 'held';
  #renewedAt: number;

  /**
   * Takes the file's lease or throws StoreInUseError (the file must be migrated: `receiver_lease`
   * exists). Starts the heartbeat.
   */
  static acquire(options: ProcessLeaseOptions): SqliteProcessLease {
    return new SqliteProcessLease(options);
  }

  private constructor(options: ProcessLeaseOptions) {
    this.file = options.file;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    const { staleMs, heartbeatMs } = leaseTiming(options);
    let db: Database.Database | undefined;
    try {
      db = new Database(options.file);
      db.pragma(`busy_timeout = ${START_BUSY_TIMEOUT_MS}`);
      db.pragma('synchronous = NORMAL');
      // A heartbeat must never run a WAL checkpoint on this (the event loop's) thread: the store's
      // writer thread checkpoints.
      db.pragma('wal_autocheckpoint = 0');
      this.takeover = this.#take(db, staleMs);
      db.pragma(`busy_timeout = ${BEAT_BUSY_TIMEOUT_MS}`);
    } catch (error) {
      db?.close();
      throw mapSqliteError(error);
    }
    this.#db = db;
    this.#renewedAt = this.#now();
    this.#timer = setInterval(() => this.#beat(), heartbeatMs);
    this.#timer.unref();
  }

  get lost(): boolean {
    return this.#state === 'lost';
  }

  #take(db: Database.Database, staleMs: number): LeaseTakeover {
    const me = this.#options.identity ?? thisProcess();
    const isAlive = this.#options.isAlive ?? pidIsAlive;
    const take = db.transaction((): LeaseTakeover => {
      const row = db.prepare<[], LeaseRow>(SELECT_ROW).get();
      const now = this.#now();
      let takeover: LeaseTakeover = null;
      if (row !== undefined) {
        const holder = holderOf(row);
        if (now - row.heartbeat_at > staleMs) takeover = { holder, reason: 'stale' };
        else if (
          row.hostname === me.hostname &&
          row.pid_namespace === me.pidNamespace &&
          row.pid !== me.pid &&
          !isAlive(row.pid)
        )
          takeover = { holder, reason: 'dead' };
        else throw new StoreInUseError(this.file, holder, staleMs, new Date(now));
      }
      db.prepare(
        `INSERT OR REPLACE INTO receiver_lease (id, owner, pid, hostname, pid_namespace, started_at, heartbeat_at)
         VALUES (1, ?, ?, ?, ?, ?, ?)`,
      ).run(this.owner, me.pid, me.hostname, me.pidNamespace, now, now);
      return takeover;
    });
    return take.immediate();
  }

  /** Renews the heartbeat; finding another owner's row (or none) means the lease was lost. */
  #beat(): void {
    if (this.#state !== 'held') return;
    let holder: StoreLeaseHolder | null;
    const now = this.#now();
    try {
      const renewed = this.#db
        .prepare('UPDATE receiver_lease SET heartbeat_at = ? WHERE id = 1 AND owner = ?')
        .run(now, this.owner);
      if (renewed.changes === 1) {
        this.#renewedAt = now;
        return;
      }
      const row = this.#db.prepare<[], LeaseRow>(SELECT_ROW).get();
      holder = row === undefined ? null : holderOf(row);
    } catch (error) {
      this.#options.onBeatFailed?.(error, now - this.#renewedAt);
      return;
    }
    this.#state = 'lost';
    clearInterval(this.#timer);
    this.#db.close();
    this.#options.onLost?.(holder);
  }

  /** Stops the heartbeat and deletes this owner's row (never another's). Idempotent. */
  release(): void {
    if (this.#state === 'released') return;
    const held = this.#state === 'held';
    this.#state = 'released';
    clearInterval(this.#timer);
    if (!held) return;
    try {
      this.#db.pragma(`busy_timeout = ${START_BUSY_TIMEOUT_MS}`);
      this.#db.prepare('DELETE FROM receiver_lease WHERE id = 1 AND owner = ?').run(this.owner);
    } finally {
      this.#db.close();
    }
  }
}

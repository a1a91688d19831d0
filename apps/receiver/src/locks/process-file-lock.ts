/**
 * An exclusive lock on a file that lasts as long as the process holding it (the SQLite store file's
 * receiver lock, store/sqlite/receiver-lock.ts; the spool folder's, spool/spool-lock.ts), plus a holder
 * record naming that process (pid, host, since when) for the message of whoever is refused.
 *
 * Node has no flock/fcntl; SQLite has. The lock file is a small SQLite database opened on a connection
 * of its own — busy_timeout 0, locking_mode EXCLUSIVE, journal_mode DELETE (not WAL: its shared memory
 * would let other connections in) — and written once. In exclusive locking mode SQLite keeps the file's
 * exclusive POSIX lock after the commit, until the connection closes; the kernel drops it when the
 * process ends, however it ends (SIGKILL, a crashed container): no lease, no stale time, no pid check
 * (a pid is reused, and a restarted container has a new pid namespace and often a new host name). Any
 * other connection to the lock file — another process, or this one (SQLite tracks locks per inode within
 * a process) — gets SQLITE_BUSY at once.
 *
 * Why not a library such as proper-lockfile: its lock is a lease (a folder whose mtime the holder
 * refreshes), so a SIGKILLed holder blocks the next start for the stale period, and a holder whose event
 * loop stalls past it loses the lock while it runs. The OS lock has neither problem.
 *
 * Right after it got the lock, the holder writes its record (JSON) to the holder file, which a refused
 * process reads without the lock. Informational only: a record older than the lock file's last write
 * belongs to an earlier holder and is not shown. A record found when the lock is taken was left by a
 * holder that ended without releasing (`previousHolder`: the caller logs the take-over). `release()`
 * deletes the record, then closes the connection.
 *
 * Keep a reference to the lock for as long as it is meant to be held: a lock object the garbage
 * collector takes closes its connection, and the lock goes with it (the receiver keeps its locks as
 * app decorations; a test child process must keep them too).
 *
 * Never delete the lock file while its holder runs (the next process would lock a new file), and never
 * open it with fs calls in the holder's process (closing any descriptor of a file drops the process's
 * POSIX locks on it). On a network folder the lock is as good as the file system's locking (NFSv4 and
 * SMB pass POSIX locks to the server; an NFS mount with `nolock` keeps them on one host).
 */
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import { openSqlite } from '../store/sqlite/sqlite-driver.js';

/** The process holding a lock, as its holder record says. */
export interface LockHolder {
  readonly pid: number;
  readonly hostname: string;
  readonly startedAt: Date;
}

/** The holder record in `holderFile`; null when missing or not a record. */
function readHolderRecord(holderFile: string): LockHolder | null {
  try {
    const parsed = JSON.parse(readFileSync(holderFile, 'utf8')) as Record<string, unknown>;
    const startedAt = new Date(typeof parsed.startedAt === 'string' ? parsed.startedAt : Number.NaN);
    if (
      !Number.isInteger(parsed.pid) ||
      typeof parsed.hostname !== 'string' ||
      Number.isNaN(startedAt.getTime())
    )
      return null;
    return { pid: parsed.pid as number, hostname: parsed.hostname, startedAt };
  } catch {
    return null;
  }
}

/** Who holds the lock, as its holder record says; null when missing, unreadable or an earlier holder's. */
export function readLockHolder(lockFile: string, holderFile: string): LockHolder | null {
  try {
    // stat only: opening the lock file here would drop this process's own lock on it when closed
    if (statSync(holderFile).mtimeMs < statSync(lockFile).mtimeMs) return null;
  } catch {
    return null;
  }
  return readHolderRecord(holderFile);
}

export class ProcessFileLock {
  readonly lockFile: string;
  readonly holderFile: string;
  /** The record a holder that ended without releasing left behind (taken over); null when none. */
  readonly previousHolder: LockHolder | null;
  readonly #db: Database.Database;
  #released = false;

  /**
   * Locks `lockFile` (created if missing) for this process's lifetime and records this process in
   * `holderFile`; null when another connection holds it. Other failures (a folder it cannot write, a
   * damaged lock file) are thrown as they are.
   */
  static tryAcquire(lockFile: string, holderFile: string): ProcessFileLock | null {
    const me: LockHolder = { pid: process.pid, hostname: hostname(), startedAt: new Date() };
    let db: Database.Database | undefined;
    try {
      db = openSqlite(lockFile);
      db.pragma('busy_timeout = 0');
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = DELETE');
      db.exec('BEGIN EXCLUSIVE');
      db.exec(
        'CREATE TABLE IF NOT EXISTS receiver_lock (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, hostname TEXT NOT NULL, started_at INTEGER NOT NULL)',
      );
      db.prepare(
        'INSERT OR REPLACE INTO receiver_lock (id, pid, hostname, started_at) VALUES (1, ?, ?, ?)',
      ).run(me.pid, me.hostname, me.startedAt.getTime());
      db.exec('COMMIT');
    } catch (error) {
      db?.close();
      const code = (error as { code?: unknown }).code;
      if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return null;
      throw error;
    }
    return new ProcessFileLock(lockFile, holderFile, db, me);
  }

  private constructor(lockFile: string, holderFile: string, db: Database.Database, me: LockHolder) {
    this.lockFile = lockFile;
    this.holderFile = holderFile;
    this.#db = db;
    this.previousHolder = readHolderRecord(holderFile);
    this.#writeHolder(me);
  }

  /** Best effort: without it a refused process's message names no holder. */
  #writeHolder(me: LockHolder): void {
    const temporary = `${this.holderFile}.${process.pid}.tmp`;
    try {
      writeFileSync(
        temporary,
        `${JSON.stringify({ pid: me.pid, hostname: me.hostname, startedAt: me.startedAt.toISOString() })}\n`,
      );
      renameSync(temporary, this.holderFile);
    } catch {
      rmSync(temporary, { force: true });
    }
  }

  /** Deletes the holder record, then frees the lock (closes its connection). Idempotent. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    try {
      rmSync(this.holderFile, { force: true });
    } catch {
      // informational only
    } finally {
      this.#db.close();
    }
  }
}

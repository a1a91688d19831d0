/**
 * One receiver process per SQLite file, enforced by an OS file lock that dies with its process.
 *
 * Node has no flock/fcntl; SQLite has. The receiver opens a sidecar SQLite file, `<file>-receiver.lock`
 * (created if missing), on a connection of its own — busy_timeout 0, locking_mode EXCLUSIVE, journal_mode
 * DELETE (not WAL: its shared memory would let other connections in) — and writes to it once. In
 * exclusive locking mode SQLite keeps that file's exclusive POSIX lock after the commit, until the
 * connection closes; the kernel drops it when the process ends, however it ends (SIGKILL, a crashed
 * container): no lease, no timeout. Any other connection to the lock file — another process, or this one
 * (SQLite tracks locks per inode within a process) — gets SQLITE_BUSY at once: StoreInUseError.
 *
 * Right after it got the lock, the holder writes who it is (pid, host, start) to `<file>-receiver.json`,
 * which a refused process reads without the lock, for its message. Informational only: a holder file
 * older than the lock file's last write belongs to an earlier holder and is not shown. `release()`
 * deletes it, then closes the connection.
 *
 * An existing file that is not SQLite (a wrong SRHOOKS_DB) is refused before the lock file is created.
 *
 * Never delete the lock file while a receiver runs (the next one would lock a new file), and never open
 * it with fs calls in the holder's process (closing any descriptor of a file drops the process's POSIX
 * locks on it). Only receivers take the lock (store plugin): stores opened directly (tools, tests) do not.
 */
import {
  closeSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import {
  type ReceiverLockHolder,
  StoreConfigError,
  StoreInUseError,
  StoreUnavailableError,
} from '../store-errors.js';
import { ensureSqliteDirectory } from './sqlite-connection.js';

export const LOCK_FILE_SUFFIX = '-receiver.lock';
export const HOLDER_FILE_SUFFIX = '-receiver.json';

/** The first 16 bytes of every SQLite database file. */
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Throws StoreConfigError (a start-up refusal naming the file and the setting) when `file`
 * exists, is not empty and does not start with SQLite's header, so no lock file is left beside a file
 * that is not the receiver's (a wrong SRHOOKS_DB). A missing, empty or unreadable file passes: SQLite
 * creates the first, and opening the store reports the last.
 */
function refuseNonSqliteFile(file: string): void {
  const head = Buffer.alloc(SQLITE_HEADER.length);
  let read: number;
  try {
    if (!statSync(file).isFile()) return;
    const fd = openSync(file, 'r');
    try {
      read = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return;
  }
  if (read === 0 || head.equals(SQLITE_HEADER)) return;
  throw new StoreConfigError(
    `${file} is not a SQLite database file (it does not start with SQLite's header), so the receiver did not open it. ` +
      `Check that SRHOOKS_DB (or "db") names the receiver's database file; if it does, the file is damaged: ` +
      'restore it from a backup (receiver docs/operations.md, Backups).',
  );
}

/** Who holds `file`'s lock, as its holder file says; null when missing, unreadable or an earlier holder's. */
export function readLockHolder(file: string): ReceiverLockHolder | null {
  try {
    const holderFile = `${file}${HOLDER_FILE_SUFFIX}`;
    // stat only: opening the lock file here would drop this process's own lock on it when closed
    if (statSync(holderFile).mtimeMs < statSync(`${file}${LOCK_FILE_SUFFIX}`).mtimeMs) return null;
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

export class SqliteReceiverLock {
  readonly file: string;
  readonly lockFile: string;
  readonly holderFile: string;
  readonly #db: Database.Database;
  #released = false;

  /** Locks `file` for this process's lifetime, or throws StoreInUseError (another receiver holds it). */
  static acquire(file: string): SqliteReceiverLock {
    return new SqliteReceiverLock(file);
  }

  private constructor(file: string) {
    this.file = file;
    this.lockFile = `${file}${LOCK_FILE_SUFFIX}`;
    this.holderFile = `${file}${HOLDER_FILE_SUFFIX}`;
    ensureSqliteDirectory(file);
    refuseNonSqliteFile(file);
    const me: ReceiverLockHolder = { pid: process.pid, hostname: hostname(), startedAt: new Date() };
    let db: Database.Database | undefined;
    try {
      db = new Database(this.lockFile);
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
      if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED')
        throw new StoreInUseError(file, readLockHolder(file));
      const reason = error instanceof Error ? error.message : String(error);
      throw new StoreUnavailableError(
        `cannot lock the SQLite file ${file} (its lock file ${this.lockFile}: ${reason}); the directory must be writable and on a local file system; a damaged lock file may be deleted while no receiver runs`,
        { cause: error, damaged: false },
      );
    }
    this.#db = db;
    this.#writeHolder(me);
  }

  /** Best effort: without it a refused receiver's message names no process. */
  #writeHolder(me: ReceiverLockHolder): void {
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

  /** Deletes the holder file, then frees the file (closes the lock's connection). Idempotent. */
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

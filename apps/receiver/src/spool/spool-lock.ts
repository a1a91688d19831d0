/**
 * One receiver per spool folder: two receivers on one folder would both drain it and both count it (and
 * each keep its own tally against SRHOOKS_SPOOL_MAX_BYTES). The receiver holds an OS lock on
 * `<folder>/receiver.lock` while it runs (locks/process-file-lock.ts: it dies with the process, however
 * it ends), its record (pid, host, since when) in `<folder>/receiver.json`; a second receiver is refused
 * at start with SpoolInUseError.
 *
 * A record found when the lock is taken was left by a receiver that ended without releasing (SIGKILL, a
 * crash, a power cut): the folder is taken over at once — the kernel dropped that receiver's lock, which
 * is what says it no longer runs, not its pid (pids are reused; a restarted container has new ones). The
 * caller logs the take-over at warn with the old holder's pid and host. A record written by another host
 * is taken over the same way: on a network folder whose file system passes locks to its server (NFSv4,
 * SMB), a receiver still running there would hold the lock and this start would be refused; on one that
 * does not (NFS mounted `nolock`), no lock can tell, which is why the warning names the host and the
 * folder should be on local disk (docs/operations.md).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { type LockHolder, ProcessFileLock, readLockHolder } from '../locks/process-file-lock.js';
import { openSqlite, SqliteDriverError } from '../store/sqlite/sqlite-driver.js';
import { SpoolDirError, SpoolInUseError } from './spool-errors.js';

export const SPOOL_LOCK_FILE = 'receiver.lock';
export const SPOOL_HOLDER_FILE = 'receiver.json';

export class SpoolLock {
  readonly dir: string;
  /** The record of a receiver that ended without releasing the folder (taken over); null when none. */
  readonly previousHolder: LockHolder | null;
  readonly #lock: ProcessFileLock;

  /**
   * Locks the spool folder `dir` (which exists) for this process's lifetime. SpoolInUseError when
   * another receiver (another process, or this one) holds it; SpoolDirError when it cannot be locked.
   */
  static acquire(dir: string): SpoolLock {
    const lockFile = join(dir, SPOOL_LOCK_FILE);
    const holderFile = join(dir, SPOOL_HOLDER_FILE);
    let lock: ProcessFileLock | null;
    try {
      lock = ProcessFileLock.tryAcquire(lockFile, holderFile);
    } catch (error) {
      throw new SpoolDirError(dir, error);
    }
    if (lock === null) throw new SpoolInUseError(dir, readLockHolder(lockFile, holderFile));
    return new SpoolLock(dir, lock);
  }

  private constructor(dir: string, lock: ProcessFileLock) {
    this.dir = dir;
    this.#lock = lock;
    this.previousHolder = lock.previousHolder;
  }

  /** Frees the folder (deletes the record, drops the lock). Idempotent. */
  release(): void {
    this.#lock.release();
  }
}

/**
 * Whether a receiver holds the spool folder `dir` now, without taking its lock or writing anything (the
 * start-up check, spool-folder-check.ts): its holder record (null when it wrote none) when held; null when
 * the folder is free or that cannot be told (SpoolLock.acquire decides). The lock file is opened read-only
 * and read: a holder's exclusive lock makes the read busy at once. Only before this process takes the lock
 * itself (closing a descriptor of the file would drop this process's lock on it).
 */
export function spoolFolderHolder(dir: string): { holder: LockHolder | null } | null {
  const lockFile = join(dir, SPOOL_LOCK_FILE);
  if (!existsSync(lockFile)) return null;
  let db: Database.Database | undefined;
  try {
    db = openSqlite(lockFile, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 0');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return null;
  } catch (error) {
    if (error instanceof SqliteDriverError) throw error;
    const code = (error as { code?: unknown }).code;
    if (code !== 'SQLITE_BUSY' && code !== 'SQLITE_LOCKED') return null;
    return { holder: readLockHolder(lockFile, join(dir, SPOOL_HOLDER_FILE)) };
  } finally {
    db?.close();
  }
}

/**
 * One receiver process per SQLite file, enforced by an OS file lock that dies with its process
 * (locks/process-file-lock.ts): the sidecar `<file>-receiver.lock`, with the holder's record in
 * `<file>-receiver.json`. A second receiver — another process, or this one — is refused at once:
 * StoreInUseError, naming the holder.
 *
 * An existing file that is not SQLite (a wrong SRHOOKS_DB) is refused before the lock file is created.
 * Only receivers take the lock (store plugin): stores opened directly (tools, tests) do not.
 */
import { accessSync, closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessFileLock, readLockHolder as readProcessLockHolder } from '../../locks/process-file-lock.js';
import {
  type ReceiverLockHolder,
  StoreConfigError,
  StoreError,
  StoreInUseError,
  StoreUnavailableError,
} from '../store-errors.js';
import { ensureSqliteDirectory } from './sqlite-connection.js';

export const LOCK_FILE_SUFFIX = '-receiver.lock';
export const HOLDER_FILE_SUFFIX = '-receiver.json';

/** The first 16 bytes of every SQLite database file. */
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Throws StoreConfigError (a start-up refusal naming the file and the setting) when `file` is a
 * directory (SQLite's own error, SQLITE_CANTOPEN, reads as an outage: "retry once reachable"), not a
 * regular file (a device such as /dev/null, a pipe, a socket), or
 * exists, is not empty and does not start with SQLite's header, so no lock file is left beside a file
 * that is not the receiver's (a wrong SRHOOKS_DB). A missing, empty or unreadable file passes: SQLite
 * creates the first, and opening the store reports the last.
 */
function refuseNonSqliteFile(file: string): void {
  const head = Buffer.alloc(SQLITE_HEADER.length);
  let read: number;
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) {
      throw new StoreConfigError(
        `SRHOOKS_DB (or "db") names ${file}, which is a directory, not a file: name the SQLite file in it, e.g. ${join(file, 'srhooks.db')}.`,
      );
    }
    if (!stat.isFile()) {
      // a device (/dev/null), pipe or socket: SQLite's error read as an outage, and the lock and journal
      // files were written beside it (/dev/null-receiver.lock)
      throw new StoreConfigError(
        `SRHOOKS_DB (or "db") names ${file}, which is not a regular file (a device, pipe or socket): name the receiver's SQLite database file, e.g. ./data/srhooks.db.`,
      );
    }
    refuseInaccessibleFile(file);
    const fd = openSync(file, 'r');
    try {
      read = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if (error instanceof StoreConfigError) throw error;
    return;
  }
  if (read === 0 || head.equals(SQLITE_HEADER)) return;
  throw new StoreConfigError(
    `${file} is not a SQLite database file (it does not start with SQLite's header), so the receiver did not open it. ` +
      `Check that SRHOOKS_DB (or "db") names the receiver's database file; if it does, the file is damaged: ` +
      'restore it from a backup (receiver docs/operations.md, Backups).',
  );
}

/**
 * Throws StoreConfigError when this process's user may not read and write the existing `file` (a file
 * restored as root, another service user): SQLite's own error, SQLITE_CANTOPEN, reads as an outage to
 * wait out and names neither the file nor the setting.
 */
function refuseInaccessibleFile(file: string): void {
  try {
    accessSync(file, constants.R_OK | constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      throw new StoreConfigError(
        `SRHOOKS_DB (or "db") names ${file}, which this receiver's user cannot read and write (permission denied): give that user read and write access to the file and its folder (chown or chmod), or set SRHOOKS_DB to a file it owns.`,
      );
    }
    if (code === 'EROFS') {
      throw new StoreConfigError(
        `SRHOOKS_DB (or "db") names ${file}, which is on a read-only file system: the receiver writes every delivery to it; set SRHOOKS_DB to a file on writable, persistent disk.`,
      );
    }
  }
}

/** Who holds `file`'s lock, as its holder file says; null when missing, unreadable or an earlier holder's. */
export function readLockHolder(file: string): ReceiverLockHolder | null {
  return readProcessLockHolder(`${file}${LOCK_FILE_SUFFIX}`, `${file}${HOLDER_FILE_SUFFIX}`);
}

export class SqliteReceiverLock {
  readonly file: string;
  readonly lockFile: string;
  readonly holderFile: string;
  readonly #lock: ProcessFileLock;

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
    let lock: ProcessFileLock | null;
    try {
      lock = ProcessFileLock.tryAcquire(this.lockFile, this.holderFile);
    } catch (error) {
      // the driver itself (sqlite-driver.ts) is no problem of the file or its folder
      if (error instanceof StoreError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new StoreUnavailableError(
        `cannot lock the SQLite file ${file} (its lock file ${this.lockFile}: ${reason}); the directory must be writable and on a local file system; a damaged lock file may be deleted while no receiver runs`,
        { cause: error, damaged: false },
      );
    }
    if (lock === null) throw new StoreInUseError(file, readLockHolder(file));
    this.#lock = lock;
  }

  /** Deletes the holder file, then frees the file (closes the lock's connection). Idempotent. */
  release(): void {
    this.#lock.release();
  }
}

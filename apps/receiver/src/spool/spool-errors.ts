import { existsSync } from 'node:fs';
import type { LockHolder } from '../locks/process-file-lock.js';

/** Errors of the delivery spool (spool/); `code` is stable, the message says what was wrong and what to do. */
export class SpoolError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * The spool folder cannot be used (created, listed or written) when the receiver starts. `problem`, when
 * given, says what is wrong in words (the start-up check, spool-folder-check.ts); else the cause's code.
 */
export class SpoolDirError extends SpoolError {
  declare readonly code: 'spool_dir_unusable';

  constructor(dir: string, cause: unknown, problem?: string) {
    // mkdir of a path that is a file says EEXIST ("file already exists"), which reads as all is well
    const isFile = (cause as { code?: unknown } | null)?.code === 'EEXIST';
    super(
      'spool_dir_unusable',
      problem !== undefined
        ? `The spool folder ${dir} (SRHOOKS_SPOOL_DIR) cannot be used: ${problem}. Set SRHOOKS_SPOOL_DIR to a folder (created if missing) on persistent disk, writable by the receiver's user, or unset it to turn the spool off.`
        : isFile
          ? `The spool folder ${dir} (SRHOOKS_SPOOL_DIR) cannot be used: it is a file, not a folder. Set SRHOOKS_SPOOL_DIR to a folder (created if missing) on persistent disk, writable by the receiver's user, or unset it to turn the spool off.`
          : `The spool folder ${dir} (SRHOOKS_SPOOL_DIR) cannot be used: ${errorText(cause)}. Create it on persistent disk, writable by the receiver's user, or unset SRHOOKS_SPOOL_DIR to turn the spool off.`,
      { cause },
    );
  }
}

/**
 * Another receiver holds the spool folder's lock (spool-lock.ts): refused at start. `holder` is null when
 * the running receiver has not recorded itself (yet).
 */
export class SpoolInUseError extends SpoolError {
  declare readonly code: 'spool_in_use';
  readonly dir: string;
  readonly holder: LockHolder | null;

  constructor(dir: string, holder: LockHolder | null) {
    const who =
      holder === null
        ? ''
        : `: pid ${holder.pid} on host ${holder.hostname}, running since ${holder.startedAt.toISOString()}`;
    super(
      'spool_in_use',
      `The spool folder ${dir} (SRHOOKS_SPOOL_DIR) is in use by another srhooks receiver${who}. Two receivers must not share a spool folder (both would drain it and count it): give each receiver its own SRHOOKS_SPOOL_DIR, or stop that receiver first. The folder is free as soon as that process ends, however it ends.`,
    );
    this.dir = dir;
    this.holder = holder;
  }
}

/** The delivery does not fit: the spool holds SRHOOKS_SPOOL_MAX_BYTES already (counting writes under way). */
export class SpoolFullError extends SpoolError {
  declare readonly code: 'spool_full';

  constructor(bytes: number, usedBytes: number, maxBytes: number, unreadableBytes = 0) {
    const aside =
      unreadableBytes > 0
        ? `, ${unreadableBytes} of them damaged files in the spool's unreadable/ folder, which only an operator empties (docs/operations.md)`
        : '';
    super(
      'spool_full',
      `The spool is full: a delivery of ${bytes} bytes does not fit (${usedBytes} of ${maxBytes} bytes in use${aside}). It was not spooled; the spool empties once the store is reachable again, or raise SRHOOKS_SPOOL_MAX_BYTES.`,
    );
  }
}

/**
 * Writing a spool file failed (disk full, permissions, I/O error, or the folder itself removed while the
 * receiver runs: `folderGone`): the delivery was not spooled.
 */
export class SpoolWriteError extends SpoolError {
  declare readonly code: 'spool_write_failed';

  constructor(cause: unknown, folderGone?: { dir: string }) {
    super(
      'spool_write_failed',
      folderGone
        ? `The delivery could not be written to the spool: ${spoolFolderGoneText(folderGone.dir)}`
        : `The delivery could not be written to the spool (${errorText(cause)}); it was not spooled. Check the spool folder's disk (free space, permissions).`,
      { cause },
    );
  }
}

/**
 * What to say when the spool folder was removed while the receiver runs (a cleanup job, an operator): it
 * is not created again behind the operator's back (a volume that is no longer mounted looks the same), so
 * nothing can be spooled or drained until a restart creates and locks it again.
 */
export function spoolFolderGoneText(dir: string | null): string {
  return `the spool folder ${dir === null ? '' : `${dir} `}(SRHOOKS_SPOOL_DIR) no longer exists: it was removed while the receiver runs, so no delivery can be spooled (during a store outage each is answered 503) and none drained. Restart the receiver: it creates the folder again and locks it. Spooled deliveries that were in it are lost: recover the shop's orders of that time (srhooks recover, docs/operations.md).`;
}

/** Whether `error` says a path was not there and the spool folder `dir` itself is gone. */
export function isSpoolFolderGone(error: unknown, dir: string): boolean {
  return (error as { code?: unknown } | null)?.code === 'ENOENT' && !existsSync(dir);
}

/** A spool file is not a complete spooled delivery (damaged, truncated, written by something else). */
export class SpoolFileUnreadableError extends SpoolError {
  declare readonly code: 'spool_file_unreadable';
  /** What is wrong with it, without advice (for the log). */
  readonly detail: string;

  constructor(detail: string) {
    super(
      'spool_file_unreadable',
      `The spool file is not a complete spooled delivery (${detail}); it is moved to the spool's unreadable/ folder. Inspect it there; its delivery may have to be recovered from the shop's API.`,
    );
    this.detail = detail;
  }
}

/** The error's code and message (no stack, no data of the delivery). */
function errorText(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.startsWith(code) ? `${code}: ${message}` : message;
}

/**
 * The spool folder's start-up check, before anything is created on disk: a start the spool folder
 * refuses (SRHOOKS_SPOOL_DIR a file, under a file, in a folder the receiver's user cannot write, or locked
 * by another receiver) must fail before the store is opened, which creates a new SQLite file (or a
 * PostgreSQL schema). Nothing is created or written here: the folder is created and locked later, by
 * Spool.open and SpoolLock.acquire (which still report what changed in between).
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { SpoolDirError, SpoolInUseError } from './spool-errors.js';
import { spoolFolderHolder } from './spool-lock.js';

const codeOf = (error: unknown) => (error as { code?: unknown } | null)?.code;

/** The nearest existing folder or file at or above `path`, with what it is. */
async function nearestExisting(path: string): Promise<{ path: string; isDirectory: boolean }> {
  let at = path;
  for (;;) {
    try {
      return { path: at, isDirectory: (await stat(at)).isDirectory() };
    } catch (error) {
      const code = codeOf(error);
      const parent = dirname(at);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === at) throw error;
      at = parent;
    }
  }
}

/**
 * Throws SpoolDirError when the folder `dir` is not one the receiver can create or use, SpoolInUseError
 * when another receiver holds it; creates and writes nothing.
 */
export async function checkSpoolFolder(configured: string): Promise<void> {
  const dir = resolve(configured);
  let existing: { path: string; isDirectory: boolean };
  try {
    existing = await nearestExisting(dir);
  } catch (error) {
    throw new SpoolDirError(dir, error);
  }
  if (!existing.isDirectory) {
    throw new SpoolDirError(
      dir,
      null,
      existing.path === dir ? 'it is a file, not a folder' : `${existing.path} is a file, not a folder`,
    );
  }
  const missing = existing.path !== dir;
  try {
    await access(
      existing.path,
      missing ? constants.W_OK | constants.X_OK : constants.R_OK | constants.W_OK | constants.X_OK,
    );
  } catch (error) {
    throw new SpoolDirError(
      dir,
      error,
      missing
        ? `it does not exist and cannot be created: the receiver's user may not write to ${existing.path} (${String(codeOf(error))})`
        : `the receiver's user may not read and write it (${String(codeOf(error))})`,
    );
  }
  if (missing) return;
  const holder = spoolFolderHolder(dir);
  if (holder !== null) throw new SpoolInUseError(dir, holder.holder);
}

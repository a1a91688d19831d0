import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * `mkdir -p` one directory at a time, each with `mode`. Node's `mkdir(…, {recursive: true})` is not used:
 * where mkdir fails with ENOENT although the parent exists (under /proc), it retries forever at 100 % CPU
 * (a receiver with `SRHOOKS_SPOOL_DIR=/proc/x` started and hung without a line). Here each directory is
 * made once and its error (ENOENT, EACCES, EROFS, ENOTDIR, EEXIST for a file) thrown.
 */
export function createDirectories(directory: string, mode?: number): void {
  try {
    mkdirSync(directory, { mode });
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && statSync(directory).isDirectory()) return;
    const parent = dirname(directory);
    if (code !== 'ENOENT' || parent === directory) throw error;
  }
  createDirectories(dirname(directory), mode);
  mkdirSync(directory, { mode });
}

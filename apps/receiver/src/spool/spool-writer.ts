/**
 * Writes one delivery to the spool durably before it is acknowledged: the file is written under a
 * temporary name, fsynced, renamed to its final name, and the folder fsynced (so the rename survives a
 * crash or power loss). A crash before the rename leaves only the temporary file, which the drainer
 * removes once it is a minute old (spool-reader.ts); a reader never sees a half-written spool file.
 */
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { SpooledDelivery } from '../store/store.js';
import { isSpoolFolderGone, SpoolError, SpoolWriteError } from './spool-errors.js';
import { encodeSpoolFile, type SpoolSource } from './spool-format.js';
import type { SpoolUsage } from './spool-usage.js';

/** Spool files: `<delivery id>.delivery`. Delivery ids sort by arrival, so the names do too. */
export const SPOOL_FILE_SUFFIX = '.delivery';
/** A write under way (or one a crash interrupted): `<delivery id>.delivery.tmp`. */
export const TEMP_FILE_SUFFIX = '.delivery.tmp';

export function spoolFileName(deliveryId: string): string {
  return `${deliveryId}${SPOOL_FILE_SUFFIX}`;
}

/** fsync of a folder: makes the names created or renamed in it durable. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class SpoolWriter {
  readonly #dir: string;
  readonly #usage: SpoolUsage;
  /** Temporary names of the writes under way (the stale-file cleanup leaves them alone). */
  readonly #writing = new Set<string>();

  constructor(dir: string, usage: SpoolUsage) {
    this.#dir = dir;
    this.#usage = usage;
  }

  isWriting(tempName: string): boolean {
    return this.#writing.has(tempName);
  }

  /**
   * Resolves once the delivery's file is durable under its final name, with the file's size.
   * SpoolFullError when it does not fit, SpoolWriteError when the disk refused it (nothing is left of it).
   */
  async write(delivery: SpooledDelivery, source: SpoolSource): Promise<{ file: string; bytes: number }> {
    const [header, body] = encodeSpoolFile(delivery, source);
    const bytes = header.length + body.length;
    this.#usage.reserve(bytes);
    const name = spoolFileName(delivery.id);
    const tempName = `${delivery.id}${TEMP_FILE_SUFFIX}`;
    const tempPath = join(this.#dir, tempName);
    this.#writing.add(tempName);
    let renamed = false;
    try {
      const handle = await open(tempPath, 'wx', 0o600);
      try {
        const { bytesWritten } = await handle.writev([header, body]);
        if (bytesWritten !== bytes) throw new Error(`wrote ${bytesWritten} of ${bytes} bytes`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tempPath, join(this.#dir, name));
      renamed = true;
      // counted from here: the file is there (and will be drained) even if the folder's fsync fails
      this.#usage.added(name, bytes);
      await syncDir(this.#dir);
      return { file: name, bytes };
    } catch (error) {
      if (!renamed) await unlink(tempPath).catch(() => {});
      if (error instanceof SpoolError) throw error;
      throw new SpoolWriteError(error, isSpoolFolderGone(error, this.#dir) ? { dir: this.#dir } : undefined);
    } finally {
      this.#usage.release(bytes);
      this.#writing.delete(tempName);
    }
  }
}

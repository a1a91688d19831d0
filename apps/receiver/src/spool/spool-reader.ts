/**
 * Reading the spool folder for the drainer: the spooled deliveries in arrival order, one file's delivery,
 * removing a drained file, moving an unreadable one aside (`unreadable/`), and removing temporary files
 * a crash left behind (older than a minute: a write under way takes milliseconds).
 */
import { mkdir, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeSpoolFile, type SpoolEntry } from './spool-format.js';
import { SPOOL_FILE_SUFFIX, syncDir, TEMP_FILE_SUFFIX } from './spool-writer.js';

/** Where spool files that do not parse are moved. */
export const UNREADABLE_DIR = 'unreadable';
/** A temporary file at least this old is what a crash left: removed. */
export const STALE_TEMP_MS = 60_000;

export class SpoolReader {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** The spool files' names, oldest delivery first. */
  async list(): Promise<string[]> {
    const names = await readdir(this.#dir);
    return names.filter((name) => name.endsWith(SPOOL_FILE_SUFFIX)).sort();
  }

  /** The spool files with their sizes (when the spool opens). */
  async sizes(): Promise<Array<{ name: string; bytes: number }>> {
    const sizes: Array<{ name: string; bytes: number }> = [];
    for (const name of await this.list()) {
      const bytes = await stat(join(this.#dir, name)).then(
        (stats) => stats.size,
        () => null,
      );
      if (bytes !== null) sizes.push({ name, bytes });
    }
    return sizes;
  }

  /** The files in `unreadable/` (damaged ones moved aside, or anything an operator put there) and their bytes. */
  async unreadable(): Promise<{ files: number; bytes: number }> {
    const aside = join(this.#dir, UNREADABLE_DIR);
    let names: string[];
    try {
      names = await readdir(aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { files: 0, bytes: 0 };
      throw error;
    }
    let files = 0;
    let bytes = 0;
    for (const name of names) {
      const stats = await stat(join(aside, name)).catch(() => null);
      if (!stats?.isFile()) continue;
      files += 1;
      bytes += stats.size;
    }
    return { files, bytes };
  }

  /** The delivery in the file; SpoolFileUnreadableError when it is not a complete one. */
  async read(name: string): Promise<SpoolEntry> {
    return decodeSpoolFile(await readFile(join(this.#dir, name)));
  }

  /** Removes a drained file (and makes the removal durable); a file already gone is fine. */
  async remove(name: string): Promise<void> {
    await unlink(join(this.#dir, name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await syncDir(this.#dir);
  }

  /**
   * Removes drained files (`removed` is told of each as soon as it is gone from the folder), then makes
   * the removals durable with one fsync of the folder (not one each); a file already gone is fine. A
   * crash before that fsync may bring some back: the drainer finds their deliveries stored already (by
   * id) and stores nothing twice.
   */
  async removeAll(names: readonly string[], removed: (name: string) => void): Promise<void> {
    await Promise.all(
      names.map(async (name) => {
        await unlink(join(this.#dir, name)).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        });
        removed(name);
      }),
    );
    await syncDir(this.#dir);
  }

  /** Moves an unreadable file to `unreadable/`; returns its new path. */
  async moveAside(name: string): Promise<string> {
    const aside = join(this.#dir, UNREADABLE_DIR);
    await mkdir(aside, { recursive: true });
    const target = join(aside, name);
    await rename(join(this.#dir, name), target);
    await syncDir(this.#dir);
    return target;
  }

  /**
   * Removes the temporary files older than STALE_TEMP_MS, except those `inUse` says are being written;
   * returns how many were removed.
   */
  async removeStaleTemp(now: number, inUse: (name: string) => boolean): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.#dir)) {
      if (!name.endsWith(TEMP_FILE_SUFFIX) || inUse(name)) continue;
      const path = join(this.#dir, name);
      const modified = await stat(path).then(
        (stats) => stats.mtimeMs,
        () => null,
      );
      if (modified === null || now - modified < STALE_TEMP_MS) continue;
      await unlink(path).catch(() => {});
      removed += 1;
    }
    return removed;
  }
}

/**
 * The delivery spool of one receiver (SRHOOKS_SPOOL_DIR): deliveries the store could not take, written
 * durably and acknowledged, waiting for the drainer (spool-drainer.ts) to move them into the store.
 * `Spool.open` creates the folder (and checks it can be written), then counts what a previous run left,
 * the damaged files in `unreadable/` included (spool-usage.ts).
 */
import { access, constants } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createDirectories } from '../create-directories.js';
import type { SpooledDelivery } from '../store/store.js';
import { SpoolDirError } from './spool-errors.js';
import type { SpoolEntry, SpoolSource } from './spool-format.js';
import { SpoolReader } from './spool-reader.js';
import { type SpoolFigures, SpoolUsage } from './spool-usage.js';
import { SpoolWriter } from './spool-writer.js';

export type { SpoolFigures };

export class Spool {
  readonly dir: string;
  readonly #usage: SpoolUsage;
  readonly #writer: SpoolWriter;
  readonly #reader: SpoolReader;
  readonly #written = new Set<() => void>();

  private constructor(dir: string, maxBytes: number) {
    this.dir = dir;
    this.#usage = new SpoolUsage(maxBytes);
    this.#writer = new SpoolWriter(dir, this.#usage);
    this.#reader = new SpoolReader(dir);
  }

  /** SpoolDirError when the folder cannot be created, listed or written. */
  static async open(dir: string, maxBytes: number): Promise<Spool> {
    const spool = new Spool(resolve(dir), maxBytes);
    try {
      createDirectories(spool.dir, 0o700);
      await access(spool.dir, constants.R_OK | constants.W_OK | constants.X_OK);
      for (const { name, bytes } of await spool.#reader.sizes()) spool.#usage.added(name, bytes);
      await spool.countUnreadable();
    } catch (error) {
      throw new SpoolDirError(spool.dir, error);
    }
    return spool;
  }

  figures(): SpoolFigures {
    return this.#usage.figures();
  }

  /**
   * Whether a delivery of `bytes` would be spooled now: it fits (SRHOOKS_SPOOL_MAX_BYTES) and the folder
   * can still be written (checked, not assumed: a folder removed or made read-only since start-up).
   */
  async accepts(bytes: number): Promise<{ ok: true } | { ok: false; reason: 'full' | 'unwritable' }> {
    if (this.#usage.room() < bytes) return { ok: false, reason: 'full' };
    try {
      await access(this.dir, constants.W_OK | constants.X_OK);
      return { ok: true };
    } catch {
      return { ok: false, reason: 'unwritable' };
    }
  }

  /** Called after each delivery written (the drainer wakes up). Returns an unsubscribe function. */
  onWritten(listener: () => void): () => void {
    this.#written.add(listener);
    return () => this.#written.delete(listener);
  }

  /** Writes the delivery durably (spool-writer.ts); SpoolFullError / SpoolWriteError when it was not. */
  async write(
    delivery: SpooledDelivery,
    source: SpoolSource = 'webhook',
  ): Promise<{ file: string; bytes: number }> {
    const written = await this.#writer.write(delivery, source);
    for (const listener of this.#written) listener();
    return written;
  }

  /** A waiting file's size in bytes, as counted; null when it is not counted. */
  bytesOf(name: string): number | null {
    return this.#usage.bytesOf(name);
  }

  /** The waiting files' names, oldest delivery first. */
  list(): Promise<string[]> {
    return this.#reader.list();
  }

  read(name: string): Promise<SpoolEntry> {
    return this.#reader.read(name);
  }

  async remove(name: string): Promise<void> {
    await this.#reader.remove(name);
    this.#usage.removed(name);
  }

  /**
   * Removes drained files with one fsync of the folder (spool-reader.ts `removeAll`); each stops counting
   * as soon as it is gone from the folder, so the figures never count a file that is not there.
   */
  async removeAll(names: readonly string[]): Promise<void> {
    await this.#reader.removeAll(names, (name) => this.#usage.removed(name));
  }

  /** Moves a damaged file to `unreadable/`, where it stays (and counts) until an operator deals with it. */
  async moveAside(name: string): Promise<string> {
    const target = await this.#reader.moveAside(name);
    this.#usage.removed(name);
    await this.countUnreadable();
    return target;
  }

  /** Counts `unreadable/` again (an operator may have emptied it): each drain round. */
  async countUnreadable(): Promise<void> {
    const { files, bytes } = await this.#reader.unreadable();
    this.#usage.unreadableFound(files, bytes);
  }

  removeStaleTemp(now = Date.now()): Promise<number> {
    return this.#reader.removeStaleTemp(now, (name) => this.#writer.isWriting(name));
  }
}

/**
 * What the spool holds: its files and their sizes, plus the bytes of writes under way (reserved before
 * a write starts, so concurrent writes cannot together pass the limit), plus the damaged files moved to
 * `unreadable/` — never deleted automatically (they may be the only copy of an acknowledged delivery), so
 * their bytes count against SRHOOKS_SPOOL_MAX_BYTES too. Kept in memory: this receiver is the only writer
 * of its spool folder (spool-lock.ts); the folder is scanned when the spool opens, and `unreadable/` again
 * on each drain round (an operator empties it by hand).
 */
import { SpoolFullError } from './spool-errors.js';

export interface SpoolFigures {
  /** Deliveries waiting in the spool. */
  readonly deliveries: number;
  /** The bytes of their files. */
  readonly bytes: number;
  /** Damaged files in `unreadable/`, waiting for an operator (docs/operations.md). */
  readonly unreadableFiles: number;
  /** Their bytes (counted against the limit). */
  readonly unreadableBytes: number;
}

export class SpoolUsage {
  readonly #files = new Map<string, number>();
  readonly #maxBytes: number;
  #bytes = 0;
  #reserved = 0;
  #unreadable = { files: 0, bytes: 0 };

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Takes room for a write of `bytes`; SpoolFullError when it does not fit. Give it back with `release`. */
  reserve(bytes: number): void {
    const used = this.#bytes + this.#reserved + this.#unreadable.bytes;
    if (used + bytes > this.#maxBytes)
      throw new SpoolFullError(bytes, used, this.#maxBytes, this.#unreadable.bytes);
    this.#reserved += bytes;
  }

  release(bytes: number): void {
    this.#reserved -= bytes;
  }

  added(name: string, bytes: number): void {
    this.removed(name);
    this.#files.set(name, bytes);
    this.#bytes += bytes;
  }

  /** A waiting file's size; null when it is not counted (not there, or gone). */
  bytesOf(name: string): number | null {
    return this.#files.get(name) ?? null;
  }

  removed(name: string): void {
    const bytes = this.#files.get(name);
    if (bytes === undefined) return;
    this.#files.delete(name);
    this.#bytes -= bytes;
  }

  /** What `unreadable/` holds, as scanned. */
  unreadableFound(files: number, bytes: number): void {
    this.#unreadable = { files, bytes };
  }

  figures(): SpoolFigures {
    return {
      deliveries: this.#files.size,
      bytes: this.#bytes,
      unreadableFiles: this.#unreadable.files,
      unreadableBytes: this.#unreadable.bytes,
    };
  }

  /** Bytes a new write may still take (what is stored, reserved and moved aside counted). */
  room(): number {
    return Math.max(0, this.#maxBytes - this.#bytes - this.#reserved - this.#unreadable.bytes);
  }
}

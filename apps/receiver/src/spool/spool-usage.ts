/**
 * What the spool holds: its files and their sizes, plus the bytes of writes under way (reserved before
 * a write starts, so concurrent writes cannot together pass the limit). Kept in memory: this receiver is
 * the only writer of its spool folder; the folder is scanned once when the spool opens.
 */
import { SpoolFullError } from './spool-errors.js';

export interface SpoolFigures {
  /** Deliveries waiting in the spool. */
  readonly deliveries: number;
  /** The bytes of their files. */
  readonly bytes: number;
}

export class SpoolUsage {
  readonly #files = new Map<string, number>();
  readonly #maxBytes: number;
  #bytes = 0;
  #reserved = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Takes room for a write of `bytes`; SpoolFullError when it does not fit. Give it back with `release`. */
  reserve(bytes: number): void {
    const used = this.#bytes + this.#reserved;
    if (used + bytes > this.#maxBytes) throw new SpoolFullError(bytes, used, this.#maxBytes);
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

  removed(name: string): void {
    const bytes = this.#files.get(name);
    if (bytes === undefined) return;
    this.#files.delete(name);
    this.#bytes -= bytes;
  }

  figures(): SpoolFigures {
    return { deliveries: this.#files.size, bytes: this.#bytes };
  }

  /** Bytes a new write may still take (what is stored and reserved counted). */
  room(): number {
    return Math.max(0, this.#maxBytes - this.#bytes - this.#reserved);
  }
}

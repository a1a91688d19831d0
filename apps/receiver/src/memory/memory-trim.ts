/**
 * Giving freed native memory back to the system after a burst (issue #14 §5).
 *
 * glibc's main heap only shrinks from its top: after a burst of large bodies, the socket buffers freed
 * between longer-lived allocations stay resident (measured: ≈ 30 MB of a 147 MB RSS that
 * `malloc_trim(0)` gave back at once). The receiver's small native addon (`native/memory_trim.c`,
 * built into `dist/native/` by `scripts/build-native.mjs`) calls `malloc_trim(0)`; the
 * {@link MemoryTrimmer} calls it once a burst is over — at least TRIM_AFTER_BYTES of request bodies
 * since the last trim, then a quiet interval — never under steady load, where the freed memory is
 * reused anyway.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface MemoryTrimBinding {
  /** Whether the C library has something to trim (glibc); elsewhere `trim()` does nothing. */
  readonly available: boolean;
  /** Gives free memory back to the system; true when some was. */
  trim(): boolean;
}

/** Where the build puts the addon: the same path from src/memory and from dist/memory. */
export const MEMORY_TRIM_ADDON = fileURLToPath(
  new URL('../../dist/native/memory_trim.node', import.meta.url),
);

export type MemoryTrimLoad =
  | { readonly binding: MemoryTrimBinding; readonly reason: null }
  | { readonly binding: null; readonly reason: string };

/** Loads the addon; says why not when it cannot (not built here, or built for another platform). */
export function loadMemoryTrim(file: string = MEMORY_TRIM_ADDON): MemoryTrimLoad {
  if (!existsSync(file)) {
    return { binding: null, reason: `the memory-trim addon was not built (${file} is missing)` };
  }
  try {
    const binding = createRequire(import.meta.url)(file) as MemoryTrimBinding;
    return { binding, reason: null };
  } catch (error) {
    return { binding: null, reason: `the memory-trim addon does not load here: ${(error as Error).message}` };
  }
}

/** A trim is due once this many body bytes arrived since the last one … */
export const TRIM_AFTER_BYTES = 16 * 2 ** 20;
/** … and an interval of CHECK_INTERVAL_MS brought less than QUIET_BYTES. */
export const QUIET_BYTES = 2 ** 20;
export const CHECK_INTERVAL_MS = 2000;
/**
 * Quiet intervals that trim after a burst (30 s at the default interval): the burst's buffers are freed
 * only when V8 collects them, which can be many seconds after the burst (V8 collects little while the
 * process is idle), so one trim right away is not enough. A trim of a heap with nothing to give back
 * costs ~0.1 ms.
 */
export const TRIMS_PER_BURST = 15;

export interface MemoryTrimmerOptions {
  readonly trimAfterBytes?: number;
  readonly quietBytes?: number;
}

/** Decides when to trim: fed the size of each request body, asked once per interval. */
export class MemoryTrimmer {
  readonly #binding: MemoryTrimBinding;
  readonly #trimAfterBytes: number;
  readonly #quietBytes: number;
  #sinceTrim = 0;
  #sinceCheck = 0;
  #pendingTrims = 0;
  #trimmedAfterGc = false;
  #trims = 0;

  constructor(binding: MemoryTrimBinding, options: MemoryTrimmerOptions = {}) {
    this.#binding = binding;
    this.#trimAfterBytes = options.trimAfterBytes ?? TRIM_AFTER_BYTES;
    this.#quietBytes = options.quietBytes ?? QUIET_BYTES;
  }

  /** A request body of `bytes` arrived. */
  received(bytes: number): void {
    this.#sinceTrim += bytes;
    this.#sinceCheck += bytes;
  }

  /**
   * Once per interval: after a burst, trims in each of the next TRIMS_PER_BURST quiet intervals. True
   * when it called the C library.
   */
  check(): boolean {
    const quiet = this.#sinceCheck < this.#quietBytes;
    this.#sinceCheck = 0;
    this.#trimmedAfterGc = false;
    if (!quiet) return false;
    if (this.#sinceTrim >= this.#trimAfterBytes) this.#pendingTrims = TRIMS_PER_BURST;
    this.#sinceTrim = 0;
    if (this.#pendingTrims === 0) return false;
    this.#pendingTrims -= 1;
    this.#trim();
    return true;
  }

  /**
   * After a garbage collection (it may just have freed a burst's buffers): trims when a burst is over
   * and the current interval is quiet so far, at most once per interval. True when it called the C library.
   */
  afterGc(): boolean {
    if (this.#pendingTrims === 0 || this.#trimmedAfterGc || this.#sinceCheck >= this.#quietBytes)
      return false;
    this.#trimmedAfterGc = true;
    this.#trim();
    return true;
  }

  #trim(): void {
    this.#trims += 1;
    this.#binding.trim();
  }

  /** Trims so far. */
  get trims(): number {
    return this.#trims;
  }
}

/**
 * Giving a burst's memory back to the system (issue #14 §5).
 *
 * After a burst of large bodies the RSS stayed high while the JS heap was flat, for two reasons: the
 * bodies are freed only when V8 next collects their objects (an idle thread may not for many seconds),
 * and glibc's main heap only shrinks from its top, so memory freed between longer-lived allocations stays
 * resident. The receiver's small native addon (`native/memory_trim.cc`, built into `dist/native/` by
 * `scripts/build-native.mjs`) has `collect()` (V8's low-memory collection of the calling thread's heap)
 * and `trim()` (glibc's `malloc_trim(0)`). The {@link MemoryTrimmer} uses them once a burst is over — at
 * least TRIM_AFTER_BYTES of request bodies since the last trim, then a quiet interval — never under
 * steady load, where the freed memory is reused anyway.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface MemoryTrimBinding {
  /** Whether the C library has something to trim (glibc); elsewhere `trim()` does nothing. */
  readonly available: boolean;
  /** Gives free memory back to the system; true when some was. */
  trim(): boolean;
  /**
   * V8's low-memory collection of the calling thread's heap (full collections that also shrink its
   * spaces): frees the burst's bodies now instead of whenever V8 next collects. Blocks for the collection.
   */
  collect(): void;
}

/**
 * The receiver package's directory: the nearest one above this module whose package.json is the
 * receiver's. This module runs from dist/memory, from src/memory (tests), and transpiled into
 * node_modules/.cache (the SQLite writer thread under tests), so a fixed relative path would not do.
 */
function receiverPackageDirectory(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === '@srhooks/receiver')
      return dir;
    const parent = dirname(dir);
    if (parent === dir) return fileURLToPath(new URL('../..', import.meta.url));
    dir = parent;
  }
}

/** Where the build puts the addon. */
export const MEMORY_TRIM_ADDON = join(receiverPackageDirectory(), 'dist', 'native', 'memory_trim.node');

/**
 * How to build the addon for the node that runs the receiver: the build script ships with the package
 * (an installed package carries an addon built where it was packed, for that Node version and platform).
 */
export const MEMORY_TRIM_BUILD_HINT = `to build it for this Node: node ${join(receiverPackageDirectory(), 'scripts', 'build-native.mjs')} (needs a C++ compiler, make and python3)`;

export type MemoryTrimLoad =
  | { readonly binding: MemoryTrimBinding; readonly reason: null }
  | { readonly binding: null; readonly reason: string };

/** Loads the addon; says why not when it cannot (not built here, or built for another platform). */
export function loadMemoryTrim(file: string = MEMORY_TRIM_ADDON): MemoryTrimLoad {
  if (!existsSync(file)) {
    return {
      binding: null,
      reason: `the memory-trim addon was not built (${file} is missing); ${MEMORY_TRIM_BUILD_HINT}`,
    };
  }
  try {
    const binding = createRequire(import.meta.url)(file) as MemoryTrimBinding;
    return { binding, reason: null };
  } catch (error) {
    return {
      binding: null,
      reason: `the memory-trim addon does not load here (${(error as Error).message.replace(/\s*\n\s*/g, ' ')}); ${MEMORY_TRIM_BUILD_HINT}`,
    };
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
  /**
   * Called with the collection after a burst: frees what other threads hold of it (the SQLite writer
   * thread keeps the bodies it stored until its own next collection).
   */
  readonly releaseOtherThreads?: () => void;
}

/** Decides when to trim: fed the size of each request body, asked once per interval. */
export class MemoryTrimmer {
  readonly #binding: MemoryTrimBinding;
  readonly #trimAfterBytes: number;
  readonly #quietBytes: number;
  readonly #releaseOtherThreads: () => void;
  #sinceTrim = 0;
  #sinceCheck = 0;
  #pendingTrims = 0;
  #trimmedAfterGc = false;
  #trims = 0;
  #collections = 0;

  constructor(binding: MemoryTrimBinding, options: MemoryTrimmerOptions = {}) {
    this.#binding = binding;
    this.#trimAfterBytes = options.trimAfterBytes ?? TRIM_AFTER_BYTES;
    this.#quietBytes = options.quietBytes ?? QUIET_BYTES;
    this.#releaseOtherThreads = options.releaseOtherThreads ?? (() => {});
  }

  /** A request body of `bytes` arrived. */
  received(bytes: number): void {
    this.#sinceTrim += bytes;
    this.#sinceCheck += bytes;
  }

  /**
   * Once per interval: after a burst, trims in each of the next TRIMS_PER_BURST quiet intervals; the first
   * of them first collects this thread's heap and has the other threads release theirs. True when it
   * called the C library.
   */
  check(): boolean {
    const quiet = this.#sinceCheck < this.#quietBytes;
    this.#sinceCheck = 0;
    this.#trimmedAfterGc = false;
    if (!quiet) return false;
    const burstOver = this.#sinceTrim >= this.#trimAfterBytes;
    if (burstOver) this.#pendingTrims = TRIMS_PER_BURST;
    this.#sinceTrim = 0;
    if (this.#pendingTrims === 0) return false;
    this.#pendingTrims -= 1;
    // The first quiet interval after a burst: its bodies are garbage now; collect them before the trim.
    if (burstOver) this.#collect();
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

  #collect(): void {
    this.#collections += 1;
    this.#releaseOtherThreads();
    this.#binding.collect();
  }

  #trim(): void {
    this.#trims += 1;
    this.#binding.trim();
  }

  /** Trims so far. */
  get trims(): number {
    return this.#trims;
  }

  /** Collections asked of V8 so far (one per burst). */
  get collections(): number {
    return this.#collections;
  }
}

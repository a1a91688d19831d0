/**
 * Whether the SQLite store can write, for `/readyz`: a `SELECT 1` cannot see a file whose write lock
 * another connection holds (or one that is read-only or full), so readiness also asks the writer thread to
 * take the write lock (`probeWrite`: `BEGIN IMMEDIATE; ROLLBACK`, nothing written, no fsync).
 *
 * Probes are cheap and do not compete with ingest: an outcome is reused for {@link WRITE_PROBE_CACHE_MS},
 * at most one probe is in the writer thread at a time (later checks wait for it), and a check answers
 * within `limitMs` + {@link WRITE_PROBE_MARGIN_MS} even when the writer thread is itself waiting for the
 * lock on behalf of a delivery (that counts as "cannot write now"); only the very first probe, which
 * starts the thread, is left to the caller's own time limit.
 */
import { StoreUnavailableError } from '../store-errors.js';

/** How long a probe waits for the write lock (capped by the store's busy timeout). */
export const WRITE_PROBE_LIMIT_MS = 1000;
/** How long a probe's outcome answers later checks. */
export const WRITE_PROBE_CACHE_MS = 1000;
/** Extra time for the writer thread to answer, beyond the probe's own limit. */
export const WRITE_PROBE_MARGIN_MS = 500;

export interface WriteReadinessOptions {
  limitMs?: number;
  cacheMs?: number;
  now?: () => number;
  /**
   * Changes whenever a write failed because the store was unavailable: a cached outcome older than
   * such a failure is not reused (the next check probes afresh).
   */
  failures?: () => number;
}

export class WriteReadiness {
  readonly #probe: (limitMs: number) => Promise<void>;
  readonly #limitMs: number;
  readonly #cacheMs: number;
  readonly #now: () => number;
  readonly #failures: () => number;
  #last: { at: number; error: unknown; failures: number } | null = null;
  #inFlight: Promise<void> | null = null;
  /** A probe has come back (so the writer thread runs, or ran). */
  #answered = false;

  constructor(probe: (limitMs: number) => Promise<void>, options: WriteReadinessOptions = {}) {
    this.#probe = probe;
    this.#limitMs = options.limitMs ?? WRITE_PROBE_LIMIT_MS;
    this.#cacheMs = options.cacheMs ?? WRITE_PROBE_CACHE_MS;
    this.#now = options.now ?? (() => performance.now());
    this.#failures = options.failures ?? (() => 0);
  }

  /** Resolves when the store could take its write lock recently; rejects with StoreUnavailableError otherwise. */
  check(): Promise<void> {
    const last = this.#last;
    if (last !== null && this.#now() - last.at < this.#cacheMs && last.failures === this.#failures()) {
      return last.error === null ? Promise.resolve() : Promise.reject(last.error);
    }
    this.#inFlight ??= this.#probe(this.#limitMs).then(
      () => this.#settle(null),
      (error: unknown) => this.#settle(error),
    );
    // The first probe also starts the writer thread (slow on a busy machine): only the caller's own
    // time limit (the store timeout on /readyz) bounds it.
    return this.#answered ? this.#bounded(this.#inFlight) : this.#inFlight;
  }

  #settle(error: unknown): void {
    this.#answered = true;
    this.#inFlight = null;
    this.#last = { at: this.#now(), error, failures: this.#failures() };
    if (error !== null) throw error;
  }

  #bounded(probe: Promise<void>): Promise<void> {
    const waitMs = this.#limitMs + WRITE_PROBE_MARGIN_MS;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = new StoreUnavailableError(
          `the SQLite writer did not take the write lock within ${waitMs} ms (another connection holds it, or a write is waiting for it)`,
        );
        this.#last = { at: this.#now(), error, failures: this.#failures() };
        reject(error);
      }, waitMs);
      timer.unref();
      probe.then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}

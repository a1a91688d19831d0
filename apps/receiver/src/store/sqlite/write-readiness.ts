/**
 * Whether the SQLite store can write, for `/readyz`: a `SELECT 1` cannot see a file whose write lock
 * another connection holds (or one that is read-only or full), so readiness also asks the writer thread to
 * take the write lock (`probeWrite`: `BEGIN IMMEDIATE; ROLLBACK`, nothing written, no fsync).
 *
 * A lock held by another connection is not a failure by itself: a delivery waits for it (busy timeout,
 * bounded by the receiver's store timeout). So a probe that finds the lock busy (or a writer thread that
 * does not answer in time because it waits for the lock on a delivery's behalf) turns readiness red only
 * once the lock has been unavailable for `lockWaitMs` (as long as a delivery waits), counted from the
 * start of the first probe that found it busy; a probe that takes the lock starts the count afresh. Other
 * failures (I/O error, full disk, damaged or read-only file) are red at once.
 *
 * Probes are cheap and do not compete with ingest: an outcome is reused for {@link WRITE_PROBE_CACHE_MS},
 * at most one probe is in the writer thread at a time (later checks wait for it), and a check answers
 * within `limitMs` + {@link WRITE_PROBE_MARGIN_MS} even when the writer thread is itself waiting for the
 * lock on behalf of a delivery; only the very first probe, which starts the thread, is left to the
 * caller's own time limit.
 */
import { StoreUnavailableError } from '../store-errors.js';

/** How long a probe waits for the write lock (capped by the store's busy timeout). */
export const WRITE_PROBE_LIMIT_MS = 1000;
/** How long a probe's outcome answers later checks. */
export const WRITE_PROBE_CACHE_MS = 1000;
/** Extra time for the writer thread to answer, beyond the probe's own limit. */
export const WRITE_PROBE_MARGIN_MS = 500;
/** How long the write lock may be unavailable before readiness turns red: a delivery's wait (5 s by default). */
export const WRITE_LOCK_WAIT_MS = 5000;

/**
 * One probe: resolves `undefined` when it took the write lock, or SQLite's words when another connection
 * held it beyond `limitMs`; rejects (StoreUnavailableError) when the store cannot write for another reason.
 */
export type WriteProbe = (limitMs: number) => Promise<string | undefined>;

export interface WriteReadinessOptions {
  limitMs?: number;
  /** How long the write lock may stay unavailable while readiness stays green (default {@link WRITE_LOCK_WAIT_MS}). */
  lockWaitMs?: number;
  cacheMs?: number;
  now?: () => number;
  /**
   * Changes whenever a write failed because the store was unavailable: a cached outcome older than
   * such a failure is not reused (the next check probes afresh).
   */
  failures?: () => number;
}

export class WriteReadiness {
  readonly #probe: WriteProbe;
  readonly #limitMs: number;
  readonly #lockWaitMs: number;
  readonly #cacheMs: number;
  readonly #now: () => number;
  readonly #failures: () => number;
  #last: { at: number; error: unknown; failures: number } | null = null;
  #inFlight: Promise<void> | null = null;
  /** When the probe in flight started. */
  #inFlightSince = 0;
  /** When the first probe that found the write lock unavailable started; null once a probe took it. */
  #busySince: number | null = null;
  /** A probe has come back (so the writer thread runs, or ran). */
  #answered = false;

  constructor(probe: WriteProbe, options: WriteReadinessOptions = {}) {
    this.#probe = probe;
    this.#limitMs = options.limitMs ?? WRITE_PROBE_LIMIT_MS;
    this.#lockWaitMs = Math.max(0, options.lockWaitMs ?? WRITE_LOCK_WAIT_MS);
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
    if (this.#inFlight === null) {
      const since = this.#now();
      this.#inFlightSince = since;
      this.#inFlight = this.#probe(this.#limitMs).then(
        (busy) => {
          if (busy === undefined) this.#busySince = null;
          this.#settle(busy === undefined ? null : this.#lockUnavailable(since, busy));
        },
        (error: unknown) => this.#settle(error),
      );
    }
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

  /**
   * The write lock was unavailable in a probe that started at `since`: null (still ready) until it has
   * been unavailable for lockWaitMs since the first such probe began, then the error saying so.
   */
  #lockUnavailable(since: number, detail: string): StoreUnavailableError | null {
    this.#busySince ??= since;
    const heldMs = this.#now() - this.#busySince;
    if (heldMs < this.#lockWaitMs) return null;
    return new StoreUnavailableError(
      `the SQLite file cannot be written now: ${detail}; its write lock has been unavailable for ${Math.round(heldMs / 1000)} s, as long as a delivery waits for it`,
    );
  }

  #bounded(probe: Promise<void>): Promise<void> {
    const waitMs = this.#limitMs + WRITE_PROBE_MARGIN_MS;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = this.#lockUnavailable(
          this.#inFlightSince,
          `the SQLite writer did not take the write lock within ${waitMs} ms (another connection holds it, or a write is waiting for it)`,
        );
        this.#last = { at: this.#now(), error, failures: this.#failures() };
        if (error === null) resolve();
        else reject(error);
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

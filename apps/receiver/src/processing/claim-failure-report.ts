/**
 * What the job worker says when a claim fails, and when claims work again. While the receiver runs, one
 * warn line per outage (the worker tries again at the next poll). Once it is stopping there is no next
 * poll: a claim given up then — PostgreSQL's link gone silent during the shutdown (StoreShutdownWaitError),
 * or any store error while stopping — gets one accurate line instead of a promise of a retry. Jobs such a
 * claim may have taken in the store (committed, the answer lost) are leased to this worker, which no longer
 * renews them: once their leases end, another worker (another instance, or this one's next start) runs them.
 */
import type { Logger } from 'pino';
import { StoreShutdownWaitError } from '../store/store-errors.js';

export class ClaimFailureReport {
  readonly #logger: Logger;
  /** A claim failed and no claim succeeded since (one warn line per outage). */
  #failing = false;
  /** The claim given up by the shutdown was reported (once). */
  #gaveUpReported = false;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** A claim went through: says so once after an outage. */
  succeeded(): void {
    if (this.#failing) this.#logger.info('store reachable again; claiming jobs');
    this.#failing = false;
  }

  /** A claim failed; `stopping`: the worker is stopping (it claims no more). */
  failed(error: unknown, stopping: boolean): void {
    if (stopping || error instanceof StoreShutdownWaitError) {
      if (!this.#gaveUpReported) {
        this.#gaveUpReported = true;
        this.#logger.info(
          { reason: error instanceof StoreShutdownWaitError ? error.detail : describe(error) },
          'job claim given up: the receiver is stopping and the store did not answer; no claim is retried, and jobs it may have taken are run by another worker (or the next start) once their leases end',
        );
      }
      return;
    }
    if (!this.#failing) {
      this.#logger.warn(
        { err: error },
        'cannot claim jobs (store unavailable?); trying again at the next poll',
      );
    }
    this.#failing = true;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

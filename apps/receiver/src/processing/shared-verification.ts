/**
 * The shop's `verify` step, run once per event: jobs of the same event that reach it while a check is
 * under way share that check. Its result is recorded on the event before it is handed out.
 */
import type { ClaimedJob, Store } from '../store/store.js';
import type { VerificationResult } from './verify.js';

/**
 * Decides whether a job's event must be checked against the shop first; returns null when not (shop
 * without `verify`, or an event that is not an order). Throwing = the check could not be made (retry).
 */
export type EventVerifier = (job: ClaimedJob) => Promise<VerificationResult> | null;

export class SharedVerification {
  readonly #verifier: EventVerifier | undefined;
  readonly #store: Store;
  /** Checks under way, by event id. */
  readonly #pending = new Map<string, Promise<VerificationResult>>();

  constructor(verifier: EventVerifier | undefined, store: Store) {
    this.#verifier = verifier;
    this.#store = store;
  }

  /**
   * The check of `job`'s event (the one under way, or a new one), recorded on the event before it
   * resolves; null when the job needs none (no verifier, event already checked, not an order). Throws
   * when the verifier cannot start a check; the promise rejects when the check failed.
   */
  check(job: ClaimedJob): Promise<VerificationResult> | null {
    if (!this.#verifier || job.verification !== 'unverified') return null;
    const pending = this.#pending.get(job.eventId);
    if (pending) return pending;
    const check = this.#verifier(job);
    if (check === null) return null;
    const recorded = check.then(async (result) => {
      await this.#store.setEventVerification(job.eventId, { status: result.status, detail: result.detail });
      return result;
    });
    this.#pending.set(job.eventId, recorded);
    recorded
      .finally(() => this.#pending.delete(job.eventId))
      .catch(() => {
        // reported to every job waiting for it
      });
    return recorded;
  }
}

/**
 * The shop's `verify` step of an attempt. The check runs once per event: jobs of the same event that
 * reach it while a check is under way share it, and its result is recorded on the event before it is
 * handed out. A match lets the handler run; a mismatch holds the event (this attempt's job is handed
 * back until someone replays it); a failed check is a `retry` outcome. An attempt that no longer holds
 * its job once the answer came does nothing (the current attempt acts).
 */
import type { Logger } from 'pino';
import type { ClaimedJob, Store } from '../store/store.js';
import type { Clock } from './clock.js';
import { describeError, type HandlerOutcome } from './handler-outcome.js';
import type { HeldJobs } from './held-jobs.js';
import type { VerificationResult } from './verify.js';

/**
 * Decides whether a job's event must be checked against the shop first; returns null when not (shop
 * without `verify`, or an event that is not an order). Throwing = the check could not be made (retry).
 */
export type EventVerifier = (job: ClaimedJob) => Promise<VerificationResult> | null;

export interface AttemptVerificationOptions {
  verifier: EventVerifier | undefined;
  store: Store;
  clock: Clock;
  held: HeldJobs;
  /** Whether this attempt of the job no longer holds it (logs why); see JobWorker. */
  superseded: (job: ClaimedJob, log: Logger) => boolean;
  /** The job was handed back because its event mismatched (held until replayed). */
  onHeld: (job: ClaimedJob, detail: string) => void;
}

/** 'ok' = run the handler; 'held' = handed back (event mismatched); 'superseded' = nothing to do; an outcome = the check failed. */
export type VerificationStep = 'ok' | 'held' | 'superseded' | HandlerOutcome;

export class AttemptVerification {
  readonly #options: AttemptVerificationOptions;
  /** Checks under way, by event id. */
  readonly #pending = new Map<string, Promise<VerificationResult>>();

  constructor(options: AttemptVerificationOptions) {
    this.#options = options;
  }

  async verify(job: ClaimedJob, log: Logger): Promise<VerificationStep> {
    let check: Promise<VerificationResult> | null;
    try {
      check = this.#check(job);
    } catch (error) {
      return verificationFailed(error);
    }
    if (check === null) return 'ok';
    let result: VerificationResult;
    try {
      result = await check;
    } catch (error) {
      if (this.#options.superseded(job, log)) return 'superseded';
      return verificationFailed(error);
    }
    if (result.status === 'verified') return 'ok';
    // The event's verification was recorded (shared by its jobs); this job's release is the current attempt's.
    if (this.#options.superseded(job, log)) return 'superseded';
    // Not the detail: it repeats what the delivery sent (free text, like a handler's error, never logged).
    log.warn('event does not match the shop: held until replayed');
    const held = this.#options.held.of(job);
    if (held !== undefined) held.phase = 'releasing';
    try {
      await this.#options.store.releaseJob(job.id, {
        attempt: job.attempt,
        reason: `held: verification mismatched (${result.detail})`,
        outcome: 'held',
        now: this.#options.clock.now(),
      });
    } catch (error) {
      log.warn({ err: error }, 'cannot hand a held job back; its lease will expire');
    }
    this.#options.onHeld(job, result.detail);
    return 'held';
  }

  /**
   * The check of `job`'s event (the one under way, or a new one), recorded on the event before it
   * resolves; null when the job needs none (no verifier, event already checked, not an order). Throws
   * when the verifier cannot start a check; the promise rejects when the check failed.
   */
  #check(job: ClaimedJob): Promise<VerificationResult> | null {
    const { verifier, store } = this.#options;
    if (!verifier || job.verification !== 'unverified') return null;
    const pending = this.#pending.get(job.eventId);
    if (pending) return pending;
    const check = verifier(job);
    if (check === null) return null;
    const recorded = check.then(async (result) => {
      await store.setEventVerification(job.eventId, { status: result.status, detail: result.detail });
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

function verificationFailed(error: unknown): HandlerOutcome {
  return {
    status: 'retry',
    error: `could not verify the order with the shop: ${describeError(error)}`,
    errorCode: 'verification_failed',
  };
}

/**
 * The decision logic: what a handler's outcome does to its job. A success finishes it; `dead`
 * dead-letters it; `disable` (target gone) disables the handler and sends the job back to wait with the
 * handler's others, without counting a failure; `retry` schedules the next attempt per the handler's
 * retry schedule, or dead-letters the job when no retry is left. Pure: the settlement writes it.
 */
import { failureSummary, type HandlerOutcome } from './handler-outcome.js';
import { nextRetry, type RetrySchedule } from './retry-schedule.js';

/** What the worker decided for an attempt: the job succeeded, retries later, is dead-lettered, or its handler is disabled. */
export type AttemptDecision = 'succeeded' | 'retry' | 'dead' | 'disable';

/**
 * An attempt's decision as the store took it: the decision when the store applied it, `stale` when the
 * store ignored it because the attempt no longer held its job (taken over after its lease ran out, or
 * replayed meanwhile; the job's current attempt decides it).
 */
export type RecordedDecision = AttemptDecision | 'stale';

/** A decision with what the store is told. */
export type DecidedAttempt =
  | { decision: 'succeeded' }
  /** `gaveUp`: the retry schedule's reason when a `retry` outcome had no retry left. */
  | { decision: 'dead'; error: string; summary?: string; gaveUp?: string }
  /** `reason`: the handler's disable reason (shown unmasked; no free text from the target). */
  | { decision: 'disable'; error: string; summary?: string; reason: string }
  | { decision: 'retry'; error: string; summary?: string; retryAt: Date };

export interface AttemptContext {
  /** The handler's retry schedule. */
  retry: RetrySchedule;
  /** Failed attempts of the job before this one. */
  failures: number;
  now: Date;
  /** For retry jitter. */
  random: () => number;
}

export function decideAttempt(outcome: HandlerOutcome, context: AttemptContext): DecidedAttempt {
  switch (outcome.status) {
    case 'succeeded':
      return { decision: 'succeeded' };
    case 'dead':
      return { decision: 'dead', error: outcome.error, ...summary(failureSummary(outcome)) };
    case 'disable':
      return {
        decision: 'disable',
        error: outcome.error,
        reason: outcome.reason,
        ...summary(failureSummary(outcome)),
      };
    case 'retry': {
      const given = failureSummary(outcome);
      const next = nextRetry(context.retry, {
        failures: context.failures + 1,
        now: context.now,
        random: context.random,
        ...(outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs }),
      });
      if (next.action === 'dead-letter') {
        return {
          decision: 'dead',
          error: `${outcome.error} (${next.reason})`,
          ...summary(given === undefined ? undefined : `${given} (${next.reason})`),
          gaveUp: next.reason,
        };
      }
      return { decision: 'retry', error: outcome.error, retryAt: next.retryAt, ...summary(given) };
    }
  }
}

/** The outcome's summary as an optional property (absent, not undefined, when there is none). */
function summary(text: string | undefined): { summary?: string } {
  return text === undefined ? {} : { summary: text };
}

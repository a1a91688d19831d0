/**
 * Settling an attempt: its handler's outcome, decided (attempt-decision.ts), is written to the store
 * (complete, fail with a retry time or as a dead letter; a `disable` first disables the handler and hands
 * its prefetched jobs back). The write is retried a few times when the store hiccups. The store applies
 * it only if the attempt still holds its job (else it is stale: another attempt decides the job); the
 * decision is reported (metrics) once the store answered. During a shutdown, a write PostgreSQL leaves
 * unanswered for the store's close grace is given up (StoreShutdownWaitError): not retried, said in one line.
 */
import type { Logger } from 'pino';
import type { ClaimedJob, JobTransition, Store } from '../store/store.js';
import { StoreNotFoundError, StoreShutdownWaitError } from '../store/store-errors.js';
import { type AttemptDecision, decideAttempt, type RecordedDecision } from './attempt-decision.js';
import type { Clock } from './clock.js';
import { type HandlerOutcome, loggableFailure } from './handler-outcome.js';
import type { HandlerRunner } from './handler-runner.js';

const SETTLE_TRIES = 5;

export interface AttemptSettlementOptions {
  store: Store;
  clock: Clock;
  /** For retry jitter. */
  random: () => number;
  /** True once the worker gave up waiting for its jobs (stop timed out): no more write retries. */
  abandoned: () => boolean;
  /** The handler was disabled: its claimed jobs that have not started are handed back. */
  handBack: (runner: HandlerRunner, reason: string) => Promise<void>;
  /** A retry the store scheduled (epoch ms): the worker wakes up for it. */
  retryScheduled: (time: number) => void;
  /** The attempt's decision as the store took it (see JobWorkerOptions.onDecision). */
  recorded?: ((handler: HandlerRunner, decision: RecordedDecision) => void) | undefined;
}

export class AttemptSettlement {
  readonly #options: AttemptSettlementOptions;

  constructor(options: AttemptSettlementOptions) {
    this.#options = options;
  }

  /** Writes the outcome; retries the write a few times when the store hiccups. The job's status afterwards, null when not applied or not written. */
  async settle(
    runner: HandlerRunner,
    job: ClaimedJob,
    outcome: HandlerOutcome,
    log: Logger,
  ): Promise<JobTransition['status'] | null> {
    const recorded = (decision: RecordedDecision): void => {
      try {
        this.#options.recorded?.(runner, decision);
      } catch (error) {
        log.warn({ err: error }, 'onDecision failed');
      }
    };
    for (let tryNo = 1; ; tryNo += 1) {
      try {
        const { transition, decision } = await this.#write(runner, job, outcome, log);
        if (!transition.applied) {
          recorded('stale');
          log.info(
            { outcome: outcome.status },
            'attempt outcome not applied: the job was replayed or taken over meanwhile',
          );
          return null;
        }
        recorded(decision);
        return transition.status;
      } catch (error) {
        if (error instanceof StoreNotFoundError) {
          // Deleted while its handler ran: its event's personal data was erased (the job cancelled), then
          // its delivery pruned. Nothing is left to record, and it never runs again: no retry, no error.
          recorded('stale');
          log.info(
            { outcome: outcome.status },
            'attempt outcome not applied: the job no longer exists (cancelled by a personal data erasure, then pruned)',
          );
          return null;
        }
        if (error instanceof StoreShutdownWaitError) {
          // The receiver is shutting down and the link to PostgreSQL is silent: waiting longer (the query
          // timeout) would hold the shutdown past its limit. The job stays leased to this attempt, whose
          // lease is no longer renewed: once it ends, a worker (another instance, or this one's next
          // start) runs the job again — unless the write did reach the server before it fell silent.
          log.warn(
            { outcome: outcome.status, reason: error.detail },
            'job outcome not recorded: PostgreSQL did not answer during the shutdown; the job runs again once its lease ends',
          );
          return null;
        }
        if (tryNo >= SETTLE_TRIES || this.#options.abandoned()) {
          log.error(
            { err: error, outcome: outcome.status },
            'cannot record the outcome of a job; it will run again after its lease expires',
          );
          return null;
        }
        await this.#options.clock.sleep(200 * 2 ** tryNo);
      }
    }
  }

  async #write(
    runner: HandlerRunner,
    job: ClaimedJob,
    outcome: HandlerOutcome,
    log: Logger,
  ): Promise<{ transition: JobTransition; decision: AttemptDecision }> {
    const { store } = this.#options;
    const now = this.#options.clock.now();
    const statusCode = outcome.statusCode === undefined ? {} : { statusCode: outcome.statusCode };
    const failure = outcome.status === 'succeeded' ? {} : loggableFailure(outcome);
    const decided = decideAttempt(outcome, {
      retry: runner.retry,
      failures: job.failures,
      now,
      random: this.#options.random,
    });
    switch (decided.decision) {
      case 'succeeded':
        log.debug('job succeeded');
        return {
          transition: await store.completeJob(job.id, { attempt: job.attempt, now, ...statusCode }),
          decision: 'succeeded',
        };
      case 'dead':
        log.warn(
          failure,
          decided.gaveUp === undefined ? 'job dead-lettered' : `job dead-lettered: ${decided.gaveUp}`,
        );
        return {
          transition: await store.failJob(job.id, {
            attempt: job.attempt,
            deadLetter: true,
            error: decided.error,
            ...errorSummary(decided),
            now,
            ...statusCode,
          }),
          decision: 'dead',
        };
      case 'disable':
        log.warn(failure, 'target gone: handler disabled');
        // The reason, not the error: the handler's state is shown unmasked (the error quotes the target).
        await store.disableHandler(runner.name, { reason: decided.reason, now });
        await this.#options.handBack(runner, `handler disabled before the job started: ${decided.reason}`);
        // Back to pending (not dead): it runs once the handler is enabled again, like the handler's other
        // jobs. Not a failure of this job (the target is gone for every job): its retries stay unused.
        return {
          transition: await store.failJob(job.id, {
            attempt: job.attempt,
            error: decided.error,
            ...errorSummary(decided),
            retryAt: now,
            now,
            countsAsFailure: false,
            // announced as such: the feed's readers (listen, events tail) say the handler was disabled
            cause: 'handler-disabled',
            ...statusCode,
          }),
          decision: 'disable',
        };
      case 'retry': {
        log.info({ ...failure, retryAt: decided.retryAt }, 'job failed; retry scheduled');
        const transition = await store.failJob(job.id, {
          attempt: job.attempt,
          error: decided.error,
          ...errorSummary(decided),
          retryAt: decided.retryAt,
          now,
          ...statusCode,
        });
        if (transition.applied) this.#options.retryScheduled(decided.retryAt.getTime());
        return { transition, decision: 'retry' };
      }
    }
  }
}

/** The decision's summary as the store's `errorSummary` (absent when the handler gave none). */
function errorSummary(decided: { summary?: string }): { errorSummary?: string } {
  return decided.summary === undefined ? {} : { errorSummary: decided.summary };
}

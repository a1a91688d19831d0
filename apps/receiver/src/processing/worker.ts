/**
 * The job worker: claims runnable jobs from the store (leases; PostgreSQL `FOR UPDATE SKIP LOCKED`, so
 * several receiver instances share the work), runs each job's handler with a per-handler concurrency
 * limit, and writes the outcome back: done, retry at the next point of the handler's schedule, dead
 * letter, or "target gone" (handler disabled).
 *
 * Guarantees (with the store's):
 * - At-least-once: a job is only finished by `completeJob`/`failJob`; if the process dies first, its lease
 *   expires and a worker (this one after a restart, or another instance) runs it again. Handlers get the
 *   job id, stable across retries and replays, as an idempotency key.
 * - A job whose success was committed never runs again (short of an explicit replay).
 * - Never twice at the same time: a running job is leased; long runs extend their lease (heartbeat).
 *
 * Wake-ups: the store's change feed (ingest, replays; with PostgreSQL also other instances' commits,
 * relayed best effort) and `notify()` wake the worker at once; otherwise it polls every `pollIntervalMs`
 * (the fallback for whatever the feed missed), and wakes up for the retries it scheduled itself.
 */

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { ClaimedJob, JobTransition, Store } from '../store/store.js';
import { type Clock, systemClock } from './clock.js';
import { describeError, type HandlerOutcome } from './handler-outcome.js';
import type { HandlerRunner } from './handler-runner.js';
import { ProcessingConfigError } from './processing-errors.js';
import { nextRetry } from './retry-schedule.js';
import type { VerificationResult } from './verify.js';

export const DEFAULT_POLL_INTERVAL_MS = 1000;
export const DEFAULT_LEASE_MS = 60_000;

/**
 * Decides whether a job's event must be checked against the shop first; returns null when not (shop
 * without `verify`, or an event that is not an order). Throwing = the check could not be made (retry).
 */
export type EventVerifier = (job: ClaimedJob) => Promise<VerificationResult> | null;

/** Hooks that simulate a crash at a precise point (tests). A hook that throws makes the worker drop the job on the floor, as a dying process would. */
export interface JobWorkerFaults {
  /** After the claim (lease) is committed, before verification and the handler. */
  beforeHandle?(job: ClaimedJob): void | Promise<void>;
  /** After the handler returned, before its outcome is written (the job will run again: at-least-once). */
  beforeSettle?(job: ClaimedJob, outcome: HandlerOutcome): void | Promise<void>;
}

/** What happened to one attempt; for metrics and tests. */
export interface SettledAttempt {
  job: ClaimedJob;
  handler: string;
  outcome: HandlerOutcome | { status: 'held'; detail: string };
  /** The job's status afterwards, null when the write was not applied (stale attempt) or failed. */
  jobStatus: JobTransition['status'] | null;
}

export interface JobWorkerOptions {
  store: Store;
  runners: Iterable<HandlerRunner>;
  logger: Logger;
  /** Lease owner name; default host:pid:random. */
  workerId?: string;
  clock?: Clock;
  /** For retry jitter; default Math.random. */
  random?: () => number;
  /** How often to look for jobs without a wake-up (other instances' jobs); default 1 s. */
  pollIntervalMs?: number;
  /** Lease length; renewed while a job runs. Default 60 s. */
  leaseMs?: number;
  verifier?: EventVerifier;
  faults?: JobWorkerFaults;
  onSettled?: (attempt: SettledAttempt) => void;
}

interface InFlight {
  job: ClaimedJob;
  runner: HandlerRunner;
  leaseExpiresAt: number;
  done: Promise<void>;
}

const SETTLE_TRIES = 5;

export class JobWorker {
  readonly workerId: string;
  readonly #store: Store;
  readonly #runners: readonly HandlerRunner[];
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #pollIntervalMs: number;
  readonly #leaseMs: number;
  readonly #verifier: EventVerifier | undefined;
  readonly #faults: JobWorkerFaults;
  readonly #onSettled: ((attempt: SettledAttempt) => void) | undefined;

  readonly #inFlight = new Map<string, InFlight>();
  readonly #runningByHandler = new Map<string, number>();
  readonly #verifications = new Map<string, Promise<VerificationResult | null>>();
  /** Retry times this worker scheduled and will wake up for (epoch ms). */
  #retryTimes: number[] = [];
  #loop: Promise<void> | null = null;
  #stopping = false;
  #abandoned = false;
  #wakeRequested = false;
  #sleeping: AbortController | null = null;
  #unsubscribe: (() => void) | null = null;
  #storeFailing = false;

  constructor(options: JobWorkerOptions) {
    this.#store = options.store;
    this.#runners = [...options.runners];
    const names = new Set<string>();
    for (const runner of this.#runners) {
      if (names.has(runner.name)) throw new ProcessingConfigError(`two handlers are named "${runner.name}"`);
      if (!(runner.concurrency >= 1)) {
        throw new ProcessingConfigError(`handlers.${runner.name}.concurrency must be at least 1`);
      }
      names.add(runner.name);
    }
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#logger = options.logger.child({ component: 'job-worker', workerId: this.workerId });
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.#verifier = options.verifier;
    this.#faults = options.faults ?? {};
    this.#onSettled = options.onSettled;
  }

  /** Names of the handlers this worker runs. */
  get handlers(): string[] {
    return this.#runners.map((runner) => runner.name);
  }

  /** Jobs running right now. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Starts claiming jobs (idempotent). */
  start(): void {
    if (this.#loop) return;
    this.#stopping = false;
    this.#abandoned = false;
    // New deliveries and jobs that became pending (replays, re-enabled handlers) may be runnable now.
    // Without handlers nothing ever is: no wake-up per delivery (each costs an abort and a loop turn).
    this.#unsubscribe =
      this.#runners.length === 0
        ? null
        : this.#store.onChange((change) => {
            if (
              change.kind === 'delivery'
                ? change.status !== 'quarantined'
                : change.kind === 'job' && change.status === 'pending'
            ) {
              this.notify();
            }
          });
    this.#logger.info({ handlers: this.handlers }, 'job worker started');
    this.#loop = this.#run().catch((error: unknown) => {
      this.#logger.error({ err: error }, 'job worker loop failed; no more jobs are claimed by this worker');
    });
  }

  /** New jobs may be runnable: look now instead of at the next poll. */
  notify(): void {
    this.#wakeRequested = true;
    this.#sleeping?.abort();
  }

  /**
   * Stops claiming, lets every running job finish and write its outcome, then resolves. With `timeoutMs`,
   * gives up waiting after that long: jobs still running are abandoned (their leases are no longer
   * renewed, so after expiry another instance or the next start runs them again). Then closes the
   * handlers' connections (brokers).
   */
  async stop(options: { timeoutMs?: number } = {}): Promise<void> {
    const loop = this.#loop;
    if (!loop) return;
    this.#stopping = true;
    this.notify();
    if (options.timeoutMs === undefined) {
      await loop;
    } else {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
      });
      const result = await Promise.race([loop.then(() => 'done' as const), timedOut]);
      clearTimeout(timer);
      if (result === 'timeout') {
        this.#abandoned = true;
        this.notify();
        this.#logger.warn(
          { running: this.#inFlight.size, timeoutMs: options.timeoutMs },
          'stopping without waiting for running jobs any longer; they run again after their lease expires',
        );
      }
    }
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#loop = null;
    // Broker handlers close their connections (a later start() opens them again on the first job).
    await Promise.all(
      this.#runners.map((runner) =>
        runner.close?.().catch((error: unknown) => {
          this.#logger.warn({ err: error, handler: runner.name }, 'closing a handler failed');
        }),
      ),
    );
    this.#logger.info('job worker stopped');
  }

  async #run(): Promise<void> {
    while ((!this.#stopping || this.#inFlight.size > 0) && !this.#abandoned) {
      this.#wakeRequested = false;
      await this.#extendLeases();
      if (!this.#stopping) await this.#claim();
      if (this.#wakeRequested) continue;
      const controller = new AbortController();
      this.#sleeping = controller;
      await this.#clock.sleep(this.#waitMs(), controller.signal);
      this.#sleeping = null;
    }
  }

  async #claim(): Promise<void> {
    const now = this.#clock.now();
    this.#retryTimes = this.#retryTimes.filter((time) => time > now.getTime());
    try {
      for (const runner of this.#runners) {
        const free = runner.concurrency - (this.#runningByHandler.get(runner.name) ?? 0);
        if (free <= 0 || this.#stopping) continue;
        const jobs = await this.#store.claimJobs({
          workerId: this.workerId,
          handlers: [runner.name],
          limit: free,
          leaseMs: this.#leaseMs,
          now: this.#clock.now(),
        });
        for (const job of jobs) this.#begin(runner, job);
        // A full batch: there may be more; look again once a slot frees up (its end wakes the loop).
      }
      if (this.#storeFailing) this.#logger.info('store reachable again; claiming jobs');
      this.#storeFailing = false;
    } catch (error) {
      if (!this.#storeFailing) {
        this.#logger.warn(
          { err: error },
          'cannot claim jobs (store unavailable?); trying again at the next poll',
        );
      }
      this.#storeFailing = true;
    }
  }

  /** How long to sleep: the poll interval, or less when a scheduled retry or a lease renewal is due. */
  #waitMs(): number {
    const now = this.#clock.now().getTime();
    let wait = this.#pollIntervalMs;
    for (const time of this.#retryTimes) wait = Math.min(wait, time - now);
    for (const flight of this.#inFlight.values()) {
      wait = Math.min(wait, flight.leaseExpiresAt - this.#leaseMs / 2 - now);
    }
    return Math.max(0, wait);
  }

  /** Heartbeat: renews the lease of every running job past half of its lease. */
  async #extendLeases(): Promise<void> {
    const now = this.#clock.now();
    for (const flight of this.#inFlight.values()) {
      if (flight.leaseExpiresAt - now.getTime() > this.#leaseMs / 2) continue;
      try {
        const result = await this.#store.extendLease(flight.job.id, {
          attempt: flight.job.attempt,
          leaseMs: this.#leaseMs,
          now,
        });
        flight.leaseExpiresAt = now.getTime() + this.#leaseMs;
        if (!result.applied) {
          this.#logger.warn(
            { jobId: flight.job.id, attempt: flight.job.attempt },
            'lost the lease of a running job (replayed or taken over); its outcome will not be recorded',
          );
        }
      } catch (error) {
        this.#logger.warn(
          { err: error, jobId: flight.job.id },
          'cannot extend a job lease; trying again shortly',
        );
      }
    }
  }

  #begin(runner: HandlerRunner, job: ClaimedJob): void {
    this.#runningByHandler.set(runner.name, (this.#runningByHandler.get(runner.name) ?? 0) + 1);
    const flight: InFlight = {
      job,
      runner,
      leaseExpiresAt: job.leaseExpiresAt.getTime(),
      done: Promise.resolve(),
    };
    this.#inFlight.set(job.id, flight);
    flight.done = this.#process(runner, job)
      .catch((error: unknown) => {
        this.#logger.error({ err: error, jobId: job.id }, 'unexpected error while processing a job');
      })
      .finally(() => {
        this.#inFlight.delete(job.id);
        this.#runningByHandler.set(runner.name, (this.#runningByHandler.get(runner.name) ?? 1) - 1);
        this.notify();
      });
  }

  async #process(runner: HandlerRunner, job: ClaimedJob): Promise<void> {
    const log = this.#logger.child({
      jobId: job.id,
      handler: runner.name,
      eventId: job.eventId,
      attempt: job.attempt,
    });
    if (!(await this.#survivesFault(() => this.#faults.beforeHandle?.(job), log, 'beforeHandle'))) return;

    let outcome: HandlerOutcome;
    const verification = await this.#verify(job, log);
    if (verification === 'held') return;
    if (verification !== 'ok') {
      outcome = verification;
    } else {
      try {
        outcome = await runner.run(job);
      } catch (error) {
        outcome = { status: 'retry', error: describeError(error) };
      }
    }

    if (!(await this.#survivesFault(() => this.#faults.beforeSettle?.(job, outcome), log, 'beforeSettle')))
      return;
    const status = await this.#settle(runner, job, outcome, log);
    this.#onSettled?.({ job, handler: runner.name, outcome, jobStatus: status });
  }

  async #survivesFault(
    hook: () => void | Promise<void> | undefined,
    log: Logger,
    name: string,
  ): Promise<boolean> {
    try {
      await hook();
      return true;
    } catch (error) {
      log.warn({ err: error, fault: name }, 'fault hook fired: dropping the job as a crashed process would');
      return false;
    }
  }

  /**
   * Runs the shop's `verify` step once per event (jobs of the same event share it). 'ok' = run the
   * handler; 'held' = the event mismatched and the job was handed back; an outcome = the check failed.
   */
  async #verify(job: ClaimedJob, log: Logger): Promise<'ok' | 'held' | HandlerOutcome> {
    if (!this.#verifier || job.verification !== 'unverified') return 'ok';
    let pending = this.#verifications.get(job.eventId);
    if (!pending) {
      let check: Promise<VerificationResult> | null;
      try {
        check = this.#verifier(job);
      } catch (error) {
        return {
          status: 'retry',
          error: `could not verify the order with the shop: ${describeError(error)}`,
        };
      }
      if (check === null) return 'ok';
      pending = check.then(async (result) => {
        await this.#store.setEventVerification(job.eventId, { status: result.status, detail: result.detail });
        return result;
      });
      this.#verifications.set(job.eventId, pending);
      pending
        .finally(() => this.#verifications.delete(job.eventId))
        .catch(() => {
          // reported to every waiting job below
        });
    }
    let result: VerificationResult | null;
    try {
      result = await pending;
    } catch (error) {
      return { status: 'retry', error: `could not verify the order with the shop: ${describeError(error)}` };
    }
    if (result === null || result.status === 'verified') return 'ok';
    log.warn({ detail: result.detail }, 'event does not match the shop: held until replayed');
    try {
      await this.#store.releaseJob(job.id, {
        attempt: job.attempt,
        reason: `held: verification mismatched (${result.detail})`,
        now: this.#clock.now(),
      });
    } catch (error) {
      log.warn({ err: error }, 'cannot hand a held job back; its lease will expire');
    }
    this.#onSettled?.({
      job,
      handler: job.handler,
      outcome: { status: 'held', detail: result.detail },
      jobStatus: null,
    });
    return 'held';
  }

  /** Writes the outcome; retries the write a few times when the store hiccups. */
  async #settle(
    runner: HandlerRunner,
    job: ClaimedJob,
    outcome: HandlerOutcome,
    log: Logger,
  ): Promise<JobTransition['status'] | null> {
    for (let tryNo = 1; ; tryNo += 1) {
      try {
        const transition = await this.#write(runner, job, outcome, log);
        if (!transition.applied) {
          log.info(
            { outcome: outcome.status },
            'attempt outcome not applied: the job was replayed or taken over meanwhile',
          );
          return null;
        }
        return transition.status;
      } catch (error) {
        if (tryNo >= SETTLE_TRIES || this.#abandoned) {
          log.error(
            { err: error, outcome: outcome.status },
            'cannot record the outcome of a job; it will run again after its lease expires',
          );
          return null;
        }
        await this.#clock.sleep(200 * 2 ** tryNo);
      }
    }
  }

  async #write(
    runner: HandlerRunner,
    job: ClaimedJob,
    outcome: HandlerOutcome,
    log: Logger,
  ): Promise<JobTransition> {
    const now = this.#clock.now();
    const statusCode = outcome.statusCode === undefined ? {} : { statusCode: outcome.statusCode };
    switch (outcome.status) {
      case 'succeeded':
        log.debug('job succeeded');
        return this.#store.completeJob(job.id, { attempt: job.attempt, now, ...statusCode });
      case 'dead':
        log.warn({ error: outcome.error }, 'job dead-lettered');
        return this.#store.failJob(job.id, {
          attempt: job.attempt,
          deadLetter: true,
          error: outcome.error,
          now,
          ...statusCode,
        });
      case 'disable':
        log.warn({ error: outcome.error }, 'target gone: handler disabled');
        await this.#store.disableHandler(runner.name, { reason: outcome.error, now });
        // Back to pending (not dead): it runs once the handler is enabled again, like the handler's other jobs.
        return this.#store.failJob(job.id, {
          attempt: job.attempt,
          error: outcome.error,
          retryAt: now,
          now,
          ...statusCode,
        });
      case 'retry': {
        const decision = nextRetry(runner.retry, {
          failures: job.failures + 1,
          now,
          random: this.#random,
          ...(outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs }),
        });
        if (decision.action === 'dead-letter') {
          log.warn({ error: outcome.error }, `job dead-lettered: ${decision.reason}`);
          return this.#store.failJob(job.id, {
            attempt: job.attempt,
            deadLetter: true,
            error: `${outcome.error} (${decision.reason})`,
            now,
            ...statusCode,
          });
        }
        log.info({ error: outcome.error, retryAt: decision.retryAt }, 'job failed; retry scheduled');
        const transition = await this.#store.failJob(job.id, {
          attempt: job.attempt,
          error: outcome.error,
          retryAt: decision.retryAt,
          now,
          ...statusCode,
        });
        if (transition.applied) this.#retryTimes.push(decision.retryAt.getTime());
        return transition;
      }
    }
  }
}

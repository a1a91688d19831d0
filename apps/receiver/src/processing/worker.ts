/**
 * The job worker: claims runnable jobs from the store (leases; PostgreSQL `FOR UPDATE SKIP LOCKED`, so
 * several receiver instances share the work), runs each job's handler with a per-handler concurrency
 * limit, and writes the outcome back: done, retry at the next point of the handler's schedule, dead
 * letter, or "target gone" (handler disabled).
 *
 * Modules: worker-options.ts (its options), handler-problems.ts (handlers that cannot run), held-jobs.ts
 * (the leased jobs, slots and prefetch), lease-renewer.ts (the heartbeat and the start-time lease check),
 * attempt-verification.ts (the shop's `verify`, once per event), attempt-decision.ts (what an outcome does
 * to its job), attempt-settlement.ts (writing it), claimed-job-hand-back.ts (releasing claimed jobs of a
 * handler disabled meanwhile), claim-failure-report.ts (what a failed claim logs).
 *
 * Guarantees (with the store's):
 * - At-least-once: a job is only finished by `completeJob`/`failJob`; if the process dies first, its lease
 *   expires and a worker (this one after a restart, or another instance) runs it again. Handlers get the
 *   job id, stable across retries and replays, as an idempotency key.
 * - A job whose success was committed never runs again (short of an explicit replay).
 * - Never twice while this worker lives: every lease it holds (prefetched, running, settling) is renewed
 *   in one store call every lease/3, on a timer of its own (not behind claims or outcome writes); a lease
 *   the renewal reports lost is dropped (a prefetched job is never started), and a job is only started
 *   after its lease was confirmed at most lease·2/3 ago (else renewed first); right before its handler
 *   runs (after verification, which may take seconds) the attempt must still hold the job here (not
 *   lost, not replaced by a newer attempt this worker claimed meanwhile). A stale attempt's outcome
 *   does not decide the job (the store's rule). What remains: a handler that runs past its lease while
 *   the process cannot renew (store unreachable, event loop blocked for a whole lease) may overlap with
 *   the run of whoever takes the job over.
 * - One clock per lease, whatever the hosts' clocks say: PostgreSQL times every lease on the database
 *   server's clock (it ends leaseMs after the server received the claim or renewal; whether it has
 *   ended is decided there), so a receiver whose clock is ahead cannot take over a live worker's lease
 *   and a lease a crashed worker left is taken over after about one lease. This worker counts its own
 *   leases from when it sent the claim or renewal (`now` + leaseMs on its Clock, never the store's lease
 *   end), which is never later than the server's end: only elapsed time on its own clock matters (a
 *   clock stepped back while a job waits in its queue makes that job look leased longer than it is).
 *   SQLite times leases on the `now` each call passes: one file, one host, one clock. Due times (new
 *   jobs, retries) are compared with the claiming worker's `now` on both engines: a worker whose clock
 *   is behind picks up work late by as much (latency, not a second run).
 *
 * Pipelining (throughput with a slow disk, where every commit waits for an fsync): the worker claims up to
 * one `concurrency` more jobs than it has free slots (prefetch, in batches), so a freed slot starts the
 * next job without waiting for a claim commit; and a slot is freed as soon as its handler returned, while
 * the outcome is still being written (at most `concurrency` outcome writes per handler wait at a time).
 * Neither changes the guarantees: a prefetched or settling job is leased like a running one, so after a
 * crash it runs again once its lease expired; its outcome is recorded only after its handler returned.
 * The store commits outcomes of jobs finishing close together in one transaction (SQLite: group commit).
 *
 * Wake-ups: the store's change feed (ingest, replays; with PostgreSQL also other instances' commits,
 * relayed best effort) and `notify()` wake the worker at once; otherwise it polls every `pollIntervalMs`
 * (the fallback for whatever the feed missed), and wakes up for the retries it scheduled itself.
 */

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { ClaimedJob, Store } from '../store/store.js';
import { AttemptSettlement } from './attempt-settlement.js';
import { AttemptStarts } from './attempt-starts.js';
import { AttemptVerification } from './attempt-verification.js';
import { ClaimFailureReport } from './claim-failure-report.js';
import { ClaimedJobHandBack } from './claimed-job-hand-back.js';
import { type Clock, systemClock } from './clock.js';
import { describeError, type HandlerOutcome, thrownErrorCode } from './handler-outcome.js';
import { type HandlerProblem, HandlerProblems } from './handler-problems.js';
import type { HandlerRunner } from './handler-runner.js';
import { HeldJobs } from './held-jobs.js';
import { interruptedTooOften } from './interrupted-jobs.js';
import { LeaseRenewer } from './lease-renewer.js';
import { ProcessingConfigError } from './processing-errors.js';
import { cancelledByUninstall, type UninstalledNow } from './uninstalled-shop-jobs.js';
import { type JobWorkerFaults, survivesFault } from './worker-faults.js';
import {
  DEFAULT_LEASE_MS,
  DEFAULT_POLL_INTERVAL_MS,
  type JobWorkerOptions,
  type SettledAttempt,
} from './worker-options.js';

export type { AttemptDecision, RecordedDecision } from './attempt-decision.js';
export type { EventVerifier } from './attempt-verification.js';
export type { JobWorkerFaults } from './worker-faults.js';
export {
  DEFAULT_LEASE_MS,
  DEFAULT_POLL_INTERVAL_MS,
  type JobWorkerOptions,
  type SettledAttempt,
} from './worker-options.js';

export class JobWorker {
  readonly workerId: string;
  readonly #store: Store;
  readonly #runners: readonly HandlerRunner[];
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #pollIntervalMs: number;
  readonly #leaseMs: number;
  readonly #faults: JobWorkerFaults;
  readonly #onSettled: ((attempt: SettledAttempt) => void) | undefined;
  readonly #held = new HeldJobs();
  readonly #leases: LeaseRenewer;
  readonly #verification: AttemptVerification;
  readonly #settlement: AttemptSettlement;
  readonly #problems = new HandlerProblems();
  readonly #uninstalledNow: UninstalledNow | undefined;
  readonly #starts: AttemptStarts;
  readonly #handBack: ClaimedJobHandBack;

  /** Retry times this worker scheduled and will wake up for (epoch ms). */
  #retryTimes: number[] = [];
  #loop: Promise<void> | null = null;
  #stopping = false;
  #abandoned = false;
  #wakeRequested = false;
  #sleeping: AbortController | null = null;
  #unsubscribe: (() => void) | null = null;
  readonly #claimFailures: ClaimFailureReport;

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
    this.#claimFailures = new ClaimFailureReport(this.#logger);
    this.#clock = options.clock ?? systemClock;
    this.#pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.#faults = options.faults ?? {};
    this.#onSettled = options.onSettled;
    const abandoned = () => this.#abandoned;
    this.#leases = new LeaseRenewer({
      store: this.#store,
      clock: this.#clock,
      leaseMs: this.#leaseMs,
      logger: this.#logger,
      held: this.#held,
      abandoned,
      dropped: () => this.notify(),
    });
    this.#uninstalledNow = options.uninstalledNow;
    this.#verification = new AttemptVerification({
      verifier: options.verifier,
      store: this.#store,
      clock: this.#clock,
      held: this.#held,
      superseded: (job, log) => this.#superseded(job, log),
      onHeld: (job, detail) =>
        this.#onSettled?.({
          job,
          handler: job.handler,
          outcome: { status: 'held', detail },
          jobStatus: null,
        }),
    });
    this.#handBack = new ClaimedJobHandBack({
      store: this.#store,
      clock: this.#clock,
      held: this.#held,
      logger: this.#logger,
      pollIntervalMs: this.#pollIntervalMs,
      handedBack: () => this.notify(),
    });
    this.#starts = new AttemptStarts({ store: this.#store, clock: this.#clock, logger: this.#logger });
    this.#settlement = new AttemptSettlement({
      store: this.#store,
      clock: this.#clock,
      random: options.random ?? Math.random,
      abandoned,
      handBack: (runner, reason) => this.#handBack.handBack(runner, reason),
      retryScheduled: (time) => this.#retryTimes.push(time),
      recorded: options.onDecision,
    });
  }

  /** Names of the handlers this worker runs. */
  get handlers(): string[] {
    return this.#runners.map((runner) => runner.name);
  }

  /** Jobs this worker holds right now: running, writing their outcome, or claimed and about to start. */
  get inFlight(): number {
    return this.#held.size;
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
            // A job cancelled in the store (personal data erasure) that this worker holds claimed ahead.
            if (change.kind === 'job' && change.status === 'dead') this.#leases.endedInStore(change.jobId);
            if (
              change.kind === 'delivery'
                ? change.status !== 'quarantined' && change.cause === undefined
                : change.kind === 'job' && change.status === 'pending'
            ) {
              this.notify();
            }
          });
    this.#logger.info({ handlers: this.handlers }, 'job worker started');
    this.#problems.checkAtStart(this.#runners, this.#logger);
    this.#leases.start();
    this.#loop = this.#run().catch((error: unknown) => {
      this.#logger.error({ err: error }, 'job worker loop failed; no more jobs are claimed by this worker');
    });
  }

  /**
   * Why this worker cannot run `handler` now (its module did not load, at start or at its last run; a
   * broker handler's connection is down or the broker refuses its publishes), or null; shown by
   * `srhooks handlers`, the admin API and the inspector.
   */
  handlerProblem(handler: string): HandlerProblem | null {
    return (
      this.#problems.get(handler) ??
      this.#runners.find((runner) => runner.name === handler)?.problem?.() ??
      null
    );
  }

  /** New jobs may be runnable: look now instead of at the next poll. */
  notify(): void {
    this.#wakeRequested = true;
    this.#sleeping?.abort();
  }

  /**
   * Stops claiming, hands back the jobs claimed ahead that have not started (another receiver, or the
   * next start, runs them at once), lets every running job finish and write its outcome, then resolves. With `timeoutMs`,
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
          { running: this.#held.size, timeoutMs: options.timeoutMs },
          'stopping without waiting for running jobs any longer; they run again after their lease expires',
        );
      }
    }
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#loop = null;
    // Leases of abandoned jobs are no longer renewed; a renewal call in flight is not waited for then.
    await this.#leases.stop({ abandon: this.#abandoned });
    await this.#starts.drain();
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
    while ((!this.#stopping || this.#held.size > 0) && !this.#abandoned) {
      this.#wakeRequested = false;
      if (!this.#stopping) await this.#claim();
      else await this.#handBackClaimedAhead();
      if (this.#wakeRequested) continue;
      // Not asleep across a renewal in flight: with a fast-forward test clock, time would run past the
      // leases meanwhile (the real clock does not care; the claims above never wait for renewals).
      const renewing = this.#leases.renewing;
      if (renewing) await renewing;
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
      await this.#handBack.ofDisabledHandlers(this.#runners, now.getTime());
      for (const runner of this.#runners) {
        if (this.#stopping) break;
        const room = this.#held.claimRoom(runner);
        if (room === 0) continue;
        const claimedAt = this.#clock.now();
        const jobs = await this.#store.claimJobs({
          workerId: this.workerId,
          handlers: [runner.name],
          limit: room,
          leaseMs: this.#leaseMs,
          now: claimedAt,
        });
        for (const job of jobs) this.#held.addClaimed(job, runner, claimedAt, this.#leaseMs);
        if (jobs.length > 0) this.#leases.wake();
        this.#fill(runner);
        // A full batch: there may be more; look again once a slot frees up (its end wakes the loop).
      }
      this.#claimFailures.succeeded();
    } catch (error) {
      // stopping (a claim the shutdown gave up): no next poll, so no retry is promised
      this.#claimFailures.failed(error, this.#stopping);
    }
  }

  /** How long to sleep: the poll interval, or less when a scheduled retry is due. */
  #waitMs(): number {
    const now = this.#clock.now().getTime();
    let wait = this.#pollIntervalMs;
    for (const time of this.#retryTimes) wait = Math.min(wait, time - now);
    // Not past the next renewal while jobs are held (keeps a fast-forward test clock from running past
    // the leases; with the real clock it is one more claim look per renewal period).
    if (this.#held.size > 0) wait = Math.min(wait, this.#leases.nextRenewalAt - now);
    return Math.max(0, wait);
  }

  /**
   * Stopping: the jobs claimed ahead that have not started are handed back (released, due at once), so
   * another receiver on the store — or this one's next start — runs them now instead of after their
   * lease; a rolling restart neither delays them by a lease nor makes the shutdown wait for them.
   */
  async #handBackClaimedAhead(): Promise<void> {
    for (const runner of this.#runners) {
      const jobs = this.#held.readyOf(runner).length;
      if (jobs === 0) continue;
      this.#logger.info(
        { handler: runner.name, jobs },
        'shutting down: handing back claimed jobs that have not started, to run elsewhere at once',
      );
      await this.#handBack.handBack(runner, 'handed back unrun: the receiver was shutting down');
    }
  }

  /**
   * Starts waiting jobs of `runner` while it has a free slot and room for their outcome writes; none
   * once stopping (they are handed back instead).
   */
  #fill(runner: HandlerRunner): void {
    while (!this.#abandoned && !this.#stopping) {
      const job = this.#held.nextToStart(runner);
      if (job === undefined) break;
      this.#begin(runner, job);
    }
  }

  #begin(runner: HandlerRunner, job: ClaimedJob): void {
    this.#held.countRunning(runner, 1);
    let slotHeld = true;
    const held = this.#held.of(job);
    if (held !== undefined) held.phase = 'running';
    /** The handler is done with this job: its slot goes to the next job while the outcome is written. */
    const freeSlot = (): void => {
      if (!slotHeld) return;
      slotHeld = false;
      if (held !== undefined && held.phase === 'running') held.phase = 'settling';
      this.#held.countRunning(runner, -1);
      this.#held.countSettling(runner, 1);
      this.#fill(runner);
    };
    this.#process(runner, job, freeSlot)
      .catch((error: unknown) => {
        this.#logger.error({ err: error, jobId: job.id }, 'unexpected error while processing a job');
      })
      .finally(() => {
        if (held !== undefined) this.#held.delete(held);
        if (slotHeld) {
          slotHeld = false;
          this.#held.countRunning(runner, -1);
        } else {
          this.#held.countSettling(runner, -1);
        }
        this.#fill(runner);
        this.notify();
      });
  }

  async #process(runner: HandlerRunner, job: ClaimedJob, freeSlot: () => void): Promise<void> {
    const log = this.#logger.child({
      jobId: job.id,
      handler: runner.name,
      eventId: job.eventId,
      attempt: job.attempt,
    });
    // Never start a job whose lease ran out or was lost: another worker may run it already.
    if (!(await this.#leases.confirmForStart(job, log))) return;
    if (!(await survivesFault(() => this.#faults.beforeHandle?.(job), log, 'beforeHandle'))) return;

    let outcome: HandlerOutcome;
    // not run (nor verified): a job whose handler was running when the receiver stopped too often, and
    // one whose shop uninstalled the app while it waited for a slot
    const verification =
      interruptedTooOften(job, runner.name) ??
      (await cancelledByUninstall(job, this.#uninstalledNow)) ??
      (await this.#verification.verify(job, log));
    if (verification === 'held' || verification === 'superseded') return;
    if (verification !== 'ok') {
      outcome = verification;
    } else if (this.#superseded(job, log)) {
      return;
    } else {
      this.#starts.started(job);
      try {
        outcome = await runner.run(job);
        // a runner with a check (a module) throws from run only when it cannot load: it loaded now
        if (runner.check) this.#problems.clear(runner.name);
      } catch (error) {
        if (runner.check) this.#problems.record(runner.name, error);
        outcome = { status: 'retry', error: describeError(error), errorCode: thrownErrorCode(error) };
      }
    }
    freeSlot();

    if (!(await survivesFault(() => this.#faults.beforeSettle?.(job, outcome), log, 'beforeSettle'))) return;
    const status = await this.#settlement.settle(runner, job, outcome, log);
    this.#onSettled?.({ job, handler: runner.name, outcome, jobStatus: status });
  }

  /**
   * Whether this attempt of `job` no longer holds it: its lease was lost, or this worker claimed the job
   * again meanwhile (a replay or lease takeover while the attempt waited, e.g. for the shop's `verify`
   * answer; the new attempt replaced it among the held jobs). Such an attempt must not run the handler
   * nor write an outcome: the current attempt does. Checked again right before the handler runs, since
   * the start-time lease check came before verification.
   */
  #superseded(job: ClaimedJob, log: Logger): boolean {
    const held = this.#held.get(job.id);
    if (held !== undefined && held.job === job && !held.lost) return false;
    if (held !== undefined && held.job !== job) {
      log.info(
        { currentAttempt: held.job.attempt },
        'attempt superseded (the job was claimed again meanwhile); not running it',
      );
    } else {
      log.info('attempt no longer holds the job (lease lost meanwhile); not running it');
    }
    return true;
  }
}

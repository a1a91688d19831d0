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
 * - Never twice while this worker lives: every lease it holds (prefetched, running, settling) is renewed
 *   in one store call every lease/3, on a timer of its own (not behind claims or outcome writes); a lease
 *   the renewal reports lost is dropped (a prefetched job is never started), and a job is only started
 *   after its lease was confirmed at most lease·2/3 ago (else renewed first); right before its handler
 *   runs (after verification, which may take seconds) the attempt must still hold the job here (not
 *   lost, not replaced by a newer attempt this worker claimed meanwhile). A stale attempt's outcome
 *   does not decide the job (the store's rule). What remains: a handler that runs past its lease while
 *   the process cannot renew (store unreachable, event loop blocked for a whole lease) may overlap with
 *   the run of whoever takes the job over.
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
import type { ClaimedJob, JobTransition, LeaseRenewal, Store } from '../store/store.js';
import { type Clock, systemClock } from './clock.js';
import { describeError, type HandlerOutcome, loggableFailure, thrownErrorCode } from './handler-outcome.js';
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

/** What the worker decided for an attempt: the job succeeded, retries later, is dead-lettered, or its handler is disabled. */
export type AttemptDecision = 'succeeded' | 'retry' | 'dead' | 'disable';

/**
 * An attempt's decision as the store took it: the decision when the store applied it, `stale` when the
 * store ignored it because the attempt no longer held its job (taken over after its lease ran out, or
 * replayed meanwhile; the job's current attempt decides it).
 */
export type RecordedDecision = AttemptDecision | 'stale';

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
  /**
   * Called once per handler attempt whose outcome the store answered (metrics): with the worker's final
   * decision (after the retry schedule: a `retry` outcome with no retry left is `dead`) once the store
   * applied it, or `stale` when it ignored it. Not called when the outcome could not be written at all
   * (the job runs again after its lease expired, and that attempt is counted).
   */
  onDecision?: (handler: HandlerRunner, decision: RecordedDecision) => void;
}

/** A job this worker holds a lease on: waiting for a slot, running, or writing its outcome. */
interface InFlight {
  job: ClaimedJob;
  runner: HandlerRunner;
  /** Until when the lease is confirmed (the renewal's `now` + leaseMs, or the claim's lease). */
  leaseExpiresAt: number;
  /** `releasing`: being handed back (held, handler disabled); its lease ends on purpose. */
  phase: 'ready' | 'running' | 'settling' | 'releasing';
  /** The store said another attempt holds the job now (or it was replayed): its outcome will not count. */
  lost: boolean;
}

const SETTLE_TRIES = 5;
/** A start-time lease renewal the store answers `busy` (row locked) is asked again up to this often… */
const START_BUSY_TRIES = 4;
/** …after this many ms times the try number. */
const START_BUSY_WAIT_MS = 100;

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
  readonly #onDecision: ((handler: HandlerRunner, decision: RecordedDecision) => void) | undefined;

  readonly #inFlight = new Map<string, InFlight>();
  /** Handler calls running now, per handler (the `concurrency` slots). */
  readonly #runningByHandler = new Map<string, number>();
  /** Jobs whose handler returned and whose outcome is being written, per handler. */
  readonly #settlingByHandler = new Map<string, number>();
  /** Claimed (leased) jobs waiting for a slot, per handler, oldest first. */
  readonly #ready = new Map<string, ClaimedJob[]>();
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
  #renewal: Promise<void> | null = null;
  /** Aborted when the renewal loop must end (stop finished, or gave up waiting). */
  #renewalStop = new AbortController();
  /** Set while the renewal loop idles (no leases held): claiming jobs calls it. */
  #renewalWake: (() => void) | null = null;
  #renewalFailing = false;
  /** The renewal call in flight, if any, and when the renewal loop renews next (clock ms). */
  #renewing: Promise<unknown> | null = null;
  #nextRenewalAt = 0;

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
    this.#onDecision = options.onDecision;
  }

  /** Names of the handlers this worker runs. */
  get handlers(): string[] {
    return this.#runners.map((runner) => runner.name);
  }

  /** Jobs this worker holds right now: running, writing their outcome, or claimed and about to start. */
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
    this.#renewalStop = new AbortController();
    this.#renewal = this.#renewLoop().catch((error: unknown) => {
      this.#logger.error(
        { err: error },
        'lease renewal loop failed; leases of this worker are no longer renewed',
      );
    });
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
    // Leases of abandoned jobs are no longer renewed; a renewal call in flight is not waited for then.
    this.#renewalStop.abort();
    if (!this.#abandoned) await this.#renewal;
    this.#renewal = null;
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
      if (!this.#stopping) await this.#claim();
      if (this.#wakeRequested) continue;
      // Not asleep across a renewal in flight: with a fast-forward test clock, time would run past the
      // leases meanwhile (the real clock does not care; the claims above never wait for renewals).
      if (this.#renewing) await this.#renewing;
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
        if (this.#stopping) break;
        const running = this.#runningByHandler.get(runner.name) ?? 0;
        const ready = this.#readyOf(runner).length;
        // Room for every slot plus one `concurrency` of prefetched jobs.
        const room = 2 * runner.concurrency - running - ready;
        if (room <= 0) continue;
        // Every free slot has a job waiting: claim again only for a batch worth a commit.
        if (ready >= runner.concurrency - running && room < Math.ceil(runner.concurrency / 2)) continue;
        const jobs = await this.#store.claimJobs({
          workerId: this.workerId,
          handlers: [runner.name],
          limit: room,
          leaseMs: this.#leaseMs,
          now: this.#clock.now(),
        });
        for (const job of jobs) {
          this.#inFlight.set(job.id, {
            job,
            runner,
            leaseExpiresAt: job.leaseExpiresAt.getTime(),
            phase: 'ready',
            lost: false,
          });
          this.#readyOf(runner).push(job);
        }
        if (jobs.length > 0) this.#renewalWake?.();
        this.#fill(runner);
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

  /** How long to sleep: the poll interval, or less when a scheduled retry is due. */
  #waitMs(): number {
    const now = this.#clock.now().getTime();
    let wait = this.#pollIntervalMs;
    for (const time of this.#retryTimes) wait = Math.min(wait, time - now);
    // Not past the next renewal while jobs are held (keeps a fast-forward test clock from running past
    // the leases; with the real clock it is one more claim look per renewal period).
    if (this.#inFlight.size > 0) wait = Math.min(wait, this.#nextRenewalAt - now);
    return Math.max(0, wait);
  }

  get #renewEveryMs(): number {
    return Math.max(1, Math.floor(this.#leaseMs / 3));
  }

  /**
   * The heartbeat, on its own loop (claims, handlers and outcome writes never delay it): every lease/3,
   * one store call renews every lease this worker holds. Idle (no timer) while it holds none.
   */
  async #renewLoop(): Promise<void> {
    const stop = this.#renewalStop.signal;
    while (!stop.aborted && !this.#abandoned) {
      if (this.#inFlight.size === 0) {
        await new Promise<void>((resolve) => {
          const done = () => {
            stop.removeEventListener('abort', done);
            this.#renewalWake = null;
            resolve();
          };
          this.#renewalWake = done;
          stop.addEventListener('abort', done, { once: true });
        });
        continue;
      }
      try {
        const started = this.#clock.now().getTime();
        this.#nextRenewalAt = started + this.#renewEveryMs;
        await this.#renewLeases([...this.#inFlight.values()]);
        const wait = this.#nextRenewalAt - this.#clock.now().getTime();
        if (wait > 0 && !stop.aborted) await this.#clock.sleep(wait, stop);
      } catch (error) {
        // Never ends the loop (#renewLeases reports store errors itself; this is anything else). Waits one
        // renewal period on the real timer (the injected clock may be what threw) and renews again.
        this.#logger.error({ err: error }, 'lease renewal failed unexpectedly; trying again shortly');
        if (!stop.aborted) await systemClock.sleep(this.#renewEveryMs, stop);
      }
    }
  }

  /**
   * Renews the leases of `flights` in one store call. Returns the ones renewed and the ones the store
   * could not answer for right now (busy: PostgreSQL, row locked by another transaction); both empty when
   * the call failed. A lease reported lost is dropped: a prefetched job leaves the queue without running;
   * a running one's outcome will not count.
   */
  async #renewLeases(flights: InFlight[]): Promise<{ renewed: Set<InFlight>; busy: Set<InFlight> }> {
    const renewedFlights = new Set<InFlight>();
    const busyFlights = new Set<InFlight>();
    const result = { renewed: renewedFlights, busy: busyFlights };
    const held = flights.filter((flight) => !flight.lost && flight.phase !== 'releasing');
    if (held.length === 0) return result;
    const now = this.#clock.now();
    let renewal: LeaseRenewal;
    // Created inside the promise chain: a store method that throws instead of rejecting is a failed call
    // like any other (reported below), not an exception out of the renewal loop.
    const call = Promise.resolve().then(() =>
      this.#store.extendLeases(
        held.map((flight) => ({ jobId: flight.job.id, attempt: flight.job.attempt })),
        { leaseMs: this.#leaseMs, now },
      ),
    );
    const settled = call.then(
      () => {},
      () => {},
    );
    this.#renewing = settled;
    try {
      renewal = await call;
      if (this.#renewalFailing) this.#logger.info('job leases renewed again');
      this.#renewalFailing = false;
    } catch (error) {
      if (!this.#renewalFailing) {
        this.#logger.warn(
          { err: error, leases: held.length },
          'cannot renew job leases (store unavailable?); trying again shortly',
        );
      }
      this.#renewalFailing = true;
      return result;
    } finally {
      if (this.#renewing === settled) this.#renewing = null;
    }
    const renewed = new Set(renewal.renewed);
    const lost = new Set(renewal.lost);
    const busy = new Set(renewal.busy);
    for (const flight of held) {
      if (renewed.has(flight.job.id)) {
        flight.leaseExpiresAt = Math.max(flight.leaseExpiresAt, now.getTime() + this.#leaseMs);
        renewedFlights.add(flight);
      } else if (lost.has(flight.job.id)) {
        this.#leaseLost(flight);
      } else if (busy.has(flight.job.id)) {
        busyFlights.add(flight);
      }
    }
    return result;
  }

  #leaseLost(flight: InFlight): void {
    if (flight.lost || this.#inFlight.get(flight.job.id) !== flight) return;
    flight.lost = true;
    const fields = { jobId: flight.job.id, attempt: flight.job.attempt, handler: flight.runner.name };
    switch (flight.phase) {
      case 'ready': {
        const ready = this.#readyOf(flight.runner);
        const index = ready.indexOf(flight.job);
        if (index >= 0) ready.splice(index, 1);
        this.#inFlight.delete(flight.job.id);
        this.#logger.warn(
          fields,
          'lost the lease of a job waiting to start (taken over or replayed); dropped without running it',
        );
        this.notify();
        break;
      }
      case 'running':
        this.#logger.warn(
          fields,
          'lost the lease of a running job (replayed or taken over); its outcome will not be recorded',
        );
        break;
      default:
        // Settling: its outcome was probably just committed (the job is no longer running); the write says.
        this.#logger.debug(fields, 'lease of a settling job no longer held');
    }
  }

  /**
   * Whether `job` may start: its lease must not be lost, and must have been confirmed within the last
   * lease·2/3 (else it is renewed now, and the job starts only if that renewal succeeded). A renewal the
   * store cannot answer right now (busy) is asked again shortly, a few times. A job whose lease could not
   * be confirmed (store error, still busy) is handed back, best effort, so that a claim (this worker's
   * next, or another instance's) takes it at once instead of after its lease expired.
   */
  async #leaseHeldForStart(job: ClaimedJob, log: Logger): Promise<boolean> {
    const flight = this.#inFlight.get(job.id);
    // (Another flight under this id: this worker claimed the job again after its lease ran out.)
    if (flight === undefined || flight.job !== job || flight.lost) return false;
    if (flight.leaseExpiresAt - this.#clock.now().getTime() > this.#leaseMs / 3) return true;
    for (let tryNo = 1; ; tryNo += 1) {
      const renewal = await this.#renewLeases([flight]);
      if (renewal.renewed.has(flight)) return true;
      if (flight.lost || this.#inFlight.get(job.id) !== flight) return false;
      if (!renewal.busy.has(flight) || tryNo >= START_BUSY_TRIES || this.#abandoned) break;
      await this.#clock.sleep(START_BUSY_WAIT_MS * tryNo);
      if (flight.lost || this.#inFlight.get(job.id) !== flight) return false;
    }
    log.warn('not starting a job whose lease could not be confirmed; handing it back to be claimed again');
    flight.phase = 'releasing';
    try {
      const released = await this.#store.releaseJob(job.id, {
        attempt: job.attempt,
        reason: 'lease could not be confirmed when the job was about to start',
        now: this.#clock.now(),
      });
      if (!released.applied) log.debug('job no longer held by this attempt; nothing to hand back');
    } catch (error) {
      log.warn({ err: error }, 'cannot hand the job back; it runs again once its lease expired');
    }
    return false;
  }

  #readyOf(runner: HandlerRunner): ClaimedJob[] {
    let ready = this.#ready.get(runner.name);
    if (ready === undefined) {
      ready = [];
      this.#ready.set(runner.name, ready);
    }
    return ready;
  }

  /** Starts waiting jobs of `runner` while it has a free slot and room for their outcome writes. */
  #fill(runner: HandlerRunner): void {
    const ready = this.#readyOf(runner);
    while (
      ready.length > 0 &&
      !this.#abandoned &&
      (this.#runningByHandler.get(runner.name) ?? 0) < runner.concurrency &&
      (this.#settlingByHandler.get(runner.name) ?? 0) < runner.concurrency
    ) {
      this.#begin(runner, ready.shift() as ClaimedJob);
    }
  }

  #count(counts: Map<string, number>, runner: HandlerRunner, delta: number): void {
    counts.set(runner.name, (counts.get(runner.name) ?? 0) + delta);
  }

  #begin(runner: HandlerRunner, job: ClaimedJob): void {
    this.#count(this.#runningByHandler, runner, 1);
    let slotHeld = true;
    /** The handler is done with this job: its slot goes to the next job while the outcome is written. */
    const current = this.#inFlight.get(job.id);
    const flight = current?.job === job ? current : undefined;
    if (flight !== undefined) flight.phase = 'running';
    const freeSlot = (): void => {
      if (!slotHeld) return;
      slotHeld = false;
      if (flight !== undefined && flight.phase === 'running') flight.phase = 'settling';
      this.#count(this.#runningByHandler, runner, -1);
      this.#count(this.#settlingByHandler, runner, 1);
      this.#fill(runner);
    };
    this.#process(runner, job, freeSlot)
      .catch((error: unknown) => {
        this.#logger.error({ err: error, jobId: job.id }, 'unexpected error while processing a job');
      })
      .finally(() => {
        if (flight !== undefined && this.#inFlight.get(job.id) === flight) this.#inFlight.delete(job.id);
        if (slotHeld) {
          slotHeld = false;
          this.#count(this.#runningByHandler, runner, -1);
        } else {
          this.#count(this.#settlingByHandler, runner, -1);
        }
        this.#fill(runner);
        this.notify();
      });
  }

  /**
   * A claimed job that will not start here (its handler was disabled): handed back, so it runs as soon
   * as the handler is enabled again instead of after its lease expired.
   */
  async #handBack(runner: HandlerRunner, reason: string): Promise<void> {
    const ready = this.#readyOf(runner).splice(0);
    for (const job of ready) {
      const flight = this.#inFlight.get(job.id);
      if (flight?.job === job) flight.phase = 'releasing';
    }
    await Promise.all(
      ready.map(async (job) => {
        try {
          await this.#store.releaseJob(job.id, { attempt: job.attempt, reason, now: this.#clock.now() });
        } catch (error) {
          this.#logger.warn(
            { err: error, jobId: job.id },
            'cannot hand a claimed job back; its lease will expire',
          );
        } finally {
          if (this.#inFlight.get(job.id)?.job === job) this.#inFlight.delete(job.id);
        }
      }),
    );
    this.notify();
  }

  async #process(runner: HandlerRunner, job: ClaimedJob, freeSlot: () => void): Promise<void> {
    const log = this.#logger.child({
      jobId: job.id,
      handler: runner.name,
      eventId: job.eventId,
      attempt: job.attempt,
    });
    // Never start a job whose lease ran out or was lost: another worker may run it already.
    if (!(await this.#leaseHeldForStart(job, log))) return;
    if (!(await this.#survivesFault(() => this.#faults.beforeHandle?.(job), log, 'beforeHandle'))) return;

    let outcome: HandlerOutcome;
    const verification = await this.#verify(job, log);
    if (verification === 'held' || verification === 'superseded') return;
    if (verification !== 'ok') {
      outcome = verification;
    } else if (this.#superseded(job, log)) {
      return;
    } else {
      try {
        outcome = await runner.run(job);
      } catch (error) {
        outcome = { status: 'retry', error: describeError(error), errorCode: thrownErrorCode(error) };
      }
    }
    freeSlot();

    if (!(await this.#survivesFault(() => this.#faults.beforeSettle?.(job, outcome), log, 'beforeSettle')))
      return;
    const status = await this.#settle(runner, job, outcome, log);
    this.#onSettled?.({ job, handler: runner.name, outcome, jobStatus: status });
  }

  /**
   * Whether this attempt of `job` no longer holds it: its lease was lost, or this worker claimed the job
   * again meanwhile (a replay or lease takeover while the attempt waited, e.g. for the shop's `verify`
   * answer; the new attempt replaced it in #inFlight). Such an attempt must not run the handler nor
   * write an outcome: the current attempt does. Checked again right before the handler runs, since the
   * start-time lease check came before verification.
   */
  #superseded(job: ClaimedJob, log: Logger): boolean {
    const flight = this.#inFlight.get(job.id);
    if (flight !== undefined && flight.job === job && !flight.lost) return false;
    if (flight !== undefined && flight.job !== job) {
      log.info(
        { currentAttempt: flight.job.attempt },
        'attempt superseded (the job was claimed again meanwhile); not running it',
      );
    } else {
      log.info('attempt no longer holds the job (lease lost meanwhile); not running it');
    }
    return true;
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
   * handler; 'held' = the event mismatched and the job was handed back; 'superseded' = this attempt no
   * longer holds the job once the answer came (nothing to do); an outcome = the check failed.
   */
  async #verify(job: ClaimedJob, log: Logger): Promise<'ok' | 'held' | 'superseded' | HandlerOutcome> {
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
          errorCode: 'verification_failed',
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
      if (this.#superseded(job, log)) return 'superseded';
      return {
        status: 'retry',
        error: `could not verify the order with the shop: ${describeError(error)}`,
        errorCode: 'verification_failed',
      };
    }
    if (result === null || result.status === 'verified') return 'ok';
    // The event's verification was recorded (shared by its jobs); this job's release is the current attempt's.
    if (this.#superseded(job, log)) return 'superseded';
    log.warn({ detail: result.detail }, 'event does not match the shop: held until replayed');
    const flight = this.#inFlight.get(job.id);
    if (flight?.job === job) flight.phase = 'releasing';
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
    const recorded = (decision: RecordedDecision): void => {
      try {
        this.#onDecision?.(runner, decision);
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
  ): Promise<{ transition: JobTransition; decision: AttemptDecision }> {
    const now = this.#clock.now();
    const statusCode = outcome.statusCode === undefined ? {} : { statusCode: outcome.statusCode };
    switch (outcome.status) {
      case 'succeeded':
        log.debug('job succeeded');
        return {
          transition: await this.#store.completeJob(job.id, { attempt: job.attempt, now, ...statusCode }),
          decision: 'succeeded',
        };
      case 'dead':
        log.warn(loggableFailure(outcome), 'job dead-lettered');
        return {
          transition: await this.#store.failJob(job.id, {
            attempt: job.attempt,
            deadLetter: true,
            error: outcome.error,
            now,
            ...statusCode,
          }),
          decision: 'dead',
        };
      case 'disable':
        log.warn(loggableFailure(outcome), 'target gone: handler disabled');
        // The reason, not the error: the handler's state is shown unmasked (the error quotes the target).
        await this.#store.disableHandler(runner.name, { reason: outcome.reason, now });
        await this.#handBack(runner, `handler disabled before the job started: ${outcome.reason}`);
        // Back to pending (not dead): it runs once the handler is enabled again, like the handler's other
        // jobs. Not a failure of this job (the target is gone for every job): its retries stay unused.
        return {
          transition: await this.#store.failJob(job.id, {
            attempt: job.attempt,
            error: outcome.error,
            retryAt: now,
            now,
            countsAsFailure: false,
            ...statusCode,
          }),
          decision: 'disable',
        };
      case 'retry': {
        const decision = nextRetry(runner.retry, {
          failures: job.failures + 1,
          now,
          random: this.#random,
          ...(outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs }),
        });
        if (decision.action === 'dead-letter') {
          log.warn(loggableFailure(outcome), `job dead-lettered: ${decision.reason}`);
          return {
            transition: await this.#store.failJob(job.id, {
              attempt: job.attempt,
              deadLetter: true,
              error: `${outcome.error} (${decision.reason})`,
              now,
              ...statusCode,
            }),
            decision: 'dead',
          };
        }
        log.info({ ...loggableFailure(outcome), retryAt: decision.retryAt }, 'job failed; retry scheduled');
        const transition = await this.#store.failJob(job.id, {
          attempt: job.attempt,
          error: outcome.error,
          retryAt: decision.retryAt,
          now,
          ...statusCode,
        });
        if (transition.applied) this.#retryTimes.push(decision.retryAt.getTime());
        return { transition, decision: 'retry' };
      }
    }
  }
}

/**
 * The worker's heartbeat: every lease the worker holds (prefetched, running, settling) is renewed in one
 * store call every lease/3, on a loop of its own (claims, handlers and outcome writes never delay it).
 * A lease the renewal reports lost is dropped: a prefetched job leaves its queue without running, a
 * running one's outcome will not count. Before a job starts, its lease must have been confirmed at
 * most lease·2/3 ago, else it is renewed first (`confirmForStart`). Lease ages are counted on the
 * worker's own clock from when the claim or renewal was sent (see HeldJob.leaseExpiresAt), never by
 * comparing it with the store's lease end, which PostgreSQL keeps on the server's clock. A renewal the
 * shutdown gave up (StoreShutdownWaitError: PostgreSQL silent while the receiver stops) promises no retry.
 */
import type { Logger } from 'pino';
import type { ClaimedJob, LeaseRenewal, Store } from '../store/store.js';
import { StoreShutdownWaitError } from '../store/store-errors.js';
import { type Clock, systemClock } from './clock.js';
import type { HeldJob, HeldJobs } from './held-jobs.js';

/** A start-time lease renewal the store answers `busy` (row locked) is asked again up to this often… */
const START_BUSY_TRIES = 4;
/** …after this many ms times the try number. */
const START_BUSY_WAIT_MS = 100;

export interface LeaseRenewerOptions {
  store: Store;
  clock: Clock;
  leaseMs: number;
  logger: Logger;
  held: HeldJobs;
  /** True once the worker gave up waiting for its jobs (stop timed out): leases are let go. */
  abandoned: () => boolean;
  /** A prefetched job was dropped (its lease lost): the worker may claim instead. */
  dropped: () => void;
}

export class LeaseRenewer {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #leaseMs: number;
  readonly #logger: Logger;
  readonly #held: HeldJobs;
  readonly #abandoned: () => boolean;
  readonly #dropped: () => void;
  #loop: Promise<void> | null = null;
  /** Aborted when the renewal loop must end (stop finished, or gave up waiting). */
  #stop = new AbortController();
  /** Set while the renewal loop idles (no leases held): claiming jobs calls it. */
  #wake: (() => void) | null = null;
  #failing = false;
  /** A renewal given up by the shutdown was reported (once). */
  #gaveUpReported = false;
  /** The renewal call in flight, if any, and when the renewal loop renews next (clock ms). */
  #renewing: Promise<unknown> | null = null;
  #nextRenewalAt = 0;

  constructor(options: LeaseRenewerOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#leaseMs = options.leaseMs;
    this.#logger = options.logger;
    this.#held = options.held;
    this.#abandoned = options.abandoned;
    this.#dropped = options.dropped;
  }

  /** The renewal call in flight, if any (settles, never rejects). */
  get renewing(): Promise<unknown> | null {
    return this.#renewing;
  }

  /** When the renewal loop renews next (clock ms). */
  get nextRenewalAt(): number {
    return this.#nextRenewalAt;
  }

  /** Starts the heartbeat loop. */
  start(): void {
    this.#stop = new AbortController();
    this.#loop = this.#renewLoop().catch((error: unknown) => {
      this.#logger.error(
        { err: error },
        'lease renewal loop failed; leases of this worker are no longer renewed',
      );
    });
  }

  /** Ends the loop; waits for a renewal call in flight unless `abandon` (leases are let go then). */
  async stop(options: { abandon: boolean }): Promise<void> {
    this.#stop.abort();
    if (!options.abandon) await this.#loop;
    this.#loop = null;
  }

  /** Jobs were claimed: an idle loop starts renewing. */
  wake(): void {
    this.#wake?.();
  }

  get #renewEveryMs(): number {
    return Math.max(1, Math.floor(this.#leaseMs / 3));
  }

  /**
   * The heartbeat, on its own loop (claims, handlers and outcome writes never delay it): every lease/3,
   * one store call renews every lease this worker holds. Idle (no timer) while it holds none.
   */
  async #renewLoop(): Promise<void> {
    const stop = this.#stop.signal;
    while (!stop.aborted && !this.#abandoned()) {
      if (this.#held.size === 0) {
        await new Promise<void>((resolve) => {
          const done = () => {
            stop.removeEventListener('abort', done);
            this.#wake = null;
            resolve();
          };
          this.#wake = done;
          stop.addEventListener('abort', done, { once: true });
        });
        continue;
      }
      try {
        const started = this.#clock.now().getTime();
        this.#nextRenewalAt = started + this.#renewEveryMs;
        await this.renew([...this.#held.values()]);
        const wait = this.#nextRenewalAt - this.#clock.now().getTime();
        if (wait > 0 && !stop.aborted) await this.#clock.sleep(wait, stop);
      } catch (error) {
        // Never ends the loop (renew reports store errors itself; this is anything else). Waits one
        // renewal period on the real timer (the injected clock may be what threw) and renews again.
        this.#logger.error({ err: error }, 'lease renewal failed unexpectedly; trying again shortly');
        if (!stop.aborted) await systemClock.sleep(this.#renewEveryMs, stop);
      }
    }
  }

  /**
   * Renews the leases of `jobs` in one store call. Returns the ones renewed and the ones the store
   * could not answer for right now (busy: PostgreSQL, row locked by another transaction); both empty when
   * the call failed. A lease reported lost is dropped: a prefetched job leaves the queue without running;
   * a running one's outcome will not count.
   */
  async renew(jobs: HeldJob[]): Promise<{ renewed: Set<HeldJob>; busy: Set<HeldJob> }> {
    const renewedJobs = new Set<HeldJob>();
    const busyJobs = new Set<HeldJob>();
    const result = { renewed: renewedJobs, busy: busyJobs };
    const held = jobs.filter((entry) => !entry.lost && entry.phase !== 'releasing');
    if (held.length === 0) return result;
    const now = this.#clock.now();
    let renewal: LeaseRenewal;
    // Created inside the promise chain: a store method that throws instead of rejecting is a failed call
    // like any other (reported below), not an exception out of the renewal loop.
    const call = Promise.resolve().then(() =>
      this.#store.extendLeases(
        held.map((entry) => ({ jobId: entry.job.id, attempt: entry.job.attempt })),
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
      if (this.#failing) this.#logger.info('job leases renewed again');
      this.#failing = false;
    } catch (error) {
      if (error instanceof StoreShutdownWaitError || this.#stop.signal.aborted || this.#abandoned()) {
        // The receiver is stopping: no renewal comes after this one, so none is promised (one line).
        if (!this.#gaveUpReported) {
          this.#gaveUpReported = true;
          this.#logger.info(
            {
              leases: held.length,
              reason: error instanceof StoreShutdownWaitError ? error.detail : String(error),
            },
            'job lease renewal given up: the receiver is stopping and the store did not answer; these leases end on their own, and another worker (or the next start) takes over the jobs whose outcome is not recorded',
          );
        }
      } else if (!this.#failing) {
        this.#logger.warn(
          { err: error, leases: held.length },
          'cannot renew job leases (store unavailable?); trying again shortly',
        );
      }
      this.#failing = true;
      return result;
    } finally {
      if (this.#renewing === settled) this.#renewing = null;
    }
    const renewed = new Set(renewal.renewed);
    const lost = new Set(renewal.lost);
    const busy = new Set(renewal.busy);
    for (const entry of held) {
      if (renewed.has(entry.job.id)) {
        entry.leaseExpiresAt = Math.max(entry.leaseExpiresAt, now.getTime() + this.#leaseMs);
        renewedJobs.add(entry);
      } else if (lost.has(entry.job.id)) {
        this.#leaseLost(entry);
      } else if (busy.has(entry.job.id)) {
        busyJobs.add(entry);
      }
    }
    return result;
  }

  /**
   * The store ended `jobId` without this worker (a personal data erasure cancelled it, announced on the
   * change feed): a job of it waiting here for a slot is dropped without running — its handler would send
   * the data just erased — instead of starting while its lease still looks confirmed. Dropping is always
   * safe: were the announcement about an earlier attempt, this one's lease would run out and a claim take
   * the job again.
   */
  endedInStore(jobId: string): void {
    const entry = this.#held.get(jobId);
    if (entry === undefined || entry.phase !== 'ready' || entry.lost) return;
    entry.lost = true;
    this.#held.removeReady(entry);
    this.#held.delete(entry);
    this.#logger.info(
      { jobId, attempt: entry.job.attempt, handler: entry.runner.name },
      'job ended in the store (cancelled) while waiting to start; dropped without running it',
    );
    this.#dropped();
  }

  #leaseLost(entry: HeldJob): void {
    if (entry.lost || this.#held.get(entry.job.id) !== entry) return;
    entry.lost = true;
    const fields = { jobId: entry.job.id, attempt: entry.job.attempt, handler: entry.runner.name };
    switch (entry.phase) {
      case 'ready': {
        this.#held.removeReady(entry);
        this.#held.delete(entry);
        this.#logger.warn(
          fields,
          'lost the lease of a job waiting to start (taken over or replayed); dropped without running it',
        );
        this.#dropped();
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
  async confirmForStart(job: ClaimedJob, log: Logger): Promise<boolean> {
    const entry = this.#held.get(job.id);
    // (Another entry under this id: this worker claimed the job again after its lease ran out.)
    if (entry === undefined || entry.job !== job || entry.lost) return false;
    if (entry.leaseExpiresAt - this.#clock.now().getTime() > this.#leaseMs / 3) return true;
    for (let tryNo = 1; ; tryNo += 1) {
      const renewal = await this.renew([entry]);
      if (renewal.renewed.has(entry)) return true;
      if (entry.lost || this.#held.get(job.id) !== entry) return false;
      if (!renewal.busy.has(entry) || tryNo >= START_BUSY_TRIES || this.#abandoned()) break;
      await this.#clock.sleep(START_BUSY_WAIT_MS * tryNo);
      if (entry.lost || this.#held.get(job.id) !== entry) return false;
    }
    log.warn('not starting a job whose lease could not be confirmed; handing it back to be claimed again');
    entry.phase = 'releasing';
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
}

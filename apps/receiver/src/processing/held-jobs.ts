/**
 * The jobs a worker holds a lease on, and its prefetch rule: claimed jobs waiting for a slot (per
 * handler, oldest first), handler calls running now and outcome writes in progress (the `concurrency`
 * slots). The worker claims up to one `concurrency` of jobs more than it has free slots, so a freed
 * slot starts the next job without waiting for a claim commit; a job whose handler returned frees its
 * slot while its outcome is written (at most `concurrency` such writes per handler wait at a time).
 */
import type { ClaimedJob } from '../store/store.js';
import type { HandlerRunner } from './handler-runner.js';

/** A job this worker holds a lease on: waiting for a slot, running, or writing its outcome. */
export interface HeldJob {
  job: ClaimedJob;
  runner: HandlerRunner;
  /**
   * Until when the lease is confirmed, on this worker's clock: the `now` of the claim or renewal that
   * confirmed it, plus leaseMs. Never later than the store's end of the lease: the store counts the
   * lease from when it received the call (PostgreSQL, on the server's clock) or from that same `now`
   * (SQLite), so this holds whatever the difference between this host's clock and the server's.
   */
  leaseExpiresAt: number;
  /** `releasing`: being handed back (held, handler disabled); its lease ends on purpose. */
  phase: 'ready' | 'running' | 'settling' | 'releasing';
  /** The store said another attempt holds the job now (or it was replayed): its outcome will not count. */
  lost: boolean;
}

export class HeldJobs {
  readonly #byId = new Map<string, HeldJob>();
  /** Handler calls running now, per handler (the `concurrency` slots). */
  readonly #runningByHandler = new Map<string, number>();
  /** Jobs whose handler returned and whose outcome is being written, per handler. */
  readonly #settlingByHandler = new Map<string, number>();
  /** Claimed (leased) jobs waiting for a slot, per handler, oldest first. */
  readonly #ready = new Map<string, ClaimedJob[]>();

  /** How many jobs are held (ready, running, settling, releasing). */
  get size(): number {
    return this.#byId.size;
  }

  values(): IterableIterator<HeldJob> {
    return this.#byId.values();
  }

  /** The entry held under the job's id: this attempt's, or a newer one (the job was claimed again). */
  get(jobId: string): HeldJob | undefined {
    return this.#byId.get(jobId);
  }

  /** The entry of exactly this attempt of the job, if still held. */
  of(job: ClaimedJob): HeldJob | undefined {
    const held = this.#byId.get(job.id);
    return held?.job === job ? held : undefined;
  }

  /** Forgets `held` unless another attempt of its job replaced it meanwhile. */
  delete(held: HeldJob): void {
    if (this.#byId.get(held.job.id) === held) this.#byId.delete(held.job.id);
  }

  /** Forgets this attempt of `job`, if it is the one held. */
  deleteAttempt(job: ClaimedJob): void {
    if (this.#byId.get(job.id)?.job === job) this.#byId.delete(job.id);
  }

  /**
   * How many jobs of `runner` to claim now: room for every slot plus one `concurrency` of prefetched
   * jobs; 0 when every free slot has a job waiting and the room left is not worth a commit.
   */
  claimRoom(runner: HandlerRunner): number {
    const running = this.#runningByHandler.get(runner.name) ?? 0;
    const ready = this.readyOf(runner).length;
    const room = 2 * runner.concurrency - running - ready;
    if (room <= 0) return 0;
    if (ready >= runner.concurrency - running && room < Math.ceil(runner.concurrency / 2)) return 0;
    return room;
  }

  /** A job just claimed (by a claim sent at `claimedAt`, this worker's clock): held, waiting for a slot. */
  addClaimed(job: ClaimedJob, runner: HandlerRunner, claimedAt: Date, leaseMs: number): void {
    this.#byId.set(job.id, {
      job,
      runner,
      leaseExpiresAt: claimedAt.getTime() + leaseMs,
      phase: 'ready',
      lost: false,
    });
    this.readyOf(runner).push(job);
  }

  /** Claimed jobs of `runner` waiting for a slot, oldest first (the live queue). */
  readyOf(runner: HandlerRunner): ClaimedJob[] {
    let ready = this.#ready.get(runner.name);
    if (ready === undefined) {
      ready = [];
      this.#ready.set(runner.name, ready);
    }
    return ready;
  }

  /** Takes the next waiting job of `runner` when it has a free slot and room for its outcome write. */
  nextToStart(runner: HandlerRunner): ClaimedJob | undefined {
    const ready = this.readyOf(runner);
    if (
      ready.length > 0 &&
      (this.#runningByHandler.get(runner.name) ?? 0) < runner.concurrency &&
      (this.#settlingByHandler.get(runner.name) ?? 0) < runner.concurrency
    ) {
      return ready.shift();
    }
    return undefined;
  }

  /** Removes a waiting job from its handler's queue (its lease was lost). */
  removeReady(held: HeldJob): void {
    const ready = this.readyOf(held.runner);
    const index = ready.indexOf(held.job);
    if (index >= 0) ready.splice(index, 1);
  }

  /** Counts a handler call starting (+1) or ending (-1) in `runner`'s slots. */
  countRunning(runner: HandlerRunner, delta: number): void {
    this.#runningByHandler.set(runner.name, (this.#runningByHandler.get(runner.name) ?? 0) + delta);
  }

  /** Counts an outcome write starting (+1) or ending (-1) for `runner`. */
  countSettling(runner: HandlerRunner, delta: number): void {
    this.#settlingByHandler.set(runner.name, (this.#settlingByHandler.get(runner.name) ?? 0) + delta);
  }
}

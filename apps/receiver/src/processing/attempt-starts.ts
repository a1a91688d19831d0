/**
 * Records when the worker really calls a handler: a claim writes each attempt as `claimed` (a job claimed
 * ahead waits for a slot, it has not started), and this marks it `running` with its start time. Only the
 * display depends on it (events, admin API, inspector, CLI), so it never holds up a handler: the starts of
 * one event-loop turn are written together in one store call, in the background, and a failed write is
 * only logged (the outcome write that follows records the attempt anyway).
 */
import type { Logger } from 'pino';
import type { ClaimedJob, LeaseRef, Store } from '../store/store.js';
import type { Clock } from './clock.js';

export class AttemptStarts {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #logger: Logger;
  #queued: LeaseRef[] = [];
  #writing: Promise<void> | null = null;

  constructor(options: { store: Store; clock: Clock; logger: Logger }) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#logger = options.logger;
  }

  /** The handler of `job`'s attempt is being called now. */
  started(job: ClaimedJob): void {
    this.#queued.push({ jobId: job.id, attempt: job.attempt });
    if (this.#queued.length === 1) setImmediate(() => this.#write());
  }

  /** Waits for the starts queued or being written (the worker stopping). */
  async drain(): Promise<void> {
    while (this.#writing !== null || this.#queued.length > 0) {
      if (this.#writing === null) this.#write();
      await this.#writing;
    }
  }

  #write(): void {
    if (this.#writing !== null || this.#queued.length === 0) return;
    const leases = this.#queued.splice(0);
    const now = this.#clock.now();
    this.#writing = this.#store
      .markStarted(leases, { now })
      .catch((error: unknown) => {
        this.#logger.debug({ err: error, jobs: leases.length }, 'could not record attempt starts');
      })
      .finally(() => {
        this.#writing = null;
        if (this.#queued.length > 0) setImmediate(() => this.#write());
      });
  }
}

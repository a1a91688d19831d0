/**
 * Handing claimed jobs back: a job this worker claimed (prefetched, waiting for a slot) that will not
 * start here because its handler was disabled is released to the store, so it runs as soon as the
 * handler is enabled again instead of after its lease expired.
 *
 * The store never hands out jobs of a disabled handler, but jobs claimed before the disable would start
 * as slots free up. The disable may come from anywhere: an operator (`handlers disable`, through any
 * receiver on this store) or a 410 another receiver got. So, while jobs wait here, the worker reads the
 * handlers' states at most once per poll interval (`ofDisabledHandlers`) and hands back the waiting jobs
 * of a disabled handler. Bound: within two poll intervals (plus one store call) of a disable, no
 * receiver starts another job of that handler; attempts already running finish.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import type { Clock } from './clock.js';
import type { HandlerRunner } from './handler-runner.js';
import type { HeldJobs } from './held-jobs.js';

export interface ClaimedJobHandBackOptions {
  store: Store;
  clock: Clock;
  held: HeldJobs;
  logger: Logger;
  pollIntervalMs: number;
  /** Jobs were handed back: the worker's loop looks for work again. */
  handedBack: () => void;
}

export class ClaimedJobHandBack {
  readonly #options: ClaimedJobHandBackOptions;
  /** When the handlers' states were last read (epoch ms, the worker's clock). */
  #statesCheckedAt = Number.NEGATIVE_INFINITY;

  constructor(options: ClaimedJobHandBackOptions) {
    this.#options = options;
  }

  /** Hands back the waiting jobs of every handler in `runners` the store says is disabled (at most once per poll interval). */
  async ofDisabledHandlers(runners: readonly HandlerRunner[], now: number): Promise<void> {
    const { held, store, logger, pollIntervalMs } = this.#options;
    if (now - this.#statesCheckedAt < pollIntervalMs) return;
    const waiting = runners.filter((runner) => held.readyOf(runner).length > 0);
    if (waiting.length === 0) return;
    this.#statesCheckedAt = now;
    const disabled = new Map(
      (await store.listHandlerStates())
        .filter((state) => state.disabled)
        .map((state) => [state.handler, state]),
    );
    for (const runner of waiting) {
      const state = disabled.get(runner.name);
      if (state === undefined) continue;
      logger.info(
        { handler: runner.name, disabledBy: state.disabledBy, jobs: held.readyOf(runner).length },
        'handler disabled meanwhile: handing back its claimed jobs that have not started',
      );
      await this.handBack(runner, `handler disabled before the job started: ${state.reason ?? ''}`);
    }
  }

  /** Releases every job of `runner` waiting here for a slot, with `reason`. */
  async handBack(runner: HandlerRunner, reason: string): Promise<void> {
    const { held, store, clock, logger } = this.#options;
    const ready = held.readyOf(runner).splice(0);
    for (const job of ready) {
      const entry = held.of(job);
      if (entry !== undefined) entry.phase = 'releasing';
    }
    await Promise.all(
      ready.map(async (job) => {
        try {
          await store.releaseJob(job.id, { attempt: job.attempt, reason, now: clock.now() });
        } catch (error) {
          logger.warn({ err: error, jobId: job.id }, 'cannot hand a claimed job back; its lease will expire');
        } finally {
          held.deleteAttempt(job);
        }
      }),
    );
    this.#options.handedBack();
  }
}

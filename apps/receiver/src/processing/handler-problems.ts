import type { Logger } from 'pino';
import { describeError } from './handler-outcome.js';
import type { HandlerRunner } from './handler-runner.js';

/** Why this receiver cannot run a handler now (a module file that does not import), since when. */
export interface HandlerProblem {
  code: string;
  /** What is wrong and what to fix, as logged at start (a file path, an import error: no order data). */
  reason: string;
  since: Date;
}

/**
 * The handlers this receiver found it cannot run (`HandlerRunner.check` at start, or a run whose
 * handler could not be loaded), until one of its runs loads it again. Per process: each receiver of a
 * shared store reports its own (a module file may be missing on one host only).
 */
export class HandlerProblems {
  readonly #problems = new Map<string, HandlerProblem>();

  /** Records that `handler` cannot run because of `error`; keeps `since` of a problem already recorded. */
  record(handler: string, error: unknown): void {
    const own = (error as { code?: unknown } | null)?.code;
    const code = typeof own === 'string' ? own : 'handler_check_failed';
    // the human message (the code is its own field), one line, bounded as stored attempt errors are
    const reason =
      error instanceof Error ? (error.message.split('\n')[0] ?? '').slice(0, 500) : describeError(error);
    const since = this.#problems.get(handler)?.since ?? new Date();
    this.#problems.set(handler, { code, reason, since });
  }

  /**
   * Looks whether each handler can run (`HandlerRunner.check`: a module file that does not import), in
   * the background, and logs each that cannot: one error line naming the handler and what to fix, at
   * start rather than at its first job; recorded here (the handlers list shows it) until a run loads it.
   * Start-up goes on: deliveries are still stored and answered, and the handler's jobs retry on its
   * schedule, then are dead letters to replay once the cause is fixed.
   */
  checkAtStart(runners: readonly HandlerRunner[], logger: Logger): void {
    for (const runner of runners) {
      runner.check?.().catch((error: unknown) => {
        this.record(runner.name, error);
        logger.error(
          {
            handler: runner.name,
            code: (error as { code?: unknown }).code ?? 'handler_check_failed',
            reason: error instanceof Error ? error.message : String(error),
          },
          `handler ${runner.name} cannot run: its jobs are kept and retried on its retry schedule, then dead-lettered; fix this, then replay the dead letters (srhooks dead-letters retry --handler ${runner.name})`,
        );
      });
    }
  }

  /** `handler` ran (its module loaded): no problem any more. */
  clear(handler: string): void {
    this.#problems.delete(handler);
  }

  get(handler: string): HandlerProblem | null {
    return this.#problems.get(handler) ?? null;
  }
}

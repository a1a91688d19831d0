import { describeError } from './handler-outcome.js';

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

  /** `handler` ran (its module loaded): no problem any more. */
  clear(handler: string): void {
    this.#problems.delete(handler);
  }

  get(handler: string): HandlerProblem | null {
    return this.#problems.get(handler) ?? null;
  }
}

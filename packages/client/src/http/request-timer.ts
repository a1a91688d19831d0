/**
 * A time limit for one request that keeps the process alive while the request waits.
 * `AbortSignal.timeout()` uses an unref'd timer: a short-lived process (the CLI) whose only pending
 * work is a request can then exit with its promise never settled (Node's exit code 13, no message) —
 * seen when a server closes the connection while undici is still writing the body (the rejection is
 * delivered from undici's own unref'd timers, or, rarely, never). A referenced timer keeps the loop
 * running until the answer, the failure, or the time limit.
 */
export interface RequestTimer {
  /** Aborts with a `TimeoutError` DOMException after the limit. */
  readonly signal: AbortSignal;
  /** The answer (or failure) arrived: stop holding the process open; the limit still applies while alive. */
  release(): void;
  /** Cancels the limit altogether. */
  clear(): void;
}

export function requestTimer(timeoutMs: number): RequestTimer {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(new DOMException(`the request timed out after ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  return {
    signal: controller.signal,
    release: () => {
      timer.unref();
    },
    clear: () => {
      clearTimeout(timer);
    },
  };
}

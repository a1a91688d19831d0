/**
 * What one run of a handler came to. Handlers return an outcome (forward maps HTTP answers onto it) or
 * throw; a thrown error means `retry` (per the handler's retry schedule).
 */
export type HandlerOutcome =
  /** Done; the job never runs again (unless replayed). */
  | { status: 'succeeded'; statusCode?: number }
  /** Try again per the retry schedule; `retryAfterMs` is the target's `Retry-After`. */
  | { status: 'retry'; error: string; statusCode?: number; retryAfterMs?: number }
  /** Give up at once (dead-letter); replay after fixing the cause. */
  | { status: 'dead'; error: string; statusCode?: number }
  /** The target is gone (HTTP 410): disable the handler; its jobs wait until it is enabled again. */
  | { status: 'disable'; error: string; statusCode?: number };

/** Error text stored with an attempt: one line, bounded. */
export function describeError(error: unknown, maxLength = 500): string {
  const text =
    error instanceof Error
      ? `${error.name !== 'Error' ? `${error.name}: ` : ''}${error.message}`
      : typeof error === 'string'
        ? error
        : (JSON.stringify(error) ?? String(error));
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > maxLength ? `${oneLine.slice(0, maxLength - 1)}…` : oneLine;
}

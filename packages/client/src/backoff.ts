export interface BackoffOptions {
  /** Delay before the first retry, before jitter (default 300 ms). */
  baseDelayMs?: number;
  /** Largest delay between attempts (default 8 s). */
  maxDelayMs?: number;
  /** Largest `Retry-After` honoured; longer waits are capped to it (default 30 s). */
  maxRetryAfterMs?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = {
  baseDelayMs: 300,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 30_000,
};

/**
 * Exponential backoff with "equal jitter": half the exponential delay is fixed, half random, so
 * waits never collapse to zero yet concurrent retries spread out. `retry` counts from 1.
 */
export function backoffDelayMs(
  retry: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const { baseDelayMs, maxDelayMs } = { ...DEFAULT_BACKOFF, ...options };
  const exponential = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

/** `Retry-After` as milliseconds (delta-seconds or an HTTP date), or undefined when absent/unreadable. */
export function parseRetryAfterMs(
  header: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** How long to wait before retry number `retry`: the server's `Retry-After` if it gave one, else backoff. */
export function retryDelayMs(
  retry: number,
  retryAfterHeader: string | null | undefined,
  options: BackoffOptions = {},
  clock: { now?: () => number; random?: () => number } = {},
): number {
  const settings = { ...DEFAULT_BACKOFF, ...options };
  const retryAfter = parseRetryAfterMs(retryAfterHeader, (clock.now ?? Date.now)());
  if (retryAfter !== undefined) return Math.min(retryAfter, settings.maxRetryAfterMs);
  return backoffDelayMs(retry, settings, clock.random);
}

/**
 * When a failed job runs again. The default is Svix's schedule: the first attempt runs at once, then
 * retries after 5 s, 5 m, 30 m, 2 h, 5 h, 10 h and 10 h (8 attempts in about 27.6 hours), each delay
 * spread by ±jitter so retries of many jobs do not arrive in lock-step. A target's `Retry-After` is
 * honoured (never retried earlier than it asks, up to a cap). After the last delay the job is dead-lettered.
 */
import { formatDuration, parseDuration } from './duration.js';
import { ProcessingConfigError } from './processing-errors.js';

/** Svix's retry delays after the first (immediate) attempt. */
export const SVIX_RETRY_DELAYS_MS: readonly number[] = Object.freeze([
  5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
]);

export interface RetrySchedule {
  /** Delay before retry n (n = 1..length) after the nth failure; attempts = 1 + delaysMs.length. */
  readonly delaysMs: readonly number[];
  /** Each delay is multiplied by a random factor in [1 - jitter, 1 + jitter]; 0 = exact delays. */
  readonly jitter: number;
  /** A `Retry-After` longer than this is shortened to it (a target cannot park a job for a year). */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_SCHEDULE: RetrySchedule = Object.freeze({
  delaysMs: SVIX_RETRY_DELAYS_MS,
  jitter: 0.2,
  maxRetryAfterMs: 36_000_000,
});

export type RetryDecision =
  | { action: 'retry'; delayMs: number; retryAt: Date }
  | { action: 'dead-letter'; reason: string };

export interface RetryInput {
  /** Failed attempts so far, including the one that just failed (≥ 1). */
  failures: number;
  now: Date;
  /** The target's `Retry-After`, in ms (see parseRetryAfter). */
  retryAfterMs?: number;
  /** Uniform in [0, 1); injectable so tests get exact delays. Default Math.random. */
  random?: () => number;
}

/** Decides what happens after a failed attempt. */
export function nextRetry(schedule: RetrySchedule, input: RetryInput): RetryDecision {
  const attempts = schedule.delaysMs.length + 1;
  const base = schedule.delaysMs[input.failures - 1];
  if (base === undefined) {
    return { action: 'dead-letter', reason: `gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}` };
  }
  const random = input.random ?? Math.random;
  let delayMs = Math.round(base * (1 + schedule.jitter * (2 * random() - 1)));
  if (input.retryAfterMs !== undefined) {
    delayMs = Math.max(delayMs, Math.min(input.retryAfterMs, schedule.maxRetryAfterMs));
  }
  return { action: 'retry', delayMs, retryAt: new Date(input.now.getTime() + delayMs) };
}

/** A handler's `retry` option as written in `srhooks.config.json`. */
export interface RetryScheduleInput {
  /** Delays between attempts: ms numbers or `"5s"`, `"5m"`, `"2h"`, `"1d"`. `[]` = never retry. */
  delays?: readonly (number | string)[];
  jitter?: number;
  maxRetryAfter?: number | string;
}

/**
 * Builds a schedule from config, filling what is missing from `base`. `where` names the config key in
 * error messages (e.g. `handlers.erp.retry`).
 */
export function retryScheduleFrom(
  input: RetryScheduleInput | undefined,
  where: string,
  base: RetrySchedule = DEFAULT_RETRY_SCHEDULE,
): RetrySchedule {
  if (input === undefined) return base;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ProcessingConfigError(
      `${where} must be an object such as {"delays": ["5s", "5m", "30m"], "jitter": 0.2}`,
    );
  }
  let delaysMs = base.delaysMs;
  if (input.delays !== undefined) {
    if (!Array.isArray(input.delays)) {
      throw new ProcessingConfigError(
        `${where}.delays must be a list of durations such as ["5s", "5m", "2h"]`,
      );
    }
    delaysMs = input.delays.map((value, index) => {
      const ms = typeof value === 'number' || typeof value === 'string' ? parseDuration(value) : null;
      if (ms === null) {
        throw new ProcessingConfigError(
          `${where}.delays[${index}] is ${JSON.stringify(value)}; use milliseconds or a duration such as "5s", "5m", "2h", "1d"`,
        );
      }
      return ms;
    });
  }
  let jitter = base.jitter;
  if (input.jitter !== undefined) {
    if (typeof input.jitter !== 'number' || !(input.jitter >= 0 && input.jitter <= 1)) {
      throw new ProcessingConfigError(
        `${where}.jitter must be a number from 0 (exact delays) to 1; 0.2 means ±20 %`,
      );
    }
    jitter = input.jitter;
  }
  let maxRetryAfterMs = base.maxRetryAfterMs;
  if (input.maxRetryAfter !== undefined) {
    const ms =
      typeof input.maxRetryAfter === 'number' || typeof input.maxRetryAfter === 'string'
        ? parseDuration(input.maxRetryAfter)
        : null;
    if (ms === null) {
      throw new ProcessingConfigError(
        `${where}.maxRetryAfter must be milliseconds or a duration such as "1h"`,
      );
    }
    maxRetryAfterMs = ms;
  }
  return Object.freeze({ delaysMs: Object.freeze([...delaysMs]), jitter, maxRetryAfterMs });
}

/** `"0s, 5s, 5m, 30m, 2h, 5h, 10h, 10h"`: when each attempt runs relative to the previous failure. */
export function describeRetrySchedule(schedule: RetrySchedule): string {
  return ['0s', ...schedule.delaysMs.map(formatDuration)].join(', ');
}

import type { FailJobOptions } from './store.js';

/** What failJob does: dead-letter now, or run again at retryAt. Rejects options naming neither (or an invalid date). */
export function failureOutcome(options: FailJobOptions, now: Date): { dead: boolean; runAt: Date } {
  if (options.deadLetter === true) return { dead: true, runAt: now };
  const retryAt = (options as { retryAt?: unknown }).retryAt;
  if (!(retryAt instanceof Date) || Number.isNaN(retryAt.getTime())) {
    throw new TypeError('failJob needs either `deadLetter: true` or a valid `retryAt` Date.');
  }
  return { dead: false, runAt: retryAt };
}

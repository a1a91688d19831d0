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

/**
 * The error kept with an attempt that reported after another attempt had taken its job over (its lease
 * had expired): the attempt stays `expired`, and this says what its handler reported, not applied.
 */
export function supersededNote(takenOverBy: number, report: string): string {
  return `lease lost: attempt ${takenOverBy} took the job over; this attempt then reported ${report} (not applied)`;
}

/**
 * The error kept with an attempt that reported after its event's personal data was erased (the erasure
 * cancelled its job): what kind of report came, never its text — a target's answer may quote the erased
 * payload (erase-plan.ts).
 */
export function erasedEventNote(outcome: string): string {
  const what = outcome === 'succeeded' ? 'success' : outcome === 'dead' ? 'a dead letter' : 'a failure';
  return `the event's personal data was erased while this attempt ran; it then reported ${what} (not applied; its text is not kept)`;
}

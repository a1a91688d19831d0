/**
 * A job whose handler keeps stopping the receiver — `process.exit`, an exception thrown in a timer, running
 * out of memory — would run again after every restart for ever: an attempt cut short that way is no
 * failure (its lease only runs out), so the retry schedule never ends it, and while the receiver restarts,
 * deliveries are refused (ShopRenter never resends them). After MAX_INTERRUPTIONS attempts whose handler
 * was running when its lease ran out (`ClaimedJob.interruptions`, counted by the store since the job was
 * created or last replayed), the worker dead-letters the job instead of running it again. Any job that was
 * running at those moments counts, not only the one at fault: each is a dead letter to replay, none is
 * lost.
 */
import type { ClaimedJob } from '../store/store.js';
import type { HandlerOutcome } from './handler-outcome.js';

/** Interrupted attempts after which a job is dead-lettered instead of run again. */
export const MAX_INTERRUPTIONS = 3;

/** The dead-letter outcome for a job interrupted MAX_INTERRUPTIONS times, or null to run it. */
export function interruptedTooOften(job: ClaimedJob, handler: string): HandlerOutcome | null {
  const interruptions = job.interruptions ?? 0;
  if (interruptions < MAX_INTERRUPTIONS) return null;
  return {
    status: 'dead',
    errorCode: 'handler_interrupted',
    error: `The receiver stopped while handler ${handler} was running this job, ${interruptions} times (a crash, a kill, the handler ending the process or running out of memory, or the store lost meanwhile): dead-lettered instead of run again, in case it is what stops the receiver. Look for what ended the process in its log and output at those attempts' times, fix the handler, then replay it (srhooks dead-letters retry --handler ${handler}).`,
  };
}

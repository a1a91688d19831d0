/**
 * The cause of a job's change, rebuilt from the job as the admin API reads it now, for the outcomes
 * `events tail` catches up on after a reconnect. Live, the receiver's stream announces the cause with
 * the change where the status alone does not say it (`erased`, `handler-disabled`: see feed-lines.ts's
 * outcomeLine); a catch-up sees only the job as it is, so it tells them by what they left behind:
 *
 * - `erased`: the job is `dead` with the summary an erasure gives the jobs it cancels (the receiver's
 *   own text, from `@srhooks/receiver/admin-values`), not one of an attempt;
 * - `handler-disabled`: the job is `pending`, its handler is disabled by its target (a forward target's
 *   410 Gone), and its last attempt failed with that 410 — or ended when the handler was disabled. A job
 *   that failed before the handler was disabled by another's attempt is a retry, as it was live.
 */
import { CANCELLED_BY_ERASURE } from '@srhooks/receiver/admin-values';
import type { EventDetailJson, HandlerOverviewJson } from '../admin-api/admin-types.js';
import type { JobChange } from './receiver-types.js';

type JobOfEventJson = EventDetailJson['jobs'][number];

/** The status code a forward target answers to say it is gone (the receiver then disables the handler). */
const GONE = 410;

export function catchUpCause(
  job: JobOfEventJson,
  handler: HandlerOverviewJson | undefined,
): JobChange['cause'] {
  if (job.status === 'dead') return job.lastErrorSummary === CANCELLED_BY_ERASURE ? 'erased' : undefined;
  if (job.status !== 'pending' || handler?.disabled !== true || handler.disabledBy !== 'target') return;
  const last = job.attemptLog.at(-1);
  if (last?.outcome !== 'failed') return;
  return last.statusCode === GONE || last.finishedAt === handler.changedAt ? 'handler-disabled' : undefined;
}

/** The job's change as the live stream would have announced it: its status now, with the cause rebuilt. */
export function catchUpChange(
  eventId: string,
  job: JobOfEventJson,
  handler: HandlerOverviewJson | undefined,
): JobChange {
  const change: JobChange = { kind: 'job', jobId: job.id, eventId, handler: job.handler, status: job.status };
  const cause = catchUpCause(job, handler);
  if (cause !== undefined) change.cause = cause;
  return change;
}

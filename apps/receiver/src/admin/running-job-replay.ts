/**
 * A replay does not start a job that a worker is running right now (its lease has not run out): reset to
 * pending, the job would run again at once — on this receiver or another on the same store — beside the
 * attempt still under way, so the handler's target would get the event twice at the same moment and the
 * first attempt's outcome would be dropped. Refused with 409 `job_running` instead, saying when the lease
 * ends. A job whose lease ran out (its worker died) is replayed as any other.
 */
import type { EventDetail, JobRecord } from '../store/store.js';
import { AdminApiError } from './admin-errors.js';

/** A worker is running the job right now: claimed, and its lease has not run out. */
export function isRunningNow(job: JobRecord, now: Date): boolean {
  return (
    job.status === 'running' && job.leaseExpiresAt !== null && job.leaseExpiresAt.getTime() > now.getTime()
  );
}

export function refuseRunningJobs(event: EventDetail, handler: string | undefined, now: Date): void {
  const running = event.jobs.filter(
    (job) => (handler === undefined || job.handler === handler) && isRunningNow(job, now),
  );
  if (running.length === 0) return;
  const names = running.map((job) => job.handler);
  const until = new Date(Math.max(...running.map((job) => job.leaseExpiresAt?.getTime() ?? 0)));
  const others =
    handler === undefined && event.jobs.some((job) => !names.includes(job.handler))
      ? '; to run the other handlers now, replay them one at a time'
      : '';
  throw new AdminApiError(
    409,
    'job_running',
    `Event ${event.id}: handler ${names.join(', ')} is running its job right now (its lease runs until ${until.toISOString()}); a replay now would run it a second time beside that attempt. Wait for its outcome (the event's jobs show it), then replay${others}.`,
    { handlers: names, leaseExpiresAt: until.toISOString() },
  );
}

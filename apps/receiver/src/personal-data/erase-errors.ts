/** Errors of a personal data erasure, each with a code, an HTTP status and what to do next. */
import { AdminApiError } from '../admin/admin-errors.js';

/**
 * 409 `unfinished_jobs`: matched events still have pending or running jobs, whose handlers would send
 * the data on after it was erased. Nothing was erased.
 */
export class ErasureBlockedError extends AdminApiError {
  /** The blocking jobs' ids. */
  readonly unfinishedJobs: readonly string[];

  constructor(unfinishedJobs: readonly string[], events: number) {
    super(
      409,
      'unfinished_jobs',
      `${unfinishedJobs.length} unfinished ${unfinishedJobs.length === 1 ? 'job' : 'jobs'} (pending or running) of the ` +
        `${events} matched ${events === 1 ? 'event' : 'events'} would send this data on: nothing was erased. ` +
        'Wait until they finish, or erase with includeUnfinished (srhooks erase --include-unfinished), which cancels them.',
      { unfinishedJobs: [...unfinishedJobs] },
    );
    this.unfinishedJobs = [...unfinishedJobs];
  }
}

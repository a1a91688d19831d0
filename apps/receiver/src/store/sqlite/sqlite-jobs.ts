/**
 * The SQLite engine's job operations: whether anything is claimable, claiming with a lease, completing,
 * failing (retry or dead letter), releasing and extending a lease, and replaying an event's jobs or the
 * dead letters. Every transition is one group-commit write that refreshes the owning event's status and
 * notifies the change feed after commit; `notifyEvent` is also used by the other modules' writes that
 * change an event.
 */

import { claimedJobChanges } from '../change-feed.js';
import { refreshEventStatusSql } from '../event-status-sql.js';
import { erasedEventNote, failureOutcome, supersededNote } from '../job-failure.js';
import { deadLetterCursor, deadLetterQuery } from '../list-query.js';
import { CLAIMED_JOB_COLUMNS, JOB_COLUMNS, type Row, toClaimedJob, toJobRecord } from '../row-mapping.js';
import { newId } from '../sortable-id.js';
import type {
  ClaimedJob,
  ClaimOptions,
  CompleteJobOptions,
  DeadLetterFilter,
  DeadLetterReplayResult,
  EventStatus,
  FailJobOptions,
  JobChangeCause,
  JobRecord,
  JobStatus,
  JobTransition,
  LeaseRef,
  LeaseRenewal,
  ReleaseJobOptions,
  ReplayResult,
} from '../store.js';
import { erasedEventReplay, StoreConflictError, StoreNotFoundError } from '../store-errors.js';
import type { WriteContext } from './group-commit.js';
import { codec, dialect, ms, type SqliteConnection } from './sqlite-connection.js';
import { INSERT_PENDING_JOB } from './sqlite-ingest.js';

const CLAIMABLE_FILTER = `AND e.held = 0
    AND (@handlers IS NULL OR j.handler IN (SELECT value FROM json_each(@handlers)))
    AND NOT EXISTS (SELECT 1 FROM handler_states h WHERE h.handler = j.handler AND h.disabled = 1)`;

const SELECT_CLAIMABLE = `SELECT j.id, j.run_at FROM jobs j JOIN events e ON e.id = j.event_id
    WHERE j.status = 'pending' AND j.run_at <= @now ${CLAIMABLE_FILTER}
  UNION ALL
  SELECT j.id, j.run_at FROM jobs j JOIN events e ON e.id = j.event_id
    WHERE j.status = 'running' AND j.lease_expires_at <= @now ${CLAIMABLE_FILTER}
  ORDER BY 2, 1 LIMIT @limit`;

const RESET_JOB = `UPDATE jobs SET status = 'pending', run_at = @now, failures = 0, min_attempt = attempts + 1,
    lease_owner = NULL, lease_expires_at = NULL, finished_at = NULL, updated_at = @now
  WHERE id = @id`;

interface JobStateRow {
  id: string;
  event_id: string;
  handler: string;
  status: JobStatus;
  attempts: number;
  min_attempt: number;
}

/**
 * Whether `claimJobs(options)` could find anything right now (a read; polling workers mostly find
 * nothing, and this answers that without a write transaction).
 */
export function hasClaimableJobs(db: SqliteConnection, options: ClaimOptions): boolean {
  const limit = Math.max(0, Math.floor(options.limit));
  if (limit === 0 || options.handlers?.length === 0) return false;
  const now = ms(options.now);
  const handlers = options.handlers === undefined ? null : JSON.stringify(options.handlers);
  return db.read(() => db.stmt(SELECT_CLAIMABLE).get({ now, handlers, limit: 1 })) !== undefined;
}

/** The write of `claimJobs`, once `hasClaimableJobs` has said there may be something to claim. */
export function claimJobs(db: SqliteConnection, options: ClaimOptions): Promise<ClaimedJob[]> {
  const now = ms(options.now);
  const expires = now + Math.max(1, Math.floor(options.leaseMs));
  const limit = Math.floor(options.limit);
  const handlers = options.handlers === undefined ? null : JSON.stringify(options.handlers);
  return db.write((context) => {
    const picked = db.stmt(SELECT_CLAIMABLE).all({ now, handlers, limit }) as Array<{ id: string }>;
    const lease = db.stmt(
      "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = ?, lease_expires_at = ?, updated_at = ? WHERE id = ? RETURNING attempts",
    );
    const expireOpen = db.stmt(
      // an attempt whose handler was running is `interrupted` (its receiver stopped, crashed or lost the
      // store meanwhile); one claimed ahead and never started only `expired`
      "UPDATE job_attempts SET outcome = CASE WHEN outcome = 'running' THEN 'interrupted' ELSE 'expired' END, finished_at = ? WHERE job_id = ? AND outcome IN ('claimed', 'running')",
    );
    const logAttempt = db.stmt(
      "INSERT INTO job_attempts (job_id, attempt, worker_id, started_at, outcome) VALUES (?, ?, ?, ?, 'claimed')",
    );
    const load = db.stmt(
      `SELECT ${CLAIMED_JOB_COLUMNS} FROM jobs j JOIN events e ON e.id = j.event_id WHERE j.id = ?`,
    );
    const claimed = picked.map(({ id }) => {
      const { attempts } = lease.get(options.workerId, expires, now, id) as { attempts: number };
      expireOpen.run(now, id);
      logAttempt.run(id, attempts, options.workerId, now);
      return toClaimedJob(load.get(id) as Row, codec);
    });
    db.notify(context, claimedJobChanges(claimed));
    return claimed;
  });
}

export function completeJob(
  db: SqliteConnection,
  jobId: string,
  options: CompleteJobOptions,
): Promise<JobTransition> {
  const now = ms(options.now);
  return db.write((context) => {
    const job = jobState(db, jobId);
    // This attempt still holds the job, or nobody does (a retry is waiting): the success decides it. Not
    // while another attempt holds it, not once finished, not after a replay.
    const applies =
      options.attempt >= job.min_attempt &&
      ((job.status === 'running' && options.attempt === job.attempts) ||
        (job.status === 'pending' && options.attempt <= job.attempts));
    const report = options.statusCode === undefined ? 'success' : `success (HTTP ${options.statusCode})`;
    logReport(db, jobId, options.attempt, job, applies, {
      outcome: 'succeeded',
      now,
      statusCode: options.statusCode ?? null,
      error: null,
      errorSummary: null,
      report,
    });
    if (!applies) return { applied: false, status: job.status };
    db.stmt(
      "UPDATE jobs SET status = 'succeeded', finished_at = ?, updated_at = ?, lease_owner = NULL, lease_expires_at = NULL, last_status_code = ?, last_error = NULL, last_error_summary = NULL WHERE id = ?",
    ).run(now, now, options.statusCode ?? null, jobId);
    afterJobChange(db, context, job, 'succeeded');
    return { applied: true, status: 'succeeded' };
  });
}

export function failJob(
  db: SqliteConnection,
  jobId: string,
  options: FailJobOptions,
): Promise<JobTransition> {
  const now = ms(options.now);
  const { dead, runAt } = failureOutcome(options, new Date(now));
  return db.write((context) => {
    const job = jobState(db, jobId);
    const applies = job.status === 'running' && job.attempts === options.attempt;
    logReport(db, jobId, options.attempt, job, applies, {
      outcome: dead ? 'dead' : 'failed',
      now,
      statusCode: options.statusCode ?? null,
      error: options.error,
      errorSummary: options.errorSummary ?? null,
      report: `${dead ? 'a dead letter' : 'a failure'}: ${options.error}`,
    });
    if (!applies) return { applied: false, status: job.status };
    const status: JobStatus = dead ? 'dead' : 'pending';
    db.stmt(
      `UPDATE jobs SET status = ?, run_at = ?, finished_at = ?, failures = failures + ?, last_error = ?, last_error_summary = ?, last_status_code = ?,
           lease_owner = NULL, lease_expires_at = NULL, updated_at = ? WHERE id = ?`,
    ).run(
      status,
      runAt.getTime(),
      dead ? now : null,
      options.countsAsFailure === false ? 0 : 1,
      options.error,
      options.errorSummary ?? null,
      options.statusCode ?? null,
      now,
      jobId,
    );
    afterJobChange(db, context, job, status, options.cause);
    return { applied: true, status };
  });
}

/**
 * Records what an attempt reported in its log row. An applied report (or one from an attempt that was
 * not taken over, e.g. replayed meanwhile) gets its outcome; an attempt whose job another attempt took
 * over is `expired`, its report kept in the error (see supersededNote) — also one recorded `interrupted`:
 * its handler had not stopped with its receiver after all, it only lost its lease.
 */
function logReport(
  db: SqliteConnection,
  jobId: string,
  attempt: number,
  job: JobStateRow,
  applied: boolean,
  report: {
    outcome: string;
    now: number;
    statusCode: number | null;
    error: string | null;
    errorSummary: string | null;
    report: string;
  },
): void {
  // A report after the event's personal data was erased keeps none of its text (erasedEventNote).
  const erased =
    !applied &&
    (
      db.stmt('SELECT erased_at FROM events WHERE id = ?').get(job.event_id) as
        | { erased_at: number | null }
        | undefined
    )?.erased_at != null;
  const note = erased ? erasedEventNote(report.outcome) : supersededNote(job.attempts, report.report);
  db.stmt(
    `UPDATE job_attempts SET
       outcome = CASE WHEN @applied = 0 AND outcome IN ('expired', 'interrupted') THEN 'expired' ELSE @outcome END,
       error = CASE WHEN @applied = 0 AND outcome IN ('expired', 'interrupted') THEN @note ELSE @error END,
       error_summary = CASE WHEN @applied = 0 AND outcome IN ('expired', 'interrupted') THEN NULL ELSE @errorSummary END,
       finished_at = @now, status_code = @statusCode
     WHERE job_id = @jobId AND attempt = @attempt AND outcome IN ('claimed', 'running', 'expired', 'interrupted')`,
  ).run({
    applied: applied ? 1 : 0,
    outcome: report.outcome,
    note,
    error: erased ? note : report.error,
    errorSummary: report.errorSummary,
    now: report.now,
    statusCode: report.statusCode,
    jobId,
    attempt,
  });
}

export function releaseJob(
  db: SqliteConnection,
  jobId: string,
  options: ReleaseJobOptions,
): Promise<JobTransition> {
  const now = ms(options.now);
  return db.write((context) => {
    const job = jobState(db, jobId);
    db.stmt(
      "UPDATE job_attempts SET outcome = ?, finished_at = ?, error = ? WHERE job_id = ? AND attempt = ? AND outcome IN ('claimed', 'running')",
    ).run(options.outcome ?? 'released', now, options.reason, jobId, options.attempt);
    if (job.status !== 'running' || job.attempts !== options.attempt)
      return { applied: false, status: job.status };
    db.stmt(
      "UPDATE jobs SET status = 'pending', run_at = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ? WHERE id = ?",
    ).run(now, now, jobId);
    afterJobChange(db, context, job, 'pending');
    return { applied: true, status: 'pending' };
  });
}

export function extendLease(
  db: SqliteConnection,
  jobId: string,
  options: { attempt: number; leaseMs: number; now?: Date },
): Promise<JobTransition> {
  const now = ms(options.now);
  return db.write(() => {
    const job = jobState(db, jobId);
    if (job.status !== 'running' || job.attempts !== options.attempt)
      return { applied: false, status: job.status };
    db.stmt('UPDATE jobs SET lease_expires_at = ?, updated_at = ? WHERE id = ?').run(
      now + Math.max(1, Math.floor(options.leaseMs)),
      now,
      jobId,
    );
    return { applied: true, status: 'running' };
  });
}

/** Marks claimed attempts as started (`claimed` → `running`, `started_at` = now); one write for all. */
export function markStarted(
  db: SqliteConnection,
  leases: readonly LeaseRef[],
  options: { now?: Date },
): Promise<void> {
  const now = ms(options.now);
  return db.write(() => {
    const start = db.stmt(
      "UPDATE job_attempts SET outcome = 'running', started_at = ? WHERE job_id = ? AND attempt = ? AND outcome = 'claimed'",
    );
    for (const lease of leases) start.run(now, lease.jobId, lease.attempt);
  });
}

/** Renews every lease that still holds (running under that attempt); one write for all. */
export function extendLeases(
  db: SqliteConnection,
  leases: readonly LeaseRef[],
  options: { leaseMs: number; now?: Date },
): Promise<LeaseRenewal> {
  const now = ms(options.now);
  const expires = now + Math.max(1, Math.floor(options.leaseMs));
  return db.write(() => {
    const renew = db.stmt(
      "UPDATE jobs SET lease_expires_at = ?, updated_at = ? WHERE id = ? AND status = 'running' AND attempts = ?",
    );
    const result: LeaseRenewal = { renewed: [], lost: [], busy: [] };
    for (const lease of leases) {
      const changed = renew.run(expires, now, lease.jobId, lease.attempt).changes;
      (changed === 1 ? result.renewed : result.lost).push(lease.jobId);
    }
    return result;
  });
}

export function replayEvent(
  db: SqliteConnection,
  eventId: string,
  options: { handler?: string; now?: Date },
): Promise<ReplayResult> {
  const now = ms(options.now);
  return db.write((context) => {
    const event = db.stmt('SELECT id, duplicate_of, erased_at FROM events WHERE id = ?').get(eventId) as
      | { duplicate_of: string | null; erased_at: number | null }
      | undefined;
    if (event === undefined) throw new StoreNotFoundError('event', eventId);
    if (event.erased_at !== null) throw erasedEventReplay(eventId);
    if (event.duplicate_of !== null) {
      throw new StoreConflictError(
        `Event ${eventId} is a duplicate of ${event.duplicate_of} and has no jobs; replay ${event.duplicate_of} instead.`,
      );
    }
    db.stmt('UPDATE events SET held = 0 WHERE id = ?').run(eventId);
    let jobIds: string[];
    if (options.handler === undefined) {
      jobIds = (
        db.stmt('SELECT id FROM jobs WHERE event_id = ? ORDER BY id').all(eventId) as Array<{
          id: string;
        }>
      ).map((row) => row.id);
    } else {
      const existing = db
        .stmt('SELECT id FROM jobs WHERE event_id = ? AND handler = ?')
        .get(eventId, options.handler) as { id: string } | undefined;
      if (existing === undefined) {
        const id = newId('job', now);
        db.stmt(INSERT_PENDING_JOB).run(id, eventId, options.handler, now, now, now);
        jobIds = [id];
      } else {
        jobIds = [existing.id];
      }
    }
    const jobs = resetJobs(db, jobIds, now);
    notifyJobs(db, context, jobs);
    notifyEvent(db, context, eventId);
    return { jobs };
  });
}

export function replayDeadLetters(
  db: SqliteConnection,
  filter: DeadLetterFilter & { now?: Date },
): Promise<DeadLetterReplayResult> {
  const now = ms(filter.now);
  return db.write((context) => {
    const query = deadLetterQuery('j.id, j.event_id, j.finished_at', filter, dialect);
    const rows = db.stmt(query.sql).all(...query.values) as Array<{
      id: string;
      event_id: string;
      finished_at: number;
    }>;
    const last = rows.at(-1);
    const cursor =
      last === undefined ? null : deadLetterCursor({ id: last.id, finishedAt: codec.date(last.finished_at) });
    const jobs = resetJobs(
      db,
      rows.map((row) => row.id),
      now,
    );
    notifyJobs(db, context, jobs);
    for (const eventId of new Set(rows.map((row) => row.event_id))) notifyEvent(db, context, eventId);
    return { jobs, cursor };
  });
}

/** Refreshes an event's status (inside a write) and notifies it after commit. */
export function notifyEvent(db: SqliteConnection, context: WriteContext, eventId: string): void {
  const status = refreshEventStatus(db, eventId);
  db.notify(context, [{ kind: 'event', eventId, status }]);
}

function jobState(db: SqliteConnection, jobId: string): JobStateRow {
  const job = db
    .stmt('SELECT id, event_id, handler, status, attempts, min_attempt FROM jobs WHERE id = ?')
    .get(jobId) as JobStateRow | undefined;
  if (job === undefined) throw new StoreNotFoundError('job', jobId);
  return job;
}

function resetJobs(db: SqliteConnection, jobIds: readonly string[], now: number): JobRecord[] {
  const reset = db.stmt(RESET_JOB);
  const load = db.stmt(`SELECT ${JOB_COLUMNS} FROM jobs j WHERE j.id = ?`);
  const refreshed = new Set<string>();
  return jobIds.map((id) => {
    reset.run({ id, now });
    const job = toJobRecord(load.get(id) as Row, codec);
    if (!refreshed.has(job.eventId)) {
      refreshEventStatus(db, job.eventId);
      refreshed.add(job.eventId);
    }
    return job;
  });
}

function refreshEventStatus(db: SqliteConnection, eventId: string): EventStatus {
  const row = db.stmt(refreshEventStatusSql('?')).get(eventId) as { status: EventStatus } | undefined;
  if (row === undefined) throw new StoreNotFoundError('event', eventId);
  return row.status;
}

function afterJobChange(
  db: SqliteConnection,
  context: WriteContext,
  job: JobStateRow,
  status: JobStatus,
  cause?: JobChangeCause,
): void {
  const eventStatus = refreshEventStatus(db, job.event_id);
  db.notify(context, [
    {
      kind: 'job',
      jobId: job.id,
      eventId: job.event_id,
      handler: job.handler,
      status,
      ...(cause === undefined ? {} : { cause }),
    },
    { kind: 'event', eventId: job.event_id, status: eventStatus },
  ]);
}

function notifyJobs(db: SqliteConnection, context: WriteContext, jobs: readonly JobRecord[]): void {
  db.notify(
    context,
    jobs.map((job) => ({
      kind: 'job',
      jobId: job.id,
      eventId: job.eventId,
      handler: job.handler,
      status: job.status,
    })),
  );
}

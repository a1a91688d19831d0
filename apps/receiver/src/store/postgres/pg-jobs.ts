/**
 * Job operations on PostgreSQL: claiming due jobs under a lease, completing, failing and releasing
 * them, extending a lease, and the outcome group commit (outcomes of jobs finishing close together
 * share one transaction, each in its own savepoint). Also the job-status and event-status helpers the
 * admin replays reuse inside their own transactions.
 *
 * Lease times (when a lease ends, whether it has ended) and due times (when a pending job may be
 * claimed) are taken from the database server's clock by default (JobClock 'server', pg-connection.ts):
 * several receivers share the jobs, and their host clocks may differ; one clock decides for all of them.
 * A lease runs for leaseMs from the start of the statement that granted or renewed it
 * (`statement_timestamp()`, when the server received it); a claim takes the pending jobs due by then; a
 * retry is due as long after the statement that scheduled it as the caller's `retryAt` lies after its
 * `now` (the backoff); a released job is due at once. The caller's `now` still stamps what the calls
 * record (attempt start, finished_at, updated_at).
 */
import { claimedJobChanges } from '../change-feed.js';
import { refreshEventStatusSql } from '../event-status-sql.js';
import { erasedEventNote, failureOutcome, supersededNote } from '../job-failure.js';
import { CLAIMED_JOB_COLUMNS, type Row, toClaimedJob } from '../row-mapping.js';
import type {
  ClaimedJob,
  ClaimOptions,
  CompleteJobOptions,
  EventStatus,
  FailJobOptions,
  JobChangeCause,
  JobStatus,
  JobTransition,
  LeaseRef,
  LeaseRenewal,
  ReleaseJobOptions,
  StoreChange,
} from '../store.js';
import { StoreNotFoundError } from '../store-errors.js';
import { AdaptiveBatcher, type ItemOutcome } from './adaptive-batcher.js';
import {
  at,
  cleanTextRunner,
  codec,
  type JobClock,
  jobClockNow,
  jobClockPlus,
  type PgConnection,
  releaseClient,
  type SqlRunner,
  type WriteContext,
} from './pg-connection.js';
import { isPgUnavailable, mapPgError } from './pg-errors.js';

/**
 * Outcome transactions at a time. One: batches then never lock the same events in different orders
 * (two batches each finishing jobs of events A and B could otherwise deadlock); while one commits, the
 * next outcomes queue and share the following transaction.
 */
const OUTCOME_CONCURRENCY = 1;

/** One job's outcome write (completeJob, failJob), run inside the transaction of its batch. */
type OutcomeWrite = (context: WriteContext) => Promise<JobTransition>;

const CLAIM_SQL = `WITH picked AS (
    SELECT j.id FROM jobs j JOIN events e ON e.id = j.event_id
    WHERE ((j.status = 'pending' AND j.run_at <= ${jobClockNow('$6')}) OR (j.status = 'running' AND j.lease_expires_at <= ${jobClockNow('$6')}))
      AND NOT e.held
      AND ($2::text[] IS NULL OR j.handler = ANY ($2::text[]))
      AND NOT EXISTS (SELECT 1 FROM handler_states h WHERE h.handler = j.handler AND h.disabled)
    ORDER BY j.run_at, j.id
    LIMIT $3
    FOR UPDATE OF j SKIP LOCKED
  ), leased AS (
    UPDATE jobs SET status = 'running', attempts = jobs.attempts + 1, lease_owner = $4, lease_expires_at = ${jobClockPlus('$6', '$5')}, updated_at = $1
    FROM picked WHERE jobs.id = picked.id
    RETURNING jobs.*
  ), expired AS (
    UPDATE job_attempts a SET outcome = CASE WHEN a.outcome = 'running' THEN 'interrupted' ELSE 'expired' END, finished_at = $1
    FROM leased l WHERE a.job_id = l.id AND a.outcome IN ('claimed', 'running')
  ), logged AS (
    INSERT INTO job_attempts (job_id, attempt, worker_id, started_at, outcome)
    SELECT l.id, l.attempts, $4, $1, 'claimed' FROM leased l
  )
  SELECT ${CLAIMED_JOB_COLUMNS} FROM leased j JOIN events e ON e.id = j.event_id ORDER BY j.run_at, j.id`;

/**
 * Lease renewal for many jobs at once: `held` (snapshot) tells a lost lease from a busy row; the update
 * locks only rows still running under the given attempt (re-checked on the newest row version), skipping
 * rows locked by another transaction.
 */
const EXTEND_LEASES_SQL = `WITH wanted AS (
    SELECT w.id, w.attempt, w.ord FROM unnest($1::text[], $2::int[]) WITH ORDINALITY AS w (id, attempt, ord)
  ), held AS (
    SELECT j.id FROM jobs j JOIN wanted w ON w.id = j.id WHERE j.status = 'running' AND j.attempts = w.attempt
  ), locked AS (
    SELECT j.id FROM jobs j JOIN wanted w ON w.id = j.id WHERE j.status = 'running' AND j.attempts = w.attempt
    FOR UPDATE OF j SKIP LOCKED
  ), renewed AS (
    UPDATE jobs SET lease_expires_at = ${jobClockPlus('$5', '$3')}, updated_at = $4 FROM locked WHERE jobs.id = locked.id RETURNING jobs.id
  )
  SELECT w.id, CASE WHEN r.id IS NOT NULL THEN 'renewed' WHEN h.id IS NOT NULL THEN 'busy' ELSE 'lost' END AS state
  FROM wanted w LEFT JOIN renewed r ON r.id = w.id LEFT JOIN held h ON h.id = w.id ORDER BY w.ord`;

/**
 * Records what an attempt reported in its log row. An applied report (or one from an attempt that was
 * not taken over, e.g. replayed meanwhile) gets its outcome; an attempt whose job another attempt took
 * over is `expired`, its report kept in the error (see supersededNote) — also one recorded `interrupted`:
 * its handler had not stopped with its receiver after all, it only lost its lease.
 */
async function logReport(
  client: SqlRunner,
  jobId: string,
  attempt: number,
  applied: boolean,
  report: {
    outcome: string;
    now: Date;
    statusCode: number | null;
    error: string | null;
    errorSummary: string | null;
    report: string;
  },
): Promise<void> {
  if (applied) {
    await client.query(
      `UPDATE job_attempts SET outcome = $3, finished_at = $4, status_code = $5, error = $6, error_summary = $7
       WHERE job_id = $1 AND attempt = $2 AND outcome IN ('claimed', 'running', 'expired', 'interrupted')`,
      [jobId, attempt, report.outcome, report.now, report.statusCode, report.error, report.errorSummary],
    );
    return;
  }
  const current = (
    await client.query(
      'SELECT j.attempts, e.erased_at FROM jobs j JOIN events e ON e.id = j.event_id WHERE j.id = $1',
      [jobId],
    )
  ).rows[0] as { attempts: number; erased_at: Date | null } | undefined;
  // A report after the event's personal data was erased keeps none of its text (erasedEventNote).
  const erased = current !== undefined && current.erased_at !== null;
  const note = erased
    ? erasedEventNote(report.outcome)
    : supersededNote(current?.attempts ?? attempt, report.report);
  await client.query(
    `UPDATE job_attempts SET
       outcome = CASE WHEN outcome IN ('expired', 'interrupted') THEN 'expired' ELSE $3 END,
       error = CASE WHEN outcome IN ('expired', 'interrupted') THEN $7 ELSE $6 END,
       error_summary = CASE WHEN outcome IN ('expired', 'interrupted') THEN NULL ELSE $8 END,
       finished_at = $4, status_code = $5
     WHERE job_id = $1 AND attempt = $2 AND outcome IN ('claimed', 'running', 'expired', 'interrupted')`,
    [
      jobId,
      attempt,
      report.outcome,
      report.now,
      report.statusCode,
      erased ? note : report.error,
      note,
      report.errorSummary,
    ],
  );
}

/** A lease's length in whole milliseconds, at least 1. */
function leaseLength(leaseMs: number): number {
  return Math.max(1, Math.floor(leaseMs));
}

/** The status of a job, read inside the caller's transaction (or on the pool). */
export async function jobStatus(client: SqlRunner, jobId: string): Promise<JobStatus> {
  const row = (await client.query('SELECT status FROM jobs WHERE id = $1', [jobId])).rows[0] as
    | { status: JobStatus }
    | undefined;
  if (row === undefined) throw new StoreNotFoundError('job', jobId);
  return row.status;
}

export async function refreshEventStatus(
  client: SqlRunner,
  changes: StoreChange[],
  eventId: string,
): Promise<EventStatus> {
  // The event row is locked in a statement of its own first. Under READ COMMITTED a statement reads
  // with the snapshot it started with, also after waiting for a row lock: a refresh that waited for
  // another outcome of this event (another receiver, another batch) in its own UPDATE would count that
  // outcome's job as still running, and the event would stay `pending` with every job done. Locked
  // first, the refresh starts after every earlier outcome of the event has committed.
  await client.query('SELECT 1 FROM events WHERE id = $1 FOR UPDATE', [eventId]);
  const row = (await client.query(refreshEventStatusSql('$1'), [eventId])).rows[0] as
    | { status: EventStatus }
    | undefined;
  if (row === undefined) throw new StoreNotFoundError('event', eventId);
  changes.push({ kind: 'event', eventId, status: row.status });
  return row.status;
}

async function transitionResult(
  client: SqlRunner,
  changes: StoreChange[],
  jobId: string,
  updated: Row | undefined,
  status: JobStatus,
  cause?: JobChangeCause,
): Promise<JobTransition> {
  if (updated === undefined) return { applied: false, status: await jobStatus(client, jobId) };
  const eventId = String(updated.event_id);
  changes.push({
    kind: 'job',
    jobId,
    eventId,
    handler: String(updated.handler),
    status,
    ...(cause === undefined ? {} : { cause }),
  });
  await refreshEventStatus(client, changes, eventId);
  return { applied: true, status };
}

export type { JobClock };

/** Claims and job outcomes for one PgStore. */
export class PgJobs {
  readonly #conn: PgConnection;
  /** Group commit of job outcomes: those of jobs finishing close together share one transaction. */
  readonly #outcomeBatcher: AdaptiveBatcher<OutcomeWrite, JobTransition>;

  constructor(conn: PgConnection, options: { maxBatch?: number }) {
    this.#conn = conn;
    this.#outcomeBatcher = new AdaptiveBatcher<OutcomeWrite, JobTransition>(
      (writes) => this.#sendOutcomeBatch(writes),
      { maxInFlight: OUTCOME_CONCURRENCY, maxBatch: options.maxBatch ?? 256, maxRetries: 0 },
    );
  }

  async claimJobs(options: ClaimOptions): Promise<ClaimedJob[]> {
    const now = at(options.now);
    const leaseMs = leaseLength(options.leaseMs);
    const limit = Math.max(0, Math.floor(options.limit));
    if (limit === 0 || options.handlers?.length === 0) return [];
    return this.#conn.run(async () => {
      const started = performance.now();
      const result = await this.#conn.db.query({
        name: 'srhooks_claim',
        text: CLAIM_SQL,
        values: [now, options.handlers ?? null, limit, options.workerId, leaseMs, this.#conn.callerTime(now)],
      });
      this.#conn.committed(1, performance.now() - started);
      const claimed = result.rows.map((row: Row) => toClaimedJob(row, codec));
      this.#conn.emit(claimedJobChanges(claimed));
      return claimed;
    });
  }

  async completeJob(jobId: string, options: CompleteJobOptions): Promise<JobTransition> {
    const now = at(options.now);
    const statusCode = options.statusCode ?? null;
    return this.#outcome(async ({ client, changes }) => {
      // This attempt still holds the job, or nobody does (a retry is waiting): the success decides it. Not
      // while another attempt holds it, not once finished, not after a replay.
      const updated = await client.query(
        `UPDATE jobs SET status = 'succeeded', finished_at = $3, updated_at = $3, lease_owner = NULL, lease_expires_at = NULL,
           last_status_code = $4, last_error = NULL, last_error_summary = NULL
         WHERE id = $1 AND $2 >= min_attempt
           AND ((status = 'running' AND attempts = $2) OR (status = 'pending' AND $2 <= attempts))
         RETURNING event_id, handler`,
        [jobId, options.attempt, now, statusCode],
      );
      const row = updated.rows[0] as Row | undefined;
      await logReport(client, jobId, options.attempt, row !== undefined, {
        outcome: 'succeeded',
        now,
        statusCode,
        error: null,
        errorSummary: null,
        report: statusCode === null ? 'success' : `success (HTTP ${statusCode})`,
      });
      return transitionResult(client, changes, jobId, row, 'succeeded');
    });
  }

  async failJob(jobId: string, options: FailJobOptions): Promise<JobTransition> {
    const now = at(options.now);
    const { dead, runAt } = failureOutcome(options, now);
    const status: JobStatus = dead ? 'dead' : 'pending';
    return this.#outcome(async ({ client, changes }) => {
      const updated = await client.query(
        `UPDATE jobs SET status = $3, run_at = ${jobClockPlus('$10', '$4')}, finished_at = $5, failures = failures + $9,
           last_error = $6, last_error_summary = $11, last_status_code = $7, lease_owner = NULL, lease_expires_at = NULL,
           updated_at = $8
         WHERE id = $1 AND status = 'running' AND attempts = $2
         RETURNING event_id, handler`,
        [
          jobId,
          options.attempt,
          status,
          // The backoff, from the caller's `now` to its `retryAt`: added to the job clock's time.
          runAt.getTime() - now.getTime(),
          dead ? now : null,
          options.error,
          options.statusCode ?? null,
          now,
          options.countsAsFailure === false ? 0 : 1,
          this.#conn.callerTime(now),
          options.errorSummary ?? null,
        ],
      );
      const row = updated.rows[0] as Row | undefined;
      await logReport(client, jobId, options.attempt, row !== undefined, {
        outcome: dead ? 'dead' : 'failed',
        now,
        statusCode: options.statusCode ?? null,
        error: options.error,
        errorSummary: options.errorSummary ?? null,
        report: `${dead ? 'a dead letter' : 'a failure'}: ${options.error}`,
      });
      return transitionResult(client, changes, jobId, row, status, options.cause);
    });
  }

  async releaseJob(jobId: string, options: ReleaseJobOptions): Promise<JobTransition> {
    const now = at(options.now);
    return this.#conn.transaction(async ({ client, changes }) => {
      await client.query(
        `UPDATE job_attempts SET outcome = $5, finished_at = $3, error = $4
         WHERE job_id = $1 AND attempt = $2 AND outcome IN ('claimed', 'running')`,
        [jobId, options.attempt, now, options.reason, options.outcome ?? 'released'],
      );
      const updated = await client.query(
        `UPDATE jobs SET status = 'pending', run_at = ${jobClockNow('$4')}, lease_owner = NULL, lease_expires_at = NULL,
           updated_at = $3
         WHERE id = $1 AND status = 'running' AND attempts = $2
         RETURNING event_id, handler`,
        [jobId, options.attempt, now, this.#conn.callerTime(now)],
      );
      return transitionResult(client, changes, jobId, updated.rows[0] as Row | undefined, 'pending');
    });
  }

  async extendLease(
    jobId: string,
    options: { attempt: number; leaseMs: number; now?: Date },
  ): Promise<JobTransition> {
    const now = at(options.now);
    return this.#conn.run(async () => {
      const started = performance.now();
      const updated = await this.#conn.db.query(
        `UPDATE jobs SET lease_expires_at = ${jobClockPlus('$5', '$3')}, updated_at = $4
         WHERE id = $1 AND status = 'running' AND attempts = $2
         RETURNING id`,
        [jobId, options.attempt, leaseLength(options.leaseMs), now, this.#conn.callerTime(now)],
      );
      if (updated.rowCount === 1) {
        this.#conn.committed(1, performance.now() - started);
        return { applied: true, status: 'running' as const };
      }
      return { applied: false, status: await jobStatus(this.#conn.db, jobId) };
    });
  }

  /** Marks claimed attempts as started (`claimed` → `running`, `started_at` = now), in one statement. */
  async markStarted(leases: readonly LeaseRef[], options: { now?: Date }): Promise<void> {
    if (leases.length === 0) return;
    const now = at(options.now);
    await this.#conn.run(async () => {
      await this.#conn.db.query({
        name: 'srhooks_mark_started',
        text: `UPDATE job_attempts a SET outcome = 'running', started_at = $3
          FROM unnest($1::text[], $2::int[]) AS w (id, attempt)
          WHERE a.job_id = w.id AND a.attempt = w.attempt AND a.outcome = 'claimed'`,
        values: [leases.map((lease) => lease.jobId), leases.map((lease) => lease.attempt), now],
      });
    });
  }

  /**
   * Renews every lease that still holds, in one statement. Rows another transaction has locked right now
   * (an outcome being committed, a claim of an expired lease in progress) are skipped, not waited for,
   * so one busy row does not hold up the others' renewal: they come back as `busy`.
   */
  async extendLeases(
    leases: readonly LeaseRef[],
    options: { leaseMs: number; now?: Date },
  ): Promise<LeaseRenewal> {
    const result: LeaseRenewal = { renewed: [], lost: [], busy: [] };
    if (leases.length === 0) return result;
    const now = at(options.now);
    return this.#conn.run(async () => {
      const started = performance.now();
      const rows = (
        await this.#conn.db.query({
          name: 'srhooks_extend_leases',
          text: EXTEND_LEASES_SQL,
          values: [
            leases.map((lease) => lease.jobId),
            leases.map((lease) => lease.attempt),
            leaseLength(options.leaseMs),
            now,
            this.#conn.callerTime(now),
          ],
        })
      ).rows as Array<{ id: string; state: 'renewed' | 'lost' | 'busy' }>;
      if (rows.some((row) => row.state === 'renewed')) this.#conn.committed(1, performance.now() - started);
      for (const row of rows) result[row.state].push(row.id);
      return result;
    });
  }

  /** A job outcome: queued for the next outcome transaction, settled after its COMMIT. */
  #outcome(write: OutcomeWrite): Promise<JobTransition> {
    return this.#conn.run(() => this.#outcomeBatcher.submit(write));
  }

  /**
   * One transaction for a batch of job outcomes (group commit: one WAL flush for all). Each write runs in
   * a savepoint, so one that fails (an unknown job) is rolled back and rejected alone; the others commit.
   * Changes are announced, and every outcome settled, only after COMMIT; if the transaction fails as a
   * whole (connection lost, COMMIT failed), every write of the batch is rejected and nothing is stored.
   */
  async #sendOutcomeBatch(writes: OutcomeWrite[]): Promise<Array<ItemOutcome<JobTransition>>> {
    const client = await this.#conn.connect();
    let broken = false;
    try {
      const started = performance.now();
      await client.query('BEGIN');
      const runner = cleanTextRunner(client);
      const changes: StoreChange[] = [];
      const outcomes: Array<ItemOutcome<JobTransition>> = [];
      try {
        for (const write of writes) {
          const writeChanges: StoreChange[] = [];
          if (writes.length === 1) {
            outcomes.push({ ok: true, value: await write({ client: runner, changes: writeChanges }) });
            changes.push(...writeChanges);
            continue;
          }
          await client.query('SAVEPOINT job_outcome');
          try {
            const value = await write({ client: runner, changes: writeChanges });
            await client.query('RELEASE SAVEPOINT job_outcome');
            outcomes.push({ ok: true, value });
            changes.push(...writeChanges);
          } catch (error) {
            if (isPgUnavailable(error)) throw error;
            await client.query('ROLLBACK TO SAVEPOINT job_outcome');
            await client.query('RELEASE SAVEPOINT job_outcome');
            outcomes.push({ ok: false, error: mapPgError(error), retry: false });
          }
        }
        await client.query('COMMIT');
      } catch (error) {
        broken = isPgUnavailable(error);
        if (!broken) await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
      this.#conn.committed(writes.length, performance.now() - started);
      this.#conn.emit(changes);
      return outcomes;
    } catch (error) {
      broken ||= isPgUnavailable(error);
      throw error;
    } finally {
      releaseClient(client, broken);
    }
  }
}

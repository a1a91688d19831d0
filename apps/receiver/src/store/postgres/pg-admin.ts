/**
 * Administrative writes of the PostgreSQL store: replaying an event or dead letters (jobs reset to
 * pending), an event's verification result, enabling and disabling handlers, admin session
 * revocations, and retention (prune, chunk by chunk, one run at a time under a schema-wide advisory lock). Functions of
 * the internal PgConnection, delegated to by PgStore.
 */
import { refreshEventStatusSql } from '../event-status-sql.js';
import { deadLetterCursor, deadLetterQuery } from '../list-query.js';
import { pruneBindingChunk } from '../payment-binding-prune.js';
import { pruneChunk, pruneInChunks, runPlan } from '../prune-plan.js';
import { JOB_COLUMNS, type Row, toJobRecord } from '../row-mapping.js';
import { newId } from '../sortable-id.js';
import type {
  DeadLetterFilter,
  DeadLetterReplayResult,
  HandlerDisabledBy,
  JobRecord,
  PruneCounts,
  PruneOptions,
  ReplayResult,
  StoreChange,
  VerificationUpdate,
} from '../store.js';
import {
  erasedEventReplay,
  PruneInProgressError,
  StoreConflictError,
  StoreNotFoundError,
} from '../store-errors.js';
import { guardLockSession, LOCK_IDLE_TIMEOUT_MS, type LockSessionGuard } from './lock-session-guard.js';
import {
  at,
  codec,
  dialect,
  jobClockNow,
  type PgConnection,
  releaseClient,
  type SqlRunner,
} from './pg-connection.js';
import { isPgUnavailable, mapPgError } from './pg-errors.js';
import { refreshEventStatus } from './pg-jobs.js';
import { destroySocket, LOCK_RELEASE_WAIT_MS, settledWithin } from './pg-shop-locks.js';

/** Replayed jobs are due at once on the job clock (pg-connection.ts; `$3`: the caller's time or null). */
const RESET_JOBS_SQL = `UPDATE jobs j SET status = 'pending', run_at = ${jobClockNow('$3')}, failures = 0,
    min_attempt = attempts + 1, lease_owner = NULL, lease_expires_at = NULL, finished_at = NULL, updated_at = $2
  WHERE j.id = ANY ($1::text[])
  RETURNING ${JOB_COLUMNS}`;

async function resetJobs(
  conn: PgConnection,
  client: SqlRunner,
  jobIds: readonly string[],
  now: Date,
): Promise<JobRecord[]> {
  if (jobIds.length === 0) return [];
  const rows = (await client.query(RESET_JOBS_SQL, [jobIds, now, conn.callerTime(now)])).rows as Row[];
  const jobs = rows.map((row) => toJobRecord(row, codec)).sort((a, b) => (a.id < b.id ? -1 : 1));
  for (const eventId of new Set(jobs.map((job) => job.eventId))) {
    await client.query(refreshEventStatusSql('$1'), [eventId]);
  }
  return jobs;
}

/** The change-feed entries announcing the jobs a replay reset. */
function jobChanges(jobs: readonly JobRecord[]): StoreChange[] {
  return jobs.map((job) => ({
    kind: 'job',
    jobId: job.id,
    eventId: job.eventId,
    handler: job.handler,
    status: job.status,
  }));
}

/** SQLSTATE of a `NOWAIT` lock that another transaction holds. */
const LOCK_NOT_AVAILABLE = '55P03';

/** Pauses between a replay's tries to take its locks (ms); about 2 s in all, within the store timeout. */
const REPLAY_LOCK_PAUSES_MS = [5, 10, 20, 40, 80, 120, 160, 200, 250, 300, 350, 400];

function isLockNotAvailable(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === LOCK_NOT_AVAILABLE;
}

/**
 * Replays (and releases) an event's jobs. A job outcome (pg-jobs.ts) locks the job's row and then its
 * event's; the replay needs both too. It takes them without waiting (`NOWAIT`), the jobs first, and when
 * one is held it rolls back and tries again after a short pause: a replay never waits while holding a
 * lock, so it cannot deadlock with a worker settling one of the event's jobs, nor with another replay.
 */
export async function replayEvent(
  conn: PgConnection,
  eventId: string,
  options: { handler?: string; now?: Date } = {},
): Promise<ReplayResult> {
  for (const pause of REPLAY_LOCK_PAUSES_MS) {
    try {
      return await replayEventOnce(conn, eventId, options);
    } catch (error) {
      if (!isLockNotAvailable(error)) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
  try {
    return await replayEventOnce(conn, eventId, options);
  } catch (error) {
    if (!isLockNotAvailable(error)) throw error;
    throw new StoreConflictError(
      `Event ${eventId}'s jobs are being changed right now (a handler attempt finishing, or another replay); try again in a moment.`,
    );
  }
}

async function replayEventOnce(
  conn: PgConnection,
  eventId: string,
  options: { handler?: string; now?: Date },
): Promise<ReplayResult> {
  const now = at(options.now);
  return conn.transaction(async ({ client, changes }) => {
    await client.query('SELECT id FROM jobs WHERE event_id = $1 ORDER BY id FOR UPDATE NOWAIT', [eventId]);
    const found = await client.query(
      'SELECT duplicate_of, erased_at FROM events WHERE id = $1 FOR UPDATE NOWAIT',
      [eventId],
    );
    const event = found.rows[0] as { duplicate_of: string | null; erased_at: Date | null } | undefined;
    if (event === undefined) throw new StoreNotFoundError('event', eventId);
    if (event.erased_at !== null) throw erasedEventReplay(eventId);
    if (event.duplicate_of !== null) {
      throw new StoreConflictError(
        `Event ${eventId} is a duplicate of ${event.duplicate_of} and has no jobs; replay ${event.duplicate_of} instead.`,
      );
    }
    await client.query('UPDATE events SET held = false WHERE id = $1', [eventId]);
    let jobIds: string[];
    if (options.handler === undefined) {
      jobIds = (
        await client.query('SELECT id FROM jobs WHERE event_id = $1 ORDER BY id', [eventId])
      ).rows.map((row: Row) => String(row.id));
    } else {
      const id = newId('job', now.getTime());
      await client.query(
        `INSERT INTO jobs (id, event_id, handler, status, run_at, created_at, updated_at) VALUES ($1, $2, $3, 'pending', $4, $4, $4)
         ON CONFLICT (event_id, handler) DO NOTHING`,
        [id, eventId, options.handler, now],
      );
      jobIds = (
        await client.query('SELECT id FROM jobs WHERE event_id = $1 AND handler = $2', [
          eventId,
          options.handler,
        ])
      ).rows.map((row: Row) => String(row.id));
    }
    const jobs = await resetJobs(conn, client, jobIds, now);
    changes.push(...jobChanges(jobs));
    await refreshEventStatus(client, changes, eventId);
    return { jobs };
  });
}

export async function replayDeadLetters(
  conn: PgConnection,
  filter: DeadLetterFilter & { now?: Date } = {},
): Promise<DeadLetterReplayResult> {
  const now = at(filter.now);
  return conn.transaction(async ({ client, changes }) => {
    const query = deadLetterQuery('j.id, j.event_id, j.finished_at', filter, dialect);
    const rows = (await client.query(`${query.sql} FOR UPDATE OF j`, query.values)).rows as Array<{
      id: string;
      event_id: string;
      finished_at: unknown;
    }>;
    const last = rows.at(-1);
    const cursor =
      last === undefined ? null : deadLetterCursor({ id: last.id, finishedAt: codec.date(last.finished_at) });
    const jobs = await resetJobs(
      conn,
      client,
      rows.map((row) => row.id),
      now,
    );
    changes.push(...jobChanges(jobs));
    for (const eventId of new Set(rows.map((row) => row.event_id))) {
      await refreshEventStatus(client, changes, eventId);
    }
    return { jobs, cursor };
  });
}

export async function setEventVerification(
  conn: PgConnection,
  eventId: string,
  update: VerificationUpdate,
): Promise<void> {
  const hold = update.hold ?? update.status === 'mismatched';
  await conn.transaction(async ({ client, changes }) => {
    const result = await client.query(
      'UPDATE events SET verification = $2, verification_detail = $3, held = $4 WHERE id = $1',
      [eventId, update.status, update.detail ?? null, hold],
    );
    if (result.rowCount === 0) throw new StoreNotFoundError('event', eventId);
    await refreshEventStatus(client, changes, eventId);
  });
}

/**
 * Disables (`disabledBy` and a reason) or enables (both null) a handler. True when the state changed;
 * false when an operator's disable met a handler already disabled (left as it was, its reason kept). A
 * target's 410 always records itself (a newer reason, or the target's over an operator's).
 */
export async function setHandlerState(
  conn: PgConnection,
  handler: string,
  disabledBy: HandlerDisabledBy | null,
  reason: string | null,
  now: Date,
): Promise<boolean> {
  return conn.run(async () => {
    const started = performance.now();
    const result = await conn.db.query(
      `INSERT INTO handler_states (handler, disabled, reason, changed_at, disabled_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (handler) DO UPDATE SET disabled = excluded.disabled, reason = excluded.reason,
         changed_at = excluded.changed_at, disabled_by = excluded.disabled_by
       WHERE NOT handler_states.disabled OR excluded.disabled_by IS DISTINCT FROM 'operator'`,
      [handler, disabledBy !== null, reason, now, disabledBy],
    );
    conn.committed(1, performance.now() - started);
    return (result.rowCount ?? 0) > 0;
  });
}

export async function revokeAdminSession(
  conn: PgConnection,
  sessionId: string,
  expiresAt: Date,
  options: { now?: Date } = {},
): Promise<void> {
  await conn.run(async () => {
    await conn.db.query(
      `WITH expired AS (DELETE FROM admin_session_revocations WHERE expires_at <= $3)
       INSERT INTO admin_session_revocations (session_id, expires_at) VALUES ($1, $2)
       ON CONFLICT (session_id) DO NOTHING`,
      [sessionId, expiresAt, options.now ?? new Date()],
    );
  });
}

export async function isAdminSessionRevoked(
  conn: PgConnection,
  sessionId: string,
  options: { now?: Date } = {},
): Promise<boolean> {
  return conn.run(async () => {
    const result = await conn.db.query(
      'SELECT 1 FROM admin_session_revocations WHERE session_id = $1 AND expires_at > $2',
      [sessionId, options.now ?? new Date()],
    );
    return result.rows.length > 0;
  });
}

/** The schema-wide lock one instance holds for a whole prune run. */
export function pruneLockName(schema: string | null): string {
  return `srhooks.prune:${schema ?? 'default'}`;
}

/**
 * Chunk by chunk, each in its own transaction. Several instances may run retention (or a prune on demand)
 * on one store at the same moment: a run holds a session advisory lock of the schema on a connection of
 * its own for its whole length, so runs never interleave and each one's counts are its own complete run;
 * a run that finds the lock held deletes nothing and says so (PruneInProgressError) instead of reporting
 * zeros. A dry run deletes nothing and takes no lock. A crashed instance's lock ends with its connection.
 */
export async function prune(
  conn: PgConnection,
  options: PruneOptions,
  lockIdleTimeoutMs: number = LOCK_IDLE_TIMEOUT_MS,
): Promise<PruneCounts> {
  const runChunks = () =>
    pruneInChunks(options, {
      deliveries: (chunk) =>
        conn.transaction(({ client }) =>
          runPlan(
            pruneChunk(dialect, { ...chunk, lockRows: true }),
            async (step) => (await client.query(step.sql, step.values)).rows as Row[],
          ),
        ),
      paymentBindings: (chunk) =>
        conn.transaction(({ client }) =>
          runPlan(
            pruneBindingChunk(dialect, chunk),
            async (step) => (await client.query(step.sql, step.values)).rows as Row[],
          ),
        ),
    });
  if (options.dryRun) return runChunks();
  const name = pruneLockName(conn.schema);
  const client = await conn.run(() => conn.connect());
  let broken = false;
  try {
    const locked = await client.query('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [name]);
    if ((locked.rows[0] as { ok?: boolean } | undefined)?.ok !== true) throw new PruneInProgressError();
    // Cut off from the server, this receiver would keep the lock for hours (lock-session-guard.ts).
    let guard: LockSessionGuard | undefined;
    try {
      guard = await guardLockSession(client, lockIdleTimeoutMs);
      return await runChunks();
    } finally {
      // The connection goes back to the pool: its idle limit is set back (or it is dropped). Bounded as a
      // recovery lock's release (pg-shop-locks.ts): with the server silent, each would wait the query
      // timeout; after LOCK_RELEASE_WAIT_MS the socket is destroyed, which ends the session and its lock.
      const release = (async () => {
        await guard?.stop({ reset: true }).catch(() => {
          broken = true;
        });
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [name]).catch(() => {
          broken = true;
        });
      })();
      if (!(await settledWithin(release, LOCK_RELEASE_WAIT_MS))) {
        broken = true;
        destroySocket(client);
        await release;
      }
    }
  } catch (error) {
    broken ||= isPgUnavailable(error);
    throw mapPgError(error);
  } finally {
    releaseClient(client, broken);
  }
}

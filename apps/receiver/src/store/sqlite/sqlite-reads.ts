/**
 * The SQLite engine's reads for the admin API and metrics: deliveries and events (paged lists and
 * details), dead letters, handler states and job counts. They run directly on the connection (not through
 * group commit), see committed data only, and map rows with the shared row mapping and the engine's codec.
 */

import { UNERASED_LATE_DUPLICATES_SQL } from '../late-duplicates.js';
import { deadLetterCountQuery, deadLetterQuery, deliveryListQuery, eventListQuery } from '../list-query.js';
import {
  ATTEMPT_COLUMNS,
  DELIVERY_SUMMARY_COLUMNS,
  EVENT_HANDLER_STATE_COLUMNS,
  EVENT_RECORD_COLUMNS,
  EVENT_SUMMARY_COLUMNS,
  groupBy,
  JOB_COLUMNS,
  type Row,
  toAttemptRecord,
  toDeliveryBase,
  toEventRecord,
  toEventSummary,
  toJobRecord,
  withHandlerStates,
} from '../row-mapping.js';
import type {
  DeadLetter,
  DeadLetterFilter,
  DeliveryDetail,
  DeliveryFilter,
  DeliverySummary,
  EventDetail,
  EventFilter,
  EventSummary,
  HandlerBacklog,
  HandlerState,
  JobCounts,
  Page,
  ShopBacklog,
  WithHandlerStates,
} from '../store.js';
import { codec, dialect, type SqliteConnection } from './sqlite-connection.js';

/** The events, each with its jobs' states (`handlers`), read in one query. */
function withJobStates<T extends EventSummary>(
  db: SqliteConnection,
  events: readonly T[],
): WithHandlerStates<T>[] {
  const jobs = db
    .stmt(
      `SELECT ${EVENT_HANDLER_STATE_COLUMNS} FROM jobs j WHERE j.event_id IN (SELECT value FROM json_each(?)) ORDER BY j.event_id, j.handler`,
    )
    .all(JSON.stringify(events.map((event) => event.id))) as Row[];
  return withHandlerStates(events, jobs);
}

export function listDeliveries(db: SqliteConnection, filter: DeliveryFilter): Page<DeliverySummary> {
  return db.read(() => {
    const query = deliveryListQuery(
      `${DELIVERY_SUMMARY_COLUMNS}, length(d.raw_body) AS body_bytes`,
      filter,
      dialect,
    );
    const rows = db.stmt(query.sql).all(...query.values) as Row[];
    const page = rows.slice(0, query.limit);
    const ids = page.map((row) => String(row.id));
    const events = (
      db
        .stmt(
          `SELECT ${EVENT_SUMMARY_COLUMNS} FROM events e WHERE e.delivery_id IN (SELECT value FROM json_each(?)) ORDER BY e.id`,
        )
        .all(JSON.stringify(ids)) as Row[]
    ).map((row) => toEventSummary(row, codec));
    const byDelivery = groupBy(withJobStates(db, events), (event) => event.deliveryId);
    return {
      items: page.map((row) => ({
        ...toDeliveryBase(row, codec),
        bodyBytes: Number(row.body_bytes),
        events: byDelivery.get(String(row.id)) ?? [],
      })),
      nextCursor: rows.length > query.limit ? (ids.at(-1) ?? null) : null,
    };
  });
}

export function getDelivery(db: SqliteConnection, id: string): DeliveryDetail | null {
  return db.read(() => {
    const row = db
      .stmt(
        `SELECT ${DELIVERY_SUMMARY_COLUMNS}, length(d.raw_body) AS body_bytes, d.headers, d.raw_body FROM deliveries d WHERE d.id = ?`,
      )
      .get(id) as Row | undefined;
    if (row === undefined) return null;
    const events = db
      .stmt(`SELECT ${EVENT_RECORD_COLUMNS} FROM events e WHERE e.delivery_id = ? ORDER BY e.id`)
      .all(id) as Row[];
    const jobs = db
      .stmt(
        `SELECT ${EVENT_HANDLER_STATE_COLUMNS} FROM jobs j JOIN events e ON e.id = j.event_id WHERE e.delivery_id = ? ORDER BY j.event_id, j.handler`,
      )
      .all(id) as Row[];
    return {
      ...toDeliveryBase(row, codec),
      bodyBytes: Number(row.body_bytes),
      headers: JSON.parse(String(row.headers)) as Record<string, string>,
      rawBody: row.raw_body as Buffer,
      events: withHandlerStates(
        events.map((event) => toEventRecord(event, codec)),
        jobs,
      ),
    };
  });
}

export function listEvents(db: SqliteConnection, filter: EventFilter): Page<WithHandlerStates<EventSummary>> {
  return db.read(() => {
    const query = eventListQuery(EVENT_SUMMARY_COLUMNS, filter, dialect);
    const rows = db.stmt(query.sql).all(...query.values) as Row[];
    const events = rows.slice(0, query.limit).map((row) => toEventSummary(row, codec));
    const items = withJobStates(db, events);
    return { items, nextCursor: rows.length > query.limit ? (items.at(-1)?.id ?? null) : null };
  });
}

/** Stored duplicates whose original was erased and which are not erased themselves (late-duplicates.ts). */
export function unerasedLateDuplicates(db: SqliteConnection): string[] {
  return db.read(() =>
    (db.stmt(UNERASED_LATE_DUPLICATES_SQL).all() as Array<{ id: string }>).map((row) => row.id),
  );
}

export function getEvent(db: SqliteConnection, id: string): EventDetail | null {
  return db.read(() => {
    const row = db.stmt(`SELECT ${EVENT_RECORD_COLUMNS} FROM events e WHERE e.id = ?`).get(id) as
      | Row
      | undefined;
    if (row === undefined) return null;
    const jobs = (
      db.stmt(`SELECT ${JOB_COLUMNS} FROM jobs j WHERE j.event_id = ? ORDER BY j.id`).all(id) as Row[]
    ).map((job) => toJobRecord(job, codec));
    const attempts = (
      db
        .stmt(
          `SELECT ${ATTEMPT_COLUMNS} FROM job_attempts a JOIN jobs j ON j.id = a.job_id WHERE j.event_id = ? ORDER BY a.job_id, a.attempt`,
        )
        .all(id) as Row[]
    ).map((attempt) => toAttemptRecord(attempt, codec));
    const byJob = groupBy(attempts, (attempt) => attempt.jobId);
    return {
      ...toEventRecord(row, codec),
      jobs: jobs.map((job) => ({ ...job, attemptLog: byJob.get(job.id) ?? [] })),
    };
  });
}

export function listDeadLetters(db: SqliteConnection, filter: DeadLetterFilter): DeadLetter[] {
  return db.read(() => {
    const query = deadLetterQuery(JOB_COLUMNS, filter, dialect);
    const jobs = (db.stmt(query.sql).all(...query.values) as Row[]).map((row) => toJobRecord(row, codec));
    const events = (
      db
        .stmt(`SELECT ${EVENT_SUMMARY_COLUMNS} FROM events e WHERE e.id IN (SELECT value FROM json_each(?))`)
        .all(JSON.stringify([...new Set(jobs.map((job) => job.eventId))])) as Row[]
    ).map((row) => toEventSummary(row, codec));
    const byId = new Map(events.map((event) => [event.id, event]));
    return jobs.flatMap((job) => {
      const event = byId.get(job.eventId);
      return event === undefined ? [] : [{ job, event }];
    });
  });
}

export function countDeadLetters(db: SqliteConnection, filter: DeadLetterFilter): number {
  return db.read(() => {
    const query = deadLetterCountQuery(filter, dialect);
    return Number((db.stmt(query.sql).get(...query.values) as { n: number }).n);
  });
}

export function listHandlerStates(db: SqliteConnection): HandlerState[] {
  return db.read(() =>
    (
      db
        .stmt(
          'SELECT handler, disabled, disabled_by, reason, changed_at FROM handler_states ORDER BY handler',
        )
        .all() as Row[]
    ).map((row) => ({
      handler: String(row.handler),
      disabled: Number(row.disabled) === 1,
      disabledBy:
        Number(row.disabled) === 1 ? (row.disabled_by === 'operator' ? 'operator' : 'target') : null,
      reason: row.reason === null ? null : String(row.reason),
      changedAt: new Date(Number(row.changed_at)),
    })),
  );
}

/**
 * One branch per partial index (jobs_pending, jobs_running, jobs_dead): SQLite uses none of them for
 * `status IN ('pending', 'dead')` and scanned every job on each metrics scrape (0.5 s with 400,000 jobs).
 * The dead jobs of an erased event (cancelled by the erasure, or dead letters before it) are not counted:
 * they are no dead letters (not listed, not replayed), so nobody could clear them from the gauge.
 */
export const BACKLOG_SQL = `SELECT handler, sum(waiting) AS waiting, sum(running) AS running, sum(dead) AS dead FROM (
    SELECT handler, 1 AS waiting, 0 AS running, 0 AS dead FROM jobs WHERE status = 'pending'
    UNION ALL SELECT handler, 0 AS waiting, 1 AS running, 0 AS dead FROM jobs WHERE status = 'running'
    UNION ALL SELECT handler, 0 AS waiting, 0 AS running, 1 AS dead FROM jobs WHERE status = 'dead'
      AND NOT EXISTS (SELECT 1 FROM events AS e WHERE e.id = jobs.event_id AND e.erased_at IS NOT NULL)
  ) GROUP BY handler ORDER BY handler`;

/** Waiting, running and dead jobs per handler (reads only those rows, through their partial indexes). */
export function handlerBacklog(db: SqliteConnection): HandlerBacklog[] {
  return db.read(() =>
    (
      db.stmt(BACKLOG_SQL).all() as Array<{ handler: string; waiting: number; running: number; dead: number }>
    ).map((row) => ({
      handler: row.handler,
      waiting: Number(row.waiting),
      running: Number(row.running),
      dead: Number(row.dead),
    })),
  );
}

/**
 * Waiting and dead jobs per shop (their event's): the jobs read through the partial indexes jobs_pending
 * and jobs_dead, each joined to its event by primary key; an erased event's dead jobs not counted.
 */
export const SHOP_BACKLOG_SQL = `SELECT e.shop AS shop, sum(b.waiting) AS waiting, sum(b.dead) AS dead FROM (
    SELECT event_id, 1 AS waiting, 0 AS dead FROM jobs WHERE status = 'pending'
    UNION ALL SELECT event_id, 0 AS waiting, 1 AS dead FROM jobs WHERE status = 'dead'
  ) AS b JOIN events AS e ON e.id = b.event_id WHERE b.waiting = 1 OR e.erased_at IS NULL
  GROUP BY e.shop ORDER BY e.shop`;

export function shopBacklog(db: SqliteConnection): ShopBacklog[] {
  return db.read(() =>
    (db.stmt(SHOP_BACKLOG_SQL).all() as Array<{ shop: string; waiting: number; dead: number }>).map(
      (row) => ({ shop: row.shop, waiting: Number(row.waiting), dead: Number(row.dead) }),
    ),
  );
}

export function countJobs(db: SqliteConnection): JobCounts {
  // Each count reads one index, not the table: pending, running and dead from their partial indexes,
  // the total from the primary key index; succeeded is what remains (a scrape every few seconds must
  // stay cheap with millions of finished jobs).
  return db.read(() => {
    const row = db
      .stmt(
        `SELECT (SELECT count(*) FROM jobs) AS total,
           (SELECT count(*) FROM jobs WHERE status = 'pending') AS pending,
           (SELECT count(*) FROM jobs WHERE status = 'running') AS running,
           (SELECT count(*) FROM jobs WHERE status = 'dead') AS dead`,
      )
      .get() as { total: number; pending: number; running: number; dead: number };
    return {
      pending: row.pending,
      running: row.running,
      dead: row.dead,
      succeeded: row.total - row.pending - row.running - row.dead,
    };
  });
}

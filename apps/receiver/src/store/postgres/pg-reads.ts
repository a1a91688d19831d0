/**
 * Reads of the PostgreSQL store: deliveries, events (with their jobs and attempt logs), dead letters,
 * handler states and job counts. Each is one `run` on the pool (no transaction); rows are mapped with
 * the shared row-mapping codecs. Functions of the internal PgConnection, delegated to by PgStore.
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
  JobStatus,
  Page,
  ShopBacklog,
  WithHandlerStates,
} from '../store.js';
import { codec, dialect, type PgConnection } from './pg-connection.js';

/** The events, each with its jobs' states (`handlers`), read in one query. */
async function withJobStates<T extends EventSummary>(
  conn: PgConnection,
  events: readonly T[],
): Promise<WithHandlerStates<T>[]> {
  const jobs = (
    await conn.db.query(
      `SELECT ${EVENT_HANDLER_STATE_COLUMNS} FROM jobs j WHERE j.event_id = ANY ($1::text[]) ORDER BY j.event_id, j.handler`,
      [events.map((event) => event.id)],
    )
  ).rows as Row[];
  return withHandlerStates(events, jobs);
}

export async function listDeliveries(
  conn: PgConnection,
  filter: DeliveryFilter = {},
): Promise<Page<DeliverySummary>> {
  return conn.run(async () => {
    const query = deliveryListQuery(
      `${DELIVERY_SUMMARY_COLUMNS}, octet_length(d.raw_body) AS body_bytes`,
      filter,
      dialect,
    );
    const rows = (await conn.db.query(query.sql, query.values)).rows as Row[];
    const page = rows.slice(0, query.limit);
    const ids = page.map((row) => String(row.id));
    const events = (
      await conn.db.query(
        `SELECT ${EVENT_SUMMARY_COLUMNS} FROM events e WHERE e.delivery_id = ANY ($1::text[]) ORDER BY e.id`,
        [ids],
      )
    ).rows.map((row: Row) => toEventSummary(row, codec));
    const byDelivery = groupBy(await withJobStates(conn, events), (event) => event.deliveryId);
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

export async function getDelivery(conn: PgConnection, id: string): Promise<DeliveryDetail | null> {
  return conn.run(async () => {
    const row = (
      await conn.db.query(
        `SELECT ${DELIVERY_SUMMARY_COLUMNS}, octet_length(d.raw_body) AS body_bytes, d.headers, d.raw_body FROM deliveries d WHERE d.id = $1`,
        [id],
      )
    ).rows[0] as Row | undefined;
    if (row === undefined) return null;
    const events = (
      await conn.db.query(
        `SELECT ${EVENT_RECORD_COLUMNS} FROM events e WHERE e.delivery_id = $1 ORDER BY e.id`,
        [id],
      )
    ).rows as Row[];
    const jobs = (
      await conn.db.query(
        `SELECT ${EVENT_HANDLER_STATE_COLUMNS} FROM jobs j JOIN events e ON e.id = j.event_id WHERE e.delivery_id = $1 ORDER BY j.event_id, j.handler`,
        [id],
      )
    ).rows as Row[];
    return {
      ...toDeliveryBase(row, codec),
      bodyBytes: Number(row.body_bytes),
      headers: row.headers as Record<string, string>,
      rawBody: row.raw_body as Buffer,
      events: withHandlerStates(
        events.map((event) => toEventRecord(event, codec)),
        jobs,
      ),
    };
  });
}

export async function listEvents(
  conn: PgConnection,
  filter: EventFilter = {},
): Promise<Page<WithHandlerStates<EventSummary>>> {
  return conn.run(async () => {
    const query = eventListQuery(EVENT_SUMMARY_COLUMNS, filter, dialect);
    const rows = (await conn.db.query(query.sql, query.values)).rows as Row[];
    const items = await withJobStates(
      conn,
      rows.slice(0, query.limit).map((row) => toEventSummary(row, codec)),
    );
    return { items, nextCursor: rows.length > query.limit ? (items.at(-1)?.id ?? null) : null };
  });
}

/** Stored duplicates whose original was erased and which are not erased themselves (late-duplicates.ts). */
export async function unerasedLateDuplicates(conn: PgConnection): Promise<string[]> {
  return conn.run(async () =>
    (await conn.db.query(UNERASED_LATE_DUPLICATES_SQL)).rows.map((row: Row) => String(row.id)),
  );
}

export async function getEvent(conn: PgConnection, id: string): Promise<EventDetail | null> {
  return conn.run(async () => {
    const row = (await conn.db.query(`SELECT ${EVENT_RECORD_COLUMNS} FROM events e WHERE e.id = $1`, [id]))
      .rows[0] as Row | undefined;
    if (row === undefined) return null;
    const jobs = (
      await conn.db.query(`SELECT ${JOB_COLUMNS} FROM jobs j WHERE j.event_id = $1 ORDER BY j.id`, [id])
    ).rows.map((job: Row) => toJobRecord(job, codec));
    const attempts = (
      await conn.db.query(
        `SELECT ${ATTEMPT_COLUMNS} FROM job_attempts a JOIN jobs j ON j.id = a.job_id WHERE j.event_id = $1 ORDER BY a.job_id, a.attempt`,
        [id],
      )
    ).rows.map((attempt: Row) => toAttemptRecord(attempt, codec));
    const byJob = groupBy(attempts, (attempt) => attempt.jobId);
    return {
      ...toEventRecord(row, codec),
      jobs: jobs.map((job) => ({ ...job, attemptLog: byJob.get(job.id) ?? [] })),
    };
  });
}

export async function listDeadLetters(
  conn: PgConnection,
  filter: DeadLetterFilter = {},
): Promise<DeadLetter[]> {
  return conn.run(async () => {
    const query = deadLetterQuery(JOB_COLUMNS, filter, dialect);
    const jobs = (await conn.db.query(query.sql, query.values)).rows.map((row: Row) =>
      toJobRecord(row, codec),
    );
    const events = (
      await conn.db.query(`SELECT ${EVENT_SUMMARY_COLUMNS} FROM events e WHERE e.id = ANY ($1::text[])`, [
        [...new Set(jobs.map((job) => job.eventId))],
      ])
    ).rows.map((row: Row) => toEventSummary(row, codec));
    const byId = new Map(events.map((event) => [event.id, event]));
    return jobs.flatMap((job) => {
      const event = byId.get(job.eventId);
      return event === undefined ? [] : [{ job, event }];
    });
  });
}

export async function countDeadLetters(conn: PgConnection, filter: DeadLetterFilter = {}): Promise<number> {
  return conn.run(async () => {
    const query = deadLetterCountQuery(filter, dialect);
    return Number(((await conn.db.query(query.sql, query.values)).rows[0] as { n: string }).n);
  });
}

export async function listHandlerStates(conn: PgConnection): Promise<HandlerState[]> {
  return conn.run(async () =>
    (
      await conn.db.query(
        'SELECT handler, disabled, disabled_by, reason, changed_at FROM handler_states ORDER BY handler',
      )
    ).rows.map((row: Row) => ({
      handler: String(row.handler),
      disabled: row.disabled === true,
      disabledBy: row.disabled === true ? (row.disabled_by === 'operator' ? 'operator' : 'target') : null,
      reason: row.reason === null ? null : String(row.reason),
      changedAt: codec.date(row.changed_at),
    })),
  );
}

/**
 * One branch per partial index (jobs_pending, jobs_running, jobs_dead): for `status IN ('pending',
 * 'dead')` the planner scanned every job on each metrics scrape (0.34 s with 400,000 jobs). The dead jobs
 * of an erased event (cancelled by the erasure, or dead letters before it) are not counted: they are no
 * dead letters (not listed, not replayed), so nobody could clear them from the gauge.
 */
export const PG_BACKLOG_SQL = `SELECT handler, sum(waiting) AS waiting, sum(running) AS running, sum(dead) AS dead FROM (
    SELECT handler, 1 AS waiting, 0 AS running, 0 AS dead FROM jobs WHERE status = 'pending'
    UNION ALL SELECT handler, 0 AS waiting, 1 AS running, 0 AS dead FROM jobs WHERE status = 'running'
    UNION ALL SELECT handler, 0 AS waiting, 0 AS running, 1 AS dead FROM jobs WHERE status = 'dead'
      AND NOT EXISTS (SELECT 1 FROM events AS e WHERE e.id = jobs.event_id AND e.erased_at IS NOT NULL)
  ) AS backlog GROUP BY handler ORDER BY handler COLLATE "C"`;

/** Waiting, running and dead jobs per handler (reads only those rows, through their partial indexes). */
export async function handlerBacklog(conn: PgConnection): Promise<HandlerBacklog[]> {
  return conn.run(async () => {
    const rows = (await conn.db.query(PG_BACKLOG_SQL)).rows as Array<{
      handler: string;
      waiting: string;
      running: string;
      dead: string;
    }>;
    return rows.map((row) => ({
      handler: row.handler,
      waiting: Number(row.waiting),
      running: Number(row.running),
      dead: Number(row.dead),
    }));
  });
}

/**
 * Waiting and dead jobs per shop (their event's): the jobs read through the partial indexes jobs_pending
 * and jobs_dead, each joined to its event by primary key; an erased event's dead jobs not counted.
 */
export const PG_SHOP_BACKLOG_SQL = `SELECT e.shop AS shop, sum(b.waiting) AS waiting, sum(b.dead) AS dead FROM (
    SELECT event_id, 1 AS waiting, 0 AS dead FROM jobs WHERE status = 'pending'
    UNION ALL SELECT event_id, 0 AS waiting, 1 AS dead FROM jobs WHERE status = 'dead'
  ) AS b JOIN events AS e ON e.id = b.event_id WHERE b.waiting = 1 OR e.erased_at IS NULL
  GROUP BY e.shop ORDER BY e.shop COLLATE "C"`;

export async function shopBacklog(conn: PgConnection): Promise<ShopBacklog[]> {
  return conn.run(async () => {
    const rows = (await conn.db.query(PG_SHOP_BACKLOG_SQL)).rows as Array<{
      shop: string;
      waiting: string;
      dead: string;
    }>;
    return rows.map((row) => ({ shop: row.shop, waiting: Number(row.waiting), dead: Number(row.dead) }));
  });
}

export async function countJobs(conn: PgConnection): Promise<JobCounts> {
  return conn.run(async () => {
    const counts: JobCounts = { pending: 0, running: 0, succeeded: 0, dead: 0 };
    for (const row of (await conn.db.query('SELECT status, count(*) AS n FROM jobs GROUP BY status'))
      .rows as Array<{
      status: JobStatus;
      n: string;
    }>) {
      counts[row.status] = Number(row.n);
    }
    return counts;
  });
}

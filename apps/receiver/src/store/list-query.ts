import { APP_EVENTS } from '@srhooks/contracts/app-events';
import { EVENT_SOURCES, type EventSource } from './recovery-records.js';
import { type SearchTerm, searchTerms } from './search-text.js';
import { isId } from './sortable-id.js';
import type { SqlDialect, SqlParams } from './sql-params.js';
import type { DeadLetterFilter, DeliveryFilter, EventFilter } from './store.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
export const MAX_DEAD_LETTERS = 10_000;

export function pageSize(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_PAGE_SIZE;
  return Math.min(Math.max(Math.floor(limit), 1), MAX_PAGE_SIZE);
}

export interface BuiltQuery {
  sql: string;
  values: unknown[];
  limit: number;
}

function timeRange(
  conditions: string[],
  params: SqlParams,
  dialect: SqlDialect,
  column: string,
  range: { from?: Date; to?: Date },
): void {
  if (range.from !== undefined) conditions.push(`${column} >= ${params.add(dialect.time(range.from))}`);
  if (range.to !== undefined) conditions.push(`${column} < ${params.add(dialect.time(range.to))}`);
}

/**
 * Every term of the query occurs in `e.search_text` (folded: any order, accents and case ignored; a
 * phone number as its digits, `search-text.ts`). `terms` are {@link queryTerms}' for the query.
 */
function searchTextMatches(terms: readonly SearchTerm[], params: SqlParams): string {
  // callers check for terms first: none would leave an empty condition (`… AND ` → SQL syntax error)
  return terms
    .map((patterns) => {
      const likes = patterns.map((pattern) =>
        typeof pattern === 'string'
          ? `e.search_text LIKE ${params.add(pattern)} ESCAPE '\\'`
          : // every digit of a stored phone number follows a '#' ('#3#0#1#…#'): dropped, the digit is found elsewhere only
            `REPLACE(e.search_text, ${params.add(`#${pattern.outsidePhones}`)}, '#') LIKE ${params.add(`%${pattern.outsidePhones}%`)}`,
      );
      return likes.length === 1 ? (likes[0] as string) : `(${likes.join(' OR ')})`;
    })
    .join(' AND ');
}

/**
 * The source as an SQL literal, not a placeholder: the few recovery rows have partial indexes
 * (`deliveries_recovery`, `events_recovery`), which SQLite uses only for a literal `source = 'recovery'`
 * (without them the filter read the whole list newest first: 0.5-1 s with 180,000 deliveries).
 */
function sourceLiteral(source: EventSource): string {
  if (!EVENT_SOURCES.includes(source)) throw new Error(`not an event source: ${String(source)}`);
  return `'${source}'`;
}

/**
 * The search terms of `q`, split once per query: none means `q` does not search (no `q`, or a `q` of
 * spaces or of a lone accent, U+0301, which has no term once folded, lists everything, as no `q`).
 */
function queryTerms(q: string | undefined): SearchTerm[] {
  return q === undefined ? [] : searchTerms(q);
}

/** `erased_at IS [NOT] NULL` of the filter's `erased` (a literal condition, no parameter); nothing when not given. */
function erasedCondition(conditions: string[], column: string, erased: boolean | undefined): void {
  if (erased !== undefined) conditions.push(`${column} IS ${erased ? 'NOT ' : ''}NULL`);
}

function where(conditions: string[]): string {
  return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
}

/**
 * The deliveries received, stored later than they arrived, re-processed, or with a job (of one of their
 * events) written at or after `since`: each part read through its own index (`deliveries_received_at`,
 * `deliveries_stored_at`, `deliveries_reprocessed_at`, `jobs_updated_at`), so a list of what changed
 * lately reads only what changed, however large the store. A delivery drained from the spool keeps its
 * arrival as `received_at`: it is news when it enters the store (`stored_at`), which may be long after.
 */
function changedSince(params: SqlParams, dialect: SqlDialect, since: Date): string {
  // Each placeholder once (SQLite's are positional).
  return `d.id IN (SELECT c.id FROM deliveries c WHERE c.received_at >= ${params.add(dialect.time(since))}
    UNION ALL SELECT c.id FROM deliveries c WHERE c.stored_at >= ${params.add(dialect.time(since))}
    UNION ALL SELECT c.id FROM deliveries c WHERE c.reprocessed_at >= ${params.add(dialect.time(since))}
    UNION ALL SELECT e.delivery_id FROM jobs j JOIN events e ON e.id = j.event_id WHERE j.updated_at >= ${params.add(dialect.time(since))})`;
}

/** `SELECT <columns> FROM deliveries d … ORDER BY d.id DESC LIMIT n+1` (one extra row tells whether a next page exists). */
export function deliveryListQuery(columns: string, filter: DeliveryFilter, dialect: SqlDialect): BuiltQuery {
  const params = dialect.params();
  const conditions: string[] = [];
  if (filter.shop !== undefined) conditions.push(`d.shop = ${params.add(filter.shop)}`);
  if (filter.event !== undefined) conditions.push(`d.event = ${params.add(filter.event)}`);
  if (filter.status !== undefined) conditions.push(`d.status = ${params.add(filter.status)}`);
  if (filter.source !== undefined) conditions.push(`d.source = ${sourceLiteral(filter.source)}`);
  erasedCondition(conditions, 'd.erased_at', filter.erased);
  timeRange(conditions, params, dialect, 'd.received_at', filter);
  if (filter.cursor !== undefined) conditions.push(`d.id < ${params.add(filter.cursor)}`);
  if (filter.changedSince !== undefined) conditions.push(changedSince(params, dialect, filter.changedSince));
  if (filter.eventStatus !== undefined) {
    conditions.push(
      `EXISTS (SELECT 1 FROM events e WHERE e.delivery_id = d.id AND e.status = ${params.add(filter.eventStatus)})`,
    );
  }
  if (filter.jobs === 'waiting') {
    conditions.push(
      "EXISTS (SELECT 1 FROM events e JOIN jobs j ON j.event_id = e.id WHERE e.delivery_id = d.id AND j.status = 'pending')",
    );
  }
  if (filter.handler !== undefined) {
    // jobs (event_id, handler) is unique: one index probe per event of the delivery
    conditions.push(
      `EXISTS (SELECT 1 FROM events e JOIN jobs j ON j.event_id = e.id WHERE e.delivery_id = d.id AND j.handler = ${params.add(filter.handler)})`,
    );
  }
  const terms = queryTerms(filter.q);
  if (terms.length > 0) {
    conditions.push(
      `EXISTS (SELECT 1 FROM events e WHERE e.delivery_id = d.id AND ${searchTextMatches(terms, params)})`,
    );
  }
  const limit = pageSize(filter.limit);
  const sql = `SELECT ${columns} FROM deliveries d ${where(conditions)} ORDER BY d.id DESC LIMIT ${params.add(limit + 1)}`;
  return { sql, values: params.values, limit };
}

export function eventListQuery(columns: string, filter: EventFilter, dialect: SqlDialect): BuiltQuery {
  const params = dialect.params();
  const conditions: string[] = [];
  if (filter.shop !== undefined) conditions.push(`e.shop = ${params.add(filter.shop)}`);
  if (filter.event !== undefined) conditions.push(`e.event = ${params.add(filter.event)}`);
  if (filter.status !== undefined) conditions.push(`e.status = ${params.add(filter.status)}`);
  if (filter.deliveryId !== undefined) conditions.push(`e.delivery_id = ${params.add(filter.deliveryId)}`);
  if (filter.source !== undefined) conditions.push(`e.source = ${sourceLiteral(filter.source)}`);
  erasedCondition(conditions, 'e.erased_at', filter.erased);
  timeRange(conditions, params, dialect, 'e.received_at', filter);
  if (filter.cursor !== undefined) conditions.push(`e.id < ${params.add(filter.cursor)}`);
  if (filter.handler !== undefined) {
    // jobs (event_id, handler) is unique: one index probe per event
    conditions.push(
      `EXISTS (SELECT 1 FROM jobs j WHERE j.event_id = e.id AND j.handler = ${params.add(filter.handler)})`,
    );
  }
  const terms = queryTerms(filter.q);
  const search = terms.length > 0;
  if (search) conditions.push(searchTextMatches(terms, params));
  const narrowed =
    filter.shop !== undefined || filter.status !== undefined || filter.deliveryId !== undefined;
  const hint =
    search && !narrowed && dialect.eventSearchIndex !== undefined
      ? ` INDEXED BY ${dialect.eventSearchIndex}`
      : '';
  const limit = pageSize(filter.limit);
  const sql = `SELECT ${columns} FROM events e${hint} ${where(conditions)} ORDER BY e.id DESC LIMIT ${params.add(limit + 1)}`;
  return { sql, values: params.values, limit };
}

/** Width of the dead-letter time in a dead-letter cursor (ms in base 36; 10 digits last past the year 5000). */
const CURSOR_TIME_DIGITS = 10;
/** `dead_<time><job id without job_>`: id-shaped, like the other lists' cursors (the job id checked by isId). */
const DEAD_LETTER_CURSOR = /^dead_([0-9a-z]{10})([0-9a-z]+)$/;

/**
 * The cursor after a dead letter: its dead-letter time and job id (the list's order), so a page after
 * it stays right even when that job was replayed meanwhile.
 */
export function deadLetterCursor(job: { id: string; finishedAt: Date | null }): string {
  const time = (job.finishedAt?.getTime() ?? 0).toString(36).padStart(CURSOR_TIME_DIGITS, '0');
  return `dead_${time}${job.id.replace(/^job_/, '')}`;
}

/** Whether `value` is a cursor {@link deadLetterCursor} makes: its time, then a job id as newId makes them. */
export function isDeadLetterCursor(value: string): boolean {
  const match = DEAD_LETTER_CURSOR.exec(value);
  return match !== null && isId(`job_${match[2]}`, 'job');
}

function deadLetterConditions(filter: DeadLetterFilter, dialect: SqlDialect, params: SqlParams): string[] {
  // An erased event's dead letters are not listed, counted or replayed: their payload is gone (erase-plan.ts).
  const conditions: string[] = [`j.status = 'dead'`, 'e.erased_at IS NULL'];
  if (filter.handler !== undefined) conditions.push(`j.handler = ${params.add(filter.handler)}`);
  timeRange(conditions, params, dialect, 'j.finished_at', filter);
  if (filter.exceptShops !== undefined && filter.exceptShops.length > 0) {
    const shops = dialect.textSet(params, filter.exceptShops);
    const appEvents = APP_EVENTS.map((event) => params.add(event)).join(', ');
    conditions.push(`NOT (e.shop IN (${shops}) AND e.event NOT IN (${appEvents}))`);
  }
  return conditions;
}

/** Dead-lettered jobs (alias j) joined to their event (alias e), newest dead-letter first. */
export function deadLetterQuery(columns: string, filter: DeadLetterFilter, dialect: SqlDialect): BuiltQuery {
  const params = dialect.params();
  const conditions = deadLetterConditions(filter, dialect, params);
  if (filter.cursor !== undefined) {
    const match = DEAD_LETTER_CURSOR.exec(filter.cursor);
    if (!match || !isDeadLetterCursor(filter.cursor))
      throw new Error(`not a dead-letter cursor: ${filter.cursor}`);
    const time = dialect.time(new Date(Number.parseInt(match[1] ?? '', 36)));
    // Each placeholder once (SQLite's are positional).
    conditions.push(
      `(j.finished_at < ${params.add(time)} OR (j.finished_at = ${params.add(time)} AND j.id < ${params.add(`job_${match[2]}`)}))`,
    );
  }
  const limit =
    filter.limit === undefined
      ? MAX_DEAD_LETTERS
      : Math.min(Math.max(Math.floor(filter.limit), 1), MAX_DEAD_LETTERS);
  const sql = `SELECT ${columns} FROM jobs j JOIN events e ON e.id = j.event_id ${where(conditions)} ORDER BY j.finished_at DESC, j.id DESC LIMIT ${params.add(limit)}`;
  return { sql, values: params.values, limit };
}

/** `SELECT count(*) AS n` of the dead letters deadLetterQuery lists (without cursor and limit). */
export function deadLetterCountQuery(filter: DeadLetterFilter, dialect: SqlDialect): BuiltQuery {
  const params = dialect.params();
  const conditions = deadLetterConditions(filter, dialect, params);
  const sql = `SELECT count(*) AS n FROM jobs j JOIN events e ON e.id = j.event_id ${where(conditions)}`;
  return { sql, values: params.values, limit: 1 };
}

/**
 * Reads what the receiver committed, straight from its tables (SQLite file or PostgreSQL schema),
 * independent of the receiver's own code: the scenarios compare the generator's acknowledgements
 * with this, so a bug in the receiver's read path cannot hide a lost delivery.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import type { LoadResult } from './load-generator.js';

export interface StoredFigures {
  /** innerId → number of non-duplicate events with that innerId (1 expected). */
  orders: Map<string, number>;
  /** Events recorded as duplicates of an earlier event (re-sent deliveries). */
  duplicateEvents: number;
  /** Deliveries by status (`stored`, `quarantined`, `reprocessed`). */
  deliveries: Record<string, number>;
  /** Jobs by status (`pending`, `running`, `succeeded`, `dead`). */
  jobs: Record<string, number>;
  /** Quarantined deliveries by decode error code. */
  quarantineReasons: Record<string, number>;
}

interface EventRow {
  subject_id: string | null;
  duplicate_of: string | null;
}
interface CountRow {
  key: string | null;
  n: number | string;
}

function figuresFrom(
  events: EventRow[],
  deliveries: CountRow[],
  jobs: CountRow[],
  reasons: CountRow[],
): StoredFigures {
  const orders = new Map<string, number>();
  let duplicateEvents = 0;
  for (const row of events) {
    if (row.duplicate_of !== null) {
      duplicateEvents += 1;
      continue;
    }
    const id = row.subject_id ?? '(none)';
    orders.set(id, (orders.get(id) ?? 0) + 1);
  }
  const table = (rows: CountRow[]) =>
    Object.fromEntries(rows.map((row) => [row.key ?? '(null)', Number(row.n)])) as Record<string, number>;
  return {
    orders,
    duplicateEvents,
    deliveries: table(deliveries),
    jobs: table(jobs),
    quarantineReasons: table(reasons),
  };
}

const EVENTS_SQL = 'SELECT subject_id, duplicate_of FROM events WHERE shop = $shop';
const DELIVERIES_SQL =
  'SELECT status AS key, count(*) AS n FROM deliveries WHERE shop = $shop GROUP BY status';
const JOBS_SQL =
  'SELECT j.status AS key, count(*) AS n FROM jobs j JOIN events e ON e.id = j.event_id WHERE e.shop = $shop GROUP BY j.status';
const REASONS_SQL =
  "SELECT decode_error_code AS key, count(*) AS n FROM deliveries WHERE shop = $shop AND status = 'quarantined' GROUP BY decode_error_code";

/** Opens the receiver's SQLite file read-only (safe while the receiver runs: WAL). */
export function readSqliteStore(file: string, shop: string): StoredFigures {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const sqlite = (sql: string) => sql.replaceAll('$shop', '@shop');
    const all = <T>(sql: string) => db.prepare(sqlite(sql)).all({ shop }) as T[];
    return figuresFrom(
      all<EventRow>(EVENTS_SQL),
      all<CountRow>(DELIVERIES_SQL),
      all<CountRow>(JOBS_SQL),
      all<CountRow>(REASONS_SQL),
    );
  } finally {
    db.close();
  }
}

/** Reads the receiver's tables in `schema` of the PostgreSQL database. */
/** Runs `work` on a client of its own whose search path is `schema` (the scenario's store). */
export async function withSchemaClient<T>(
  databaseUrl: string,
  schema: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Every delivery id the PostgreSQL store in `schema` holds. */
export async function storedDeliveryIds(databaseUrl: string, schema: string): Promise<Set<string>> {
  return withSchemaClient(
    databaseUrl,
    schema,
    async (client) =>
      new Set((await client.query<{ id: string }>('SELECT id FROM deliveries')).rows.map((row) => row.id)),
  );
}

/** Drops the scenario's schema (cleanup: a failure to drop is ignored). */
export async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  await withSchemaClient(databaseUrl, 'public', (client) =>
    client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`),
  ).catch(() => {});
}

export async function readPostgresStore(
  databaseUrl: string,
  schema: string,
  shop: string,
): Promise<StoredFigures> {
  const client = new pg.Client({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    const all = async <T>(sql: string) =>
      (await client.query(sql.replaceAll('$shop', '$1'), [shop])).rows as T[];
    return figuresFrom(
      await all<EventRow>(EVENTS_SQL),
      await all<CountRow>(DELIVERIES_SQL),
      await all<CountRow>(JOBS_SQL),
      await all<CountRow>(REASONS_SQL),
    );
  } finally {
    await client.end();
  }
}

export interface AckComparison {
  /** Acknowledged deliveries whose order is not in the store: must be 0. */
  lost: string[];
  /** Orders stored more than once as a new event (dedupe broken): must be 0. */
  doubled: string[];
  /** Orders in the store that were never acknowledged (stored, then the answer was lost): allowed. */
  storedUnacked: number;
}

export function compareAcks(acked: Iterable<string>, stored: StoredFigures): AckComparison {
  const ackedSet = new Set(acked);
  const lost = [...ackedSet].filter((id) => !stored.orders.has(id));
  const doubled = [...stored.orders].filter(([, n]) => n > 1).map(([id]) => id);
  let storedUnacked = 0;
  for (const id of stored.orders.keys()) if (!ackedSet.has(id)) storedUnacked += 1;
  return { lost, doubled, storedUnacked };
}

/** The delivery figures every load scenario prints: what was sent and acknowledged against what was stored. */
export function ackFigures(load: LoadResult, stored: StoredFigures, comparison: AckComparison) {
  return {
    sent: load.sent,
    requests: load.requests,
    acked: load.acked.size,
    unacked: load.unacked.length,
    stored: stored.orders.size,
    lost: comparison.lost.length,
    storedTwice: comparison.doubled.length,
    storedUnacked: comparison.storedUnacked,
    duplicateEvents: stored.duplicateEvents,
  };
}

export interface JobAttemptRow {
  jobId: string;
  handler: string;
  innerId: string | null;
  attempt: number;
  /** Epoch ms. */
  startedAt: number;
  outcome: string;
  statusCode: number | null;
}

export interface JobRow {
  jobId: string;
  handler: string;
  innerId: string | null;
  status: string;
  attempts: number;
  lastError: string | null;
}

/** Every job of the shop, and every attempt of them in order (SQLite file, read-only). */
export function readSqliteJobs(file: string, shop: string): { jobs: JobRow[]; attempts: JobAttemptRow[] } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const jobs = db
      .prepare(
        `SELECT j.id AS jobId, j.handler, e.subject_id AS innerId, j.status, j.attempts, j.last_error AS lastError
         FROM jobs j JOIN events e ON e.id = j.event_id WHERE e.shop = ?`,
      )
      .all(shop) as JobRow[];
    const attempts = db
      .prepare(
        `SELECT a.job_id AS jobId, j.handler, e.subject_id AS innerId, a.attempt, a.started_at AS startedAt,
                a.outcome, a.status_code AS statusCode
         FROM job_attempts a JOIN jobs j ON j.id = a.job_id JOIN events e ON e.id = j.event_id
         WHERE e.shop = ? ORDER BY a.job_id, a.attempt`,
      )
      .all(shop) as JobAttemptRow[];
    return { jobs, attempts };
  } finally {
    db.close();
  }
}

import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { WebhookEvent } from '@srhooks/contracts';
import Database from 'better-sqlite3';
import { ChangeFeed } from '../change-feed.js';
import { refreshEventStatusSql } from '../event-status-sql.js';
import { failureOutcome } from '../job-failure.js';
import { deadLetterQuery, deliveryListQuery, eventListQuery } from '../list-query.js';
import type { PreparedEvent } from '../prepared-event.js';
import { type PruneChunkOptions, type PruneChunkResult, pruneChunk, runPlanSync } from '../prune-plan.js';
import {
  passFromJson,
  passToJson,
  type RecoveryPassRecord,
  type RecoveryState,
} from '../recovery-records.js';
import {
  ATTEMPT_COLUMNS,
  CLAIMED_JOB_COLUMNS,
  DELIVERY_SUMMARY_COLUMNS,
  EVENT_RECORD_COLUMNS,
  EVENT_SUMMARY_COLUMNS,
  groupBy,
  JOB_COLUMNS,
  type Row,
  type RowCodec,
  toAttemptRecord,
  toClaimedJob,
  toDeliveryBase,
  toEventRecord,
  toEventSummary,
  toJobRecord,
} from '../row-mapping.js';
import { newId } from '../sortable-id.js';
import { questionMarkParams, type SqlDialect } from '../sql-params.js';
import type {
  ClaimedJob,
  ClaimOptions,
  CompleteJobOptions,
  DeadLetter,
  DeadLetterFilter,
  DecodeFailure,
  DeliveryDetail,
  DeliveryFilter,
  DeliverySummary,
  EventDetail,
  EventFilter,
  EventStatus,
  EventSummary,
  FailJobOptions,
  HandlerState,
  IngestedEvent,
  IngestResult,
  JobCounts,
  JobRecord,
  JobStatus,
  JobTransition,
  NewDelivery,
  Page,
  ReplayResult,
  StoreChange,
  StoreChangeListener,
  StoreStats,
  VerificationUpdate,
} from '../store.js';
import {
  StoreConflictError,
  StoreError,
  StoreNotFoundError,
  StoreUnavailableError,
} from '../store-errors.js';
import { type GroupCommitOptions, GroupCommitter, type WriteContext } from './group-commit.js';
import { mapSqliteError } from './sqlite-errors.js';
import { applySqliteMigrations } from './sqlite-migrations.js';

export const DEFAULT_SQLITE_FILE = './data/srhooks.db';

export interface SqliteEngineOptions {
  /** Database file; parent directories are created. Default `./data/srhooks.db`. */
  file?: string;
  /** How long a write waits for another process holding the file's write lock. Default 5000 ms. */
  busyTimeoutMs?: number;
  groupCommit?: GroupCommitOptions;
}

/** Page cache per connection (KiB): the writer's hot pages are the right edges of its indexes. */
const SQLITE_CACHE_KIB = 4096;

const codec: RowCodec = {
  date: (value) => new Date(Number(value)),
  json: (value) => JSON.parse(String(value)),
  bool: (value) => Number(value) === 1,
};

const dialect: SqlDialect = { params: questionMarkParams, time: (value) => value.getTime() };

const INSERT_EVENT = `INSERT INTO events (id, delivery_id, shop, event, received_at, dedupe_key, subject_id, payload,
    duplicate_of, order_number, customer_name, gross_total, currency, search_text, status, source)
  VALUES (@id, @deliveryId, @shop, @event, @receivedAt, @dedupeKey, @subjectId, @payload,
    @duplicateOf, @orderNumber, @customerName, @grossTotal, @currency, @searchText, @status, @source)
  ON CONFLICT (shop, event, dedupe_key) WHERE duplicate_of IS NULL DO NOTHING`;

const INSERT_DELIVERY = `INSERT INTO deliveries (id, received_at, shop, event, remote_address, headers, content_type,
    raw_body, status, decode_error_code, decode_error_message, source)
  VALUES (@id, @receivedAt, @shop, @event, @remoteAddress, @headers, @contentType, @rawBody, @status, @errorCode, @errorMessage, @source)`;

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

function toRecoveryState(row: Record<string, unknown>): RecoveryState {
  return {
    shop: String(row.shop),
    watermark: row.watermark === null ? null : new Date(Number(row.watermark)),
    consecutiveFailures: Number(row.consecutive_failures),
    lastPass: passFromJson(row.last_pass),
  };
}

function ms(date: Date | undefined): number {
  return (date ?? new Date()).getTime();
}

function deliveryRow(
  delivery: NewDelivery,
  id: string,
  status: 'stored' | 'quarantined',
  error: DecodeFailure | null,
) {
  return {
    id,
    receivedAt: delivery.receivedAt.getTime(),
    shop: delivery.shop,
    event: delivery.event,
    remoteAddress: delivery.remoteAddress,
    headers: JSON.stringify(delivery.headers),
    contentType: delivery.contentType,
    rawBody: delivery.rawBody,
    status,
    errorCode: error?.code ?? null,
    errorMessage: error?.message ?? null,
    source: delivery.source ?? 'webhook',
  };
}

/**
 * SQLite on one thread: one better-sqlite3 connection, WAL, synchronous=FULL, every write through group
 * commit. Reads run directly and see committed data only. Several engines (threads or processes) may open
 * the same file: writes are serialised by SQLite's write lock (BEGIN IMMEDIATE).
 *
 * `SqliteStore` (the `Store`) runs one engine in its writer thread for every write and another on the
 * calling thread for reads. The engine takes events already prepared (`prepareEvents`), so the writer
 * thread loads neither contracts nor zod. Its methods otherwise follow the `Store` interface.
 */
export class SqliteEngine {
  readonly kind = 'sqlite' as const;
  readonly file: string;
  readonly #db: Database.Database;
  readonly #committer: GroupCommitter;
  readonly #feed = new ChangeFeed();
  readonly #statements = new Map<string, Database.Statement>();
  #closed = false;

  constructor(options: SqliteEngineOptions = {}) {
    this.file = options.file ?? DEFAULT_SQLITE_FILE;
    let db: Database.Database | undefined;
    try {
      if (this.file !== ':memory:') mkdirSync(dirname(resolve(this.file)), { recursive: true });
      db = new Database(this.file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      // Savepoint sub-journals stay in memory: a file-backed one doubles the system time of a batch.
      db.pragma('temp_store = MEMORY');
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
      db.pragma('foreign_keys = ON');
      // better-sqlite3 builds SQLite with a 16 MB page cache per connection, which an append-mostly
      // ingest fills within seconds (RSS) without reading it back; the OS page cache serves re-reads.
      db.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
      applySqliteMigrations(db);
    } catch (error) {
      db?.close();
      const mapped = mapSqliteError(error);
      if (mapped instanceof StoreError) throw mapped;
      throw new StoreUnavailableError(`cannot open the SQLite file ${this.file}: ${mapped.message}`, {
        cause: error,
      });
    }
    this.#db = db;
    this.#committer = new GroupCommitter(db, options.groupCommit);
  }

  async migrate(): Promise<void> {
    this.#read(() => applySqliteMigrations(this.#db));
  }

  async ping(): Promise<void> {
    this.#read(() => this.#stmt('SELECT 1').get());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#committer.close();
    this.#closed = true;
    this.#db.close();
  }

  stats(): StoreStats {
    return this.#committer.stats();
  }

  onChange(listener: StoreChangeListener): () => void {
    return this.#feed.subscribe(listener);
  }

  // --- ingest ------------------------------------------------------------------------------------

  /**
   * `Store.ingest` with the events already prepared (`prepareEvents`) and the handler names checked
   * (`uniqueHandlers`) by the caller, so this thread only writes.
   */
  async ingestPrepared(
    delivery: NewDelivery,
    prepared: PreparedEvent[],
    jobHandlers: string[],
  ): Promise<IngestResult> {
    const deliveryId = newId('dlv', delivery.receivedAt.getTime());
    const row = deliveryRow(delivery, deliveryId, 'stored', null);
    return this.#write((context) => {
      this.#stmt(INSERT_DELIVERY).run(row);
      const stored = this.#storeEvents(
        {
          deliveryId,
          shop: delivery.shop,
          event: delivery.event,
          receivedAt: row.receivedAt,
          source: row.source,
        },
        row.receivedAt,
        prepared,
        jobHandlers,
      );
      this.#notify(context, [
        { kind: 'delivery', deliveryId, shop: delivery.shop, event: delivery.event, status: 'stored' },
      ]);
      return { deliveryId, events: stored, duplicates: stored.filter((e) => e.duplicateOf !== null).length };
    });
  }

  async quarantine(delivery: NewDelivery, error: DecodeFailure): Promise<{ deliveryId: string }> {
    const deliveryId = newId('dlv', delivery.receivedAt.getTime());
    const row = deliveryRow(delivery, deliveryId, 'quarantined', error);
    return this.#write((context) => {
      this.#stmt(INSERT_DELIVERY).run(row);
      this.#notify(context, [
        { kind: 'delivery', deliveryId, shop: delivery.shop, event: delivery.event, status: 'quarantined' },
      ]);
      return { deliveryId };
    });
  }

  /** The event a delivery was received for (it never changes), or null when there is no such delivery. */
  deliveryEvent(deliveryId: string): WebhookEvent | null {
    const row = this.#read(() => this.#stmt('SELECT event FROM deliveries WHERE id = ?').get(deliveryId)) as
      | { event: WebhookEvent }
      | undefined;
    return row?.event ?? null;
  }

  /** `Store.reprocessQuarantined` with the events prepared for the delivery's event by the caller. */
  async reprocessPrepared(
    deliveryId: string,
    prepared: PreparedEvent[],
    jobHandlers: string[],
    options: { now?: Date } = {},
  ): Promise<IngestResult> {
    const now = ms(options.now);
    return this.#write((context) => {
      const delivery = this.#stmt(
        'SELECT id, shop, event, status, received_at FROM deliveries WHERE id = ?',
      ).get(deliveryId) as
        | { shop: string; event: WebhookEvent; status: string; received_at: number }
        | undefined;
      if (delivery === undefined) throw new StoreNotFoundError('delivery', deliveryId);
      if (delivery.status !== 'quarantined') {
        throw new StoreConflictError(
          `Delivery ${deliveryId} is ${delivery.status}, not quarantined: only quarantined deliveries can be re-processed.`,
        );
      }
      const stored = this.#storeEvents(
        {
          deliveryId,
          shop: delivery.shop,
          event: delivery.event,
          receivedAt: delivery.received_at,
          source: 'webhook',
        },
        now,
        prepared,
        jobHandlers,
      );
      this.#stmt("UPDATE deliveries SET status = 'reprocessed', reprocessed_at = ? WHERE id = ?").run(
        now,
        deliveryId,
      );
      this.#notify(context, [
        { kind: 'delivery', deliveryId, shop: delivery.shop, event: delivery.event, status: 'reprocessed' },
      ]);
      return { deliveryId, events: stored, duplicates: stored.filter((e) => e.duplicateOf !== null).length };
    });
  }

  /** Inserts events (duplicates linked to the earlier event) and one pending job per new event and handler. */
  #storeEvents(
    target: { deliveryId: string; shop: string; event: string; receivedAt: number; source: string },
    jobsAt: number,
    events: PreparedEvent[],
    handlers: string[],
  ): IngestedEvent[] {
    const insertEvent = this.#stmt(INSERT_EVENT);
    const findOriginal = this.#stmt(
      'SELECT id FROM events WHERE shop = ? AND event = ? AND dedupe_key = ? AND duplicate_of IS NULL',
    );
    const insertJob = this.#stmt(
      "INSERT INTO jobs (id, event_id, handler, status, run_at, created_at, updated_at) VALUES (?, ?, ?, 'pending', ?, ?, ?)",
    );
    return events.map((item) => {
      const id = newId('evt', target.receivedAt);
      const row = {
        id,
        deliveryId: target.deliveryId,
        shop: target.shop,
        event: target.event,
        receivedAt: target.receivedAt,
        dedupeKey: item.dedupeKey,
        subjectId: item.subjectId,
        payload: item.payloadJson,
        duplicateOf: null as string | null,
        orderNumber: item.orderNumber,
        customerName: item.customerName,
        grossTotal: item.grossTotal,
        currency: item.currency,
        searchText: item.searchText,
        status: (handlers.length > 0 ? 'pending' : 'stored') as EventStatus,
        source: target.source,
      };
      if (insertEvent.run(row).changes === 1) {
        for (const handler of handlers)
          insertJob.run(newId('job', jobsAt), id, handler, jobsAt, jobsAt, jobsAt);
        return { id, dedupeKey: item.dedupeKey, duplicateOf: null };
      }
      const original = findOriginal.get(target.shop, target.event, item.dedupeKey) as { id: string };
      insertEvent.run({ ...row, duplicateOf: original.id, status: 'duplicate' });
      return { id, dedupeKey: item.dedupeKey, duplicateOf: original.id };
    });
  }

  // --- reads ---------------------------------------------------------------------------------------

  async listDeliveries(filter: DeliveryFilter = {}): Promise<Page<DeliverySummary>> {
    return this.#read(() => {
      const query = deliveryListQuery(
        `${DELIVERY_SUMMARY_COLUMNS}, length(d.raw_body) AS body_bytes`,
        filter,
        dialect,
      );
      const rows = this.#stmt(query.sql).all(...query.values) as Row[];
      const page = rows.slice(0, query.limit);
      const ids = page.map((row) => String(row.id));
      const events = (
        this.#stmt(
          `SELECT ${EVENT_SUMMARY_COLUMNS} FROM events e WHERE e.delivery_id IN (SELECT value FROM json_each(?)) ORDER BY e.id`,
        ).all(JSON.stringify(ids)) as Row[]
      ).map((row) => toEventSummary(row, codec));
      const byDelivery = groupBy(events, (event) => event.deliveryId);
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

  async getDelivery(id: string): Promise<DeliveryDetail | null> {
    return this.#read(() => {
      const row = this.#stmt(
        `SELECT ${DELIVERY_SUMMARY_COLUMNS}, length(d.raw_body) AS body_bytes, d.headers, d.raw_body FROM deliveries d WHERE d.id = ?`,
      ).get(id) as Row | undefined;
      if (row === undefined) return null;
      const events = this.#stmt(
        `SELECT ${EVENT_RECORD_COLUMNS} FROM events e WHERE e.delivery_id = ? ORDER BY e.id`,
      ).all(id) as Row[];
      return {
        ...toDeliveryBase(row, codec),
        bodyBytes: Number(row.body_bytes),
        headers: JSON.parse(String(row.headers)) as Record<string, string>,
        rawBody: row.raw_body as Buffer,
        events: events.map((event) => toEventRecord(event, codec)),
      };
    });
  }

  async listEvents(filter: EventFilter = {}): Promise<Page<EventSummary>> {
    return this.#read(() => {
      const query = eventListQuery(EVENT_SUMMARY_COLUMNS, filter, dialect);
      const rows = this.#stmt(query.sql).all(...query.values) as Row[];
      const items = rows.slice(0, query.limit).map((row) => toEventSummary(row, codec));
      return { items, nextCursor: rows.length > query.limit ? (items.at(-1)?.id ?? null) : null };
    });
  }

  async getEvent(id: string): Promise<EventDetail | null> {
    return this.#read(() => {
      const row = this.#stmt(`SELECT ${EVENT_RECORD_COLUMNS} FROM events e WHERE e.id = ?`).get(id) as
        | Row
        | undefined;
      if (row === undefined) return null;
      const jobs = (
        this.#stmt(`SELECT ${JOB_COLUMNS} FROM jobs j WHERE j.event_id = ? ORDER BY j.id`).all(id) as Row[]
      ).map((job) => toJobRecord(job, codec));
      const attempts = (
        this.#stmt(
          `SELECT ${ATTEMPT_COLUMNS} FROM job_attempts a JOIN jobs j ON j.id = a.job_id WHERE j.event_id = ? ORDER BY a.job_id, a.attempt`,
        ).all(id) as Row[]
      ).map((attempt) => toAttemptRecord(attempt, codec));
      const byJob = groupBy(attempts, (attempt) => attempt.jobId);
      return {
        ...toEventRecord(row, codec),
        jobs: jobs.map((job) => ({ ...job, attemptLog: byJob.get(job.id) ?? [] })),
      };
    });
  }

  // --- jobs ----------------------------------------------------------------------------------------

  /**
   * Whether `claimJobs(options)` could find anything right now (a read; polling workers mostly find
   * nothing, and this answers that without a write transaction).
   */
  hasClaimableJobs(options: ClaimOptions): boolean {
    const limit = Math.max(0, Math.floor(options.limit));
    if (limit === 0 || options.handlers?.length === 0) return false;
    const now = ms(options.now);
    const handlers = options.handlers === undefined ? null : JSON.stringify(options.handlers);
    return this.#read(() => this.#stmt(SELECT_CLAIMABLE).get({ now, handlers, limit: 1 })) !== undefined;
  }

  async claimJobs(options: ClaimOptions): Promise<ClaimedJob[]> {
    if (!this.hasClaimableJobs(options)) return [];
    const now = ms(options.now);
    const expires = now + Math.max(1, Math.floor(options.leaseMs));
    const limit = Math.floor(options.limit);
    const handlers = options.handlers === undefined ? null : JSON.stringify(options.handlers);
    return this.#write((context) => {
      const picked = this.#stmt(SELECT_CLAIMABLE).all({ now, handlers, limit }) as Array<{ id: string }>;
      const lease = this.#stmt(
        "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = ?, lease_expires_at = ?, updated_at = ? WHERE id = ? RETURNING attempts",
      );
      const expireOpen = this.#stmt(
        "UPDATE job_attempts SET outcome = 'expired', finished_at = ? WHERE job_id = ? AND outcome = 'running'",
      );
      const logAttempt = this.#stmt(
        "INSERT INTO job_attempts (job_id, attempt, worker_id, started_at, outcome) VALUES (?, ?, ?, ?, 'running')",
      );
      const load = this.#stmt(
        `SELECT ${CLAIMED_JOB_COLUMNS} FROM jobs j JOIN events e ON e.id = j.event_id WHERE j.id = ?`,
      );
      const claimed = picked.map(({ id }) => {
        const { attempts } = lease.get(options.workerId, expires, now, id) as { attempts: number };
        expireOpen.run(now, id);
        logAttempt.run(id, attempts, options.workerId, now);
        return toClaimedJob(load.get(id) as Row, codec);
      });
      this.#notify(
        context,
        claimed.map((job) => ({
          kind: 'job',
          jobId: job.id,
          eventId: job.eventId,
          handler: job.handler,
          status: 'running',
        })),
      );
      return claimed;
    });
  }

  async completeJob(jobId: string, options: CompleteJobOptions): Promise<JobTransition> {
    const now = ms(options.now);
    return this.#write((context) => {
      const job = this.#jobState(jobId);
      this.#stmt(
        "UPDATE job_attempts SET outcome = 'succeeded', finished_at = ?, status_code = ?, error = NULL WHERE job_id = ? AND attempt = ? AND outcome IN ('running', 'expired')",
      ).run(now, options.statusCode ?? null, jobId, options.attempt);
      const applies =
        (job.status === 'running' || job.status === 'pending') &&
        options.attempt >= job.min_attempt &&
        options.attempt <= job.attempts;
      if (!applies) return { applied: false, status: job.status };
      this.#stmt(
        "UPDATE jobs SET status = 'succeeded', finished_at = ?, updated_at = ?, lease_owner = NULL, lease_expires_at = NULL, last_status_code = ?, last_error = NULL WHERE id = ?",
      ).run(now, now, options.statusCode ?? null, jobId);
      this.#afterJobChange(context, job, 'succeeded');
      return { applied: true, status: 'succeeded' };
    });
  }

  async failJob(jobId: string, options: FailJobOptions): Promise<JobTransition> {
    const now = ms(options.now);
    const { dead, runAt } = failureOutcome(options, new Date(now));
    return this.#write((context) => {
      const job = this.#jobState(jobId);
      this.#stmt(
        "UPDATE job_attempts SET outcome = ?, finished_at = ?, status_code = ?, error = ? WHERE job_id = ? AND attempt = ? AND outcome IN ('running', 'expired')",
      ).run(dead ? 'dead' : 'failed', now, options.statusCode ?? null, options.error, jobId, options.attempt);
      if (job.status !== 'running' || job.attempts !== options.attempt)
        return { applied: false, status: job.status };
      const status: JobStatus = dead ? 'dead' : 'pending';
      this.#stmt(
        `UPDATE jobs SET status = ?, run_at = ?, finished_at = ?, failures = failures + 1, last_error = ?, last_status_code = ?,
           lease_owner = NULL, lease_expires_at = NULL, updated_at = ? WHERE id = ?`,
      ).run(
        status,
        runAt.getTime(),
        dead ? now : null,
        options.error,
        options.statusCode ?? null,
        now,
        jobId,
      );
      this.#afterJobChange(context, job, status);
      return { applied: true, status };
    });
  }

  async releaseJob(
    jobId: string,
    options: { attempt: number; reason: string; now?: Date },
  ): Promise<JobTransition> {
    const now = ms(options.now);
    return this.#write((context) => {
      const job = this.#jobState(jobId);
      this.#stmt(
        "UPDATE job_attempts SET outcome = 'released', finished_at = ?, error = ? WHERE job_id = ? AND attempt = ? AND outcome = 'running'",
      ).run(now, options.reason, jobId, options.attempt);
      if (job.status !== 'running' || job.attempts !== options.attempt)
        return { applied: false, status: job.status };
      this.#stmt(
        "UPDATE jobs SET status = 'pending', run_at = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ? WHERE id = ?",
      ).run(now, now, jobId);
      this.#afterJobChange(context, job, 'pending');
      return { applied: true, status: 'pending' };
    });
  }

  async extendLease(
    jobId: string,
    options: { attempt: number; leaseMs: number; now?: Date },
  ): Promise<JobTransition> {
    const now = ms(options.now);
    return this.#write(() => {
      const job = this.#jobState(jobId);
      if (job.status !== 'running' || job.attempts !== options.attempt)
        return { applied: false, status: job.status };
      this.#stmt('UPDATE jobs SET lease_expires_at = ?, updated_at = ? WHERE id = ?').run(
        now + Math.max(1, Math.floor(options.leaseMs)),
        now,
        jobId,
      );
      return { applied: true, status: 'running' };
    });
  }

  async listDeadLetters(filter: DeadLetterFilter = {}): Promise<DeadLetter[]> {
    return this.#read(() => {
      const query = deadLetterQuery(JOB_COLUMNS, filter, dialect);
      const jobs = (this.#stmt(query.sql).all(...query.values) as Row[]).map((row) =>
        toJobRecord(row, codec),
      );
      const events = (
        this.#stmt(
          `SELECT ${EVENT_SUMMARY_COLUMNS} FROM events e WHERE e.id IN (SELECT value FROM json_each(?))`,
        ).all(JSON.stringify([...new Set(jobs.map((job) => job.eventId))])) as Row[]
      ).map((row) => toEventSummary(row, codec));
      const byId = new Map(events.map((event) => [event.id, event]));
      return jobs.flatMap((job) => {
        const event = byId.get(job.eventId);
        return event === undefined ? [] : [{ job, event }];
      });
    });
  }

  async replayEvent(eventId: string, options: { handler?: string; now?: Date } = {}): Promise<ReplayResult> {
    const now = ms(options.now);
    return this.#write((context) => {
      const event = this.#stmt('SELECT id, duplicate_of FROM events WHERE id = ?').get(eventId) as
        | { duplicate_of: string | null }
        | undefined;
      if (event === undefined) throw new StoreNotFoundError('event', eventId);
      if (event.duplicate_of !== null) {
        throw new StoreConflictError(
          `Event ${eventId} is a duplicate of ${event.duplicate_of} and has no jobs; replay ${event.duplicate_of} instead.`,
        );
      }
      this.#stmt('UPDATE events SET held = 0 WHERE id = ?').run(eventId);
      let jobIds: string[];
      if (options.handler === undefined) {
        jobIds = (
          this.#stmt('SELECT id FROM jobs WHERE event_id = ? ORDER BY id').all(eventId) as Array<{
            id: string;
          }>
        ).map((row) => row.id);
      } else {
        const existing = this.#stmt('SELECT id FROM jobs WHERE event_id = ? AND handler = ?').get(
          eventId,
          options.handler,
        ) as { id: string } | undefined;
        if (existing === undefined) {
          const id = newId('job', now);
          this.#stmt(
            "INSERT INTO jobs (id, event_id, handler, status, run_at, created_at, updated_at) VALUES (?, ?, ?, 'pending', ?, ?, ?)",
          ).run(id, eventId, options.handler, now, now, now);
          jobIds = [id];
        } else {
          jobIds = [existing.id];
        }
      }
      const jobs = this.#resetJobs(jobIds, now);
      this.#notifyJobs(context, jobs);
      this.#notifyEvent(context, eventId);
      return { jobs };
    });
  }

  async replayDeadLetters(filter: DeadLetterFilter & { now?: Date } = {}): Promise<ReplayResult> {
    const now = ms(filter.now);
    return this.#write((context) => {
      const query = deadLetterQuery('j.id, j.event_id', filter, dialect);
      const rows = this.#stmt(query.sql).all(...query.values) as Array<{ id: string; event_id: string }>;
      const jobs = this.#resetJobs(
        rows.map((row) => row.id),
        now,
      );
      this.#notifyJobs(context, jobs);
      for (const eventId of new Set(rows.map((row) => row.event_id))) this.#notifyEvent(context, eventId);
      return { jobs };
    });
  }

  async revokeAdminSession(sessionId: string, expiresAt: Date, options: { now?: Date } = {}): Promise<void> {
    const now = ms(options.now);
    return this.#write(() => {
      this.#stmt('DELETE FROM admin_session_revocations WHERE expires_at <= ?').run(now);
      this.#stmt(
        'INSERT INTO admin_session_revocations (session_id, expires_at) VALUES (?, ?) ON CONFLICT (session_id) DO NOTHING',
      ).run(sessionId, expiresAt.getTime());
    });
  }

  async isAdminSessionRevoked(sessionId: string, options: { now?: Date } = {}): Promise<boolean> {
    return this.#read(
      () =>
        this.#stmt('SELECT 1 FROM admin_session_revocations WHERE session_id = ? AND expires_at > ?').get(
          sessionId,
          ms(options.now),
        ) !== undefined,
    );
  }

  // --- recovery ------------------------------------------------------------------------------------

  async getRecoveryState(shop: string): Promise<RecoveryState | null> {
    return this.#read(() => {
      const row = this.#stmt(
        'SELECT shop, watermark, consecutive_failures, last_pass FROM recovery_state WHERE shop = ?',
      ).get(shop) as Record<string, unknown> | undefined;
      return row === undefined ? null : toRecoveryState(row);
    });
  }

  async listRecoveryStates(): Promise<RecoveryState[]> {
    return this.#read(() =>
      (
        this.#stmt(
          'SELECT shop, watermark, consecutive_failures, last_pass FROM recovery_state ORDER BY shop',
        ).all() as Record<string, unknown>[]
      ).map(toRecoveryState),
    );
  }

  async recordRecoveryPass(shop: string, record: RecoveryPassRecord): Promise<void> {
    const failed = record.pass.outcome === 'failed' ? 1 : 0;
    return this.#write(() => {
      this.#stmt(
        `INSERT INTO recovery_state (shop, watermark, consecutive_failures, last_pass) VALUES (@shop, @watermark, @failed, @pass)
         ON CONFLICT (shop) DO UPDATE SET
           watermark = CASE WHEN excluded.watermark IS NULL THEN recovery_state.watermark
             WHEN recovery_state.watermark IS NULL OR excluded.watermark > recovery_state.watermark THEN excluded.watermark
             ELSE recovery_state.watermark END,
           consecutive_failures = CASE WHEN @failed = 1 THEN recovery_state.consecutive_failures + 1 ELSE 0 END,
           last_pass = excluded.last_pass`,
      ).run({
        shop,
        watermark: record.watermark?.getTime() ?? null,
        failed,
        pass: passToJson(record.pass),
      });
    });
  }

  async knownDedupeKeys(shop: string, event: WebhookEvent, keys: readonly string[]): Promise<string[]> {
    if (keys.length === 0) return [];
    return this.#read(() =>
      (
        this.#stmt(
          'SELECT dedupe_key FROM events WHERE shop = ? AND event = ? AND duplicate_of IS NULL AND dedupe_key IN (SELECT value FROM json_each(?))',
        ).all(shop, event, JSON.stringify(keys)) as { dedupe_key: string }[]
      ).map((row) => row.dedupe_key),
    );
  }

  async knownSubjects(shop: string, event: WebhookEvent, subjectIds: readonly string[]): Promise<string[]> {
    if (subjectIds.length === 0) return [];
    return this.#read(() =>
      (
        this.#stmt(
          'SELECT DISTINCT subject_id FROM events WHERE shop = ? AND event = ? AND subject_id IN (SELECT value FROM json_each(?))',
        ).all(shop, event, JSON.stringify(subjectIds)) as { subject_id: string }[]
      ).map((row) => row.subject_id),
    );
  }

  async lastDeliveryAt(shop: string): Promise<Date | null> {
    return this.#read(() => {
      const row = this.#stmt(
        "SELECT max(received_at) AS at FROM deliveries WHERE shop = ? AND source = 'webhook'",
      ).get(shop) as { at: number | null };
      return row.at === null ? null : new Date(Number(row.at));
    });
  }

  /** One chunk of a prune, in one write transaction (SqliteStore.prune loops over the chunks). */
  async pruneChunk(options: PruneChunkOptions): Promise<PruneChunkResult> {
    return this.#write(() =>
      runPlanSync(pruneChunk(dialect, options), (step) => {
        // Not cached: the statements' IN lists vary in length.
        const statement = this.#db.prepare(step.sql);
        if (statement.reader) return statement.all(...step.values) as Row[];
        statement.run(...step.values);
        return [];
      }),
    );
  }

  async setEventVerification(eventId: string, update: VerificationUpdate): Promise<void> {
    const hold = update.hold ?? update.status === 'mismatched';
    return this.#write((context) => {
      const result = this.#stmt(
        'UPDATE events SET verification = ?, verification_detail = ?, held = ? WHERE id = ?',
      ).run(update.status, update.detail ?? null, hold ? 1 : 0, eventId);
      if (result.changes === 0) throw new StoreNotFoundError('event', eventId);
      this.#notifyEvent(context, eventId);
    });
  }

  async disableHandler(handler: string, options: { reason: string; now?: Date }): Promise<void> {
    return this.#setHandlerState(handler, true, options.reason, ms(options.now));
  }

  async enableHandler(handler: string, options: { now?: Date } = {}): Promise<void> {
    return this.#setHandlerState(handler, false, null, ms(options.now));
  }

  async listHandlerStates(): Promise<HandlerState[]> {
    return this.#read(() =>
      (
        this.#stmt(
          'SELECT handler, disabled, reason, changed_at FROM handler_states ORDER BY handler',
        ).all() as Row[]
      ).map((row) => ({
        handler: String(row.handler),
        disabled: Number(row.disabled) === 1,
        reason: row.reason === null ? null : String(row.reason),
        changedAt: new Date(Number(row.changed_at)),
      })),
    );
  }

  async countJobs(): Promise<JobCounts> {
    // Each count reads one index, not the table: pending, running and dead from their partial indexes,
    // the total from the primary key index; succeeded is what remains (a scrape every few seconds must
    // stay cheap with millions of finished jobs).
    return this.#read(() => {
      const row = this.#stmt(
        `SELECT (SELECT count(*) FROM jobs) AS total,
           (SELECT count(*) FROM jobs WHERE status = 'pending') AS pending,
           (SELECT count(*) FROM jobs WHERE status = 'running') AS running,
           (SELECT count(*) FROM jobs WHERE status = 'dead') AS dead`,
      ).get() as { total: number; pending: number; running: number; dead: number };
      return {
        pending: row.pending,
        running: row.running,
        dead: row.dead,
        succeeded: row.total - row.pending - row.running - row.dead,
      };
    });
  }

  // --- internals -----------------------------------------------------------------------------------

  #setHandlerState(handler: string, disabled: boolean, reason: string | null, now: number): Promise<void> {
    return this.#write(() => {
      this.#stmt(
        `INSERT INTO handler_states (handler, disabled, reason, changed_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (handler) DO UPDATE SET disabled = excluded.disabled, reason = excluded.reason, changed_at = excluded.changed_at`,
      ).run(handler, disabled ? 1 : 0, reason, now);
    });
  }

  #jobState(jobId: string): JobStateRow {
    const job = this.#stmt(
      'SELECT id, event_id, handler, status, attempts, min_attempt FROM jobs WHERE id = ?',
    ).get(jobId) as JobStateRow | undefined;
    if (job === undefined) throw new StoreNotFoundError('job', jobId);
    return job;
  }

  #resetJobs(jobIds: readonly string[], now: number): JobRecord[] {
    const reset = this.#stmt(RESET_JOB);
    const load = this.#stmt(`SELECT ${JOB_COLUMNS} FROM jobs j WHERE j.id = ?`);
    const refreshed = new Set<string>();
    return jobIds.map((id) => {
      reset.run({ id, now });
      const job = toJobRecord(load.get(id) as Row, codec);
      if (!refreshed.has(job.eventId)) {
        this.#refreshEventStatus(job.eventId);
        refreshed.add(job.eventId);
      }
      return job;
    });
  }

  #refreshEventStatus(eventId: string): EventStatus {
    const row = this.#stmt(refreshEventStatusSql('?')).get(eventId) as { status: EventStatus } | undefined;
    if (row === undefined) throw new StoreNotFoundError('event', eventId);
    return row.status;
  }

  #afterJobChange(context: WriteContext, job: JobStateRow, status: JobStatus): void {
    const eventStatus = this.#refreshEventStatus(job.event_id);
    this.#notify(context, [
      { kind: 'job', jobId: job.id, eventId: job.event_id, handler: job.handler, status },
      { kind: 'event', eventId: job.event_id, status: eventStatus },
    ]);
  }

  #notifyJobs(context: WriteContext, jobs: readonly JobRecord[]): void {
    this.#notify(
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

  #notifyEvent(context: WriteContext, eventId: string): void {
    const status = this.#refreshEventStatus(eventId);
    this.#notify(context, [{ kind: 'event', eventId, status }]);
  }

  #notify(context: WriteContext, changes: StoreChange[]): void {
    if (changes.length > 0) context.afterCommit(() => this.#feed.emit(changes));
  }

  #stmt(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #write<T>(write: (context: WriteContext) => T): Promise<T> {
    return this.#committer.run(write);
  }

  #read<T>(read: () => T): T {
    if (this.#closed) throw new StoreUnavailableError('the SQLite store is closed');
    try {
      return read();
    } catch (error) {
      throw mapSqliteError(error);
    }
  }
}

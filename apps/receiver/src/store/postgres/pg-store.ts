import type { WebhookEvent } from '@srhooks/contracts';
import pg from 'pg';
import { ChangeFeed } from '../change-feed.js';
import { refreshEventStatusSql } from '../event-status-sql.js';
import { failureOutcome } from '../job-failure.js';
import { deadLetterQuery, deliveryListQuery, eventListQuery } from '../list-query.js';
import { type PreparedEvent, prepareEvents, uniqueHandlers } from '../prepared-event.js';
import { pruneChunk, pruneInChunks, runPlan } from '../prune-plan.js';
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
import { dollarParams, type SqlDialect } from '../sql-params.js';
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
  NewEvent,
  Page,
  PruneCounts,
  PruneOptions,
  RecoveryPassRecord,
  RecoveryState,
  ReplayResult,
  Store,
  StoreChange,
  StoreChangeListener,
  StoreStats,
  VerificationUpdate,
} from '../store.js';
import {
  StoreConfigError,
  StoreConflictError,
  StoreNotFoundError,
  StoreUnavailableError,
} from '../store-errors.js';
import { emptyStoreStats, recordCommit } from '../store-stats.js';
import { AdaptiveBatcher, type ItemOutcome } from './adaptive-batcher.js';
import { PgChangeRelay, type RelayStats } from './pg-change-relay.js';
import { isPgUnavailable, mapPgError } from './pg-errors.js';
import {
  type DeliveryOutcome,
  type DeliveryWrite,
  INGEST_BATCH_SQL,
  INGEST_SET_SQL,
  ingestBatchArguments,
  toOutcomes,
} from './pg-ingest-batch.js';
import { applyPgMigrations, SCHEMA_NAME } from './pg-migrations.js';
import * as recovery from './pg-recovery.js';
import { pgValues } from './pg-text.js';

export interface PgStoreOptions {
  /** `postgres://user@host:port/db`. */
  url: string;
  /** Schema holding the tables (created if absent). Default: the server's search_path (usually `public`). */
  schema?: string;
  /** Connections in the pool. Default 10. */
  poolSize?: number;
  /** Give up opening a connection after this long (unreachable server → StoreUnavailableError). Default 2000 ms. */
  connectTimeoutMs?: number;
  /**
   * Give up waiting for a free pooled connection after this long. Default 10000 ms: a burst larger than
   * the pool queues instead of failing, while an unreachable server still fails each attempt within
   * connectTimeoutMs. Callers that must answer sooner put their own timeout around store calls.
   */
  acquireTimeoutMs?: number;
  /** Give up waiting for a query's answer after this long. Default 10000 ms. */
  queryTimeoutMs?: number;
  /**
   * Group commit: at most this many ingest/quarantine calls run at once; deliveries arriving meanwhile
   * wait and go together in the next call (one round trip, one transaction; set-based from 4 deliveries).
   * Default 2 (at most the pool size): fewer, larger calls cost less per delivery on both sides (bench,
   * 50 connections: 4.6 deliveries per call and 390 us of event-loop time per request with 5 calls in
   * flight, 10.6 and 284 us with 2), and a second call keeps ingest moving while one waits on a lock.
   */
  ingestConcurrency?: number;
  /** Most deliveries in one ingest call. Default 256. */
  maxBatch?: number;
  /**
   * Share the change feed with the other instances on this database and schema (pg_notify / LISTEN), so
   * `onChange` listeners (the inspector's live stream, job worker wake-ups) see their commits too.
   * Default true.
   */
  shareChanges?: boolean;
}

const DEFAULT_INGEST_CONCURRENCY = 2;
/**
 * Outcome transactions at a time. One: batches then never lock the same events in different orders
 * (two batches each finishing jobs of events A and B could otherwise deadlock); while one commits, the
 * next outcomes queue and share the following transaction.
 */
const OUTCOME_CONCURRENCY = 1;

/** One job's outcome write (completeJob, failJob), run inside the transaction of its batch. */
type OutcomeWrite = (context: WriteContext) => Promise<JobTransition>;

/**
 * Batches this large go to the set-based srhooks_ingest_set; smaller ones to the per-delivery
 * srhooks_ingest_batch, whose fixed cost per call is lower (PostgreSQL backend CPU per delivery,
 * batches of 1 / 2 / 4 / 6 / 10: per-delivery ≈ 280-390 / 210 / 150-175 / 160 / 128-133 µs,
 * set-based ≈ 400-470 / 240 / 156-175 / 130-150 / 100-120 µs).
 */
const SET_BASED_MIN_BATCH = 4;

const codec: RowCodec = {
  date: (value) => (value instanceof Date ? value : new Date(String(value))),
  json: (value) => value,
  bool: (value) => value === true,
};

const dialect: SqlDialect = { params: dollarParams, time: (value) => value };

interface WriteContext {
  client: SqlRunner;
  changes: StoreChange[];
}

const CLAIM_SQL = `WITH picked AS (
    SELECT j.id FROM jobs j JOIN events e ON e.id = j.event_id
    WHERE ((j.status = 'pending' AND j.run_at <= $1) OR (j.status = 'running' AND j.lease_expires_at <= $1))
      AND NOT e.held
      AND ($2::text[] IS NULL OR j.handler = ANY ($2::text[]))
      AND NOT EXISTS (SELECT 1 FROM handler_states h WHERE h.handler = j.handler AND h.disabled)
    ORDER BY j.run_at, j.id
    LIMIT $3
    FOR UPDATE OF j SKIP LOCKED
  ), leased AS (
    UPDATE jobs SET status = 'running', attempts = jobs.attempts + 1, lease_owner = $4, lease_expires_at = $5, updated_at = $1
    FROM picked WHERE jobs.id = picked.id
    RETURNING jobs.*
  ), expired AS (
    UPDATE job_attempts a SET outcome = 'expired', finished_at = $1
    FROM leased l WHERE a.job_id = l.id AND a.outcome = 'running'
  ), logged AS (
    INSERT INTO job_attempts (job_id, attempt, worker_id, started_at, outcome)
    SELECT l.id, l.attempts, $4, $1, 'running' FROM leased l
  )
  SELECT ${CLAIMED_JOB_COLUMNS} FROM leased j JOIN events e ON e.id = j.event_id ORDER BY j.run_at, j.id`;

const RESET_JOBS_SQL = `UPDATE jobs j SET status = 'pending', run_at = $2, failures = 0, min_attempt = attempts + 1,
    lease_owner = NULL, lease_expires_at = NULL, finished_at = NULL, updated_at = $2
  WHERE j.id = ANY ($1::text[])
  RETURNING ${JOB_COLUMNS}`;

function at(date: Date | undefined): Date {
  return date ?? new Date();
}

/** Outcome rows of `srhooks_store_events` / the batch → the IngestResult events. */
function toIngested(
  eventIds: readonly string[],
  events: readonly PreparedEvent[],
  duplicates: ReadonlyArray<string | null>,
): IngestedEvent[] {
  return eventIds.map((id, index) => ({
    id,
    dedupeKey: events[index]?.dedupeKey ?? '',
    duplicateOf: duplicates[index] ?? null,
  }));
}

/** Deadlock and serialization failures: the delivery's subtransaction rolled back and can simply run again. */
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);

/** A runner whose string parameters are made storable in PostgreSQL text (see pgText). */
interface SqlRunner {
  query(text: string | pg.QueryConfig, values?: unknown[]): Promise<pg.QueryResult<Row>>;
}

function cleanTextRunner(target: pg.Pool | pg.PoolClient): SqlRunner {
  return {
    query: (text, values) =>
      typeof text === 'string'
        ? target.query<Row>(text, pgValues(values ?? []))
        : target.query<Row>({ ...text, values: pgValues(text.values ?? []) }),
  };
}

/**
 * A pooled connection that can never take the process down. pg-pool listens for a client's 'error'
 * only while the client is idle in the pool (and pool.query only during its query): a client checked
 * out and held across several queries (a job transaction, the migrations) has no listener between
 * them, and a backend terminated or a connection cut right then emitted an unhandled 'error' that
 * ended the process. This listener stays for the client's whole life; the error is kept, so the
 * client is released as broken (the pool drops it and opens a fresh one for the next caller).
 */
class StoreClient extends pg.Client {
  lostWith: unknown = null;

  constructor(config?: pg.ClientConfig) {
    super(config);
    this.on('error', (error) => {
      this.lostWith ??= error;
    });
  }
}

/** A resent delivery refused because its own id is stored now: the interrupted call committed it. */
function committedMeanwhile(outcome: DeliveryOutcome | undefined): boolean {
  return outcome?.ok === false && outcome.code === '23505' && outcome.message.includes('deliveries_pkey');
}

/** Returns a checked-out client to the pool; broken (dropped) when it failed or lost its connection. */
function releaseClient(client: pg.PoolClient, broken: boolean): void {
  client.release(broken || (client as unknown as StoreClient).lostWith !== null);
}

/**
 * PostgreSQL engine for several receiver instances sharing one database. Migrations run before the first
 * operation (or explicitly via migrate()). Connection failures surface as StoreUnavailableError within
 * the connect timeout; the pool reconnects by itself when the server is back.
 */
export class PgStore implements Store {
  readonly kind = 'postgres' as const;
  readonly schema: string | null;
  /** The connection string (the app-mode shop store opens its own small pool on the same database). */
  readonly url: string;
  readonly #pool: pg.Pool;
  /** What every connection of this store is opened with (the pool's, and a recovery's fresh one). */
  readonly #clientConfig: pg.ClientConfig;
  readonly #feed = new ChangeFeed();
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #stats: StoreStats = emptyStoreStats();
  readonly #db: SqlRunner;
  readonly #ingestBatcher: AdaptiveBatcher<DeliveryWrite, Array<string | null>>;
  /** Group commit of job outcomes: those of jobs finishing close together share one transaction. */
  readonly #outcomeBatcher: AdaptiveBatcher<OutcomeWrite, JobTransition>;
  readonly #relay: PgChangeRelay | null;
  #migrated: Promise<void> | null = null;
  #closed = false;

  constructor(options: PgStoreOptions) {
    if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
      throw new StoreConfigError(
        `PostgreSQL schema "${options.schema}" is not allowed: use lower-case letters, digits and _ (max 63, not starting with a digit).`,
      );
    }
    this.schema = options.schema ?? null;
    this.url = options.url;
    const connectTimeoutMs = options.connectTimeoutMs ?? 2000;
    /** pg-pool uses one timeout for both queueing and connecting; this client keeps the connect one short. */
    class PooledStoreClient extends StoreClient {
      constructor(config?: pg.ClientConfig) {
        super({ ...config, connectionTimeoutMillis: connectTimeoutMs });
      }
    }
    this.#clientConfig = {
      connectionString: options.url,
      connectionTimeoutMillis: connectTimeoutMs,
      query_timeout: options.queryTimeoutMs ?? 10_000,
      keepAlive: true,
      application_name: 'srhooks-receiver',
      ...(this.schema === null ? {} : { options: `-c search_path=${this.schema}` }),
    };
    this.#pool = new pg.Pool({
      ...this.#clientConfig,
      max: options.poolSize ?? 10,
      Client: PooledStoreClient,
      connectionTimeoutMillis: Math.max(options.acquireTimeoutMs ?? 10_000, connectTimeoutMs),
    });
    // An idle connection that breaks (server restart) is dropped by the pool; the next query reconnects.
    this.#pool.on('error', () => {});
    this.#db = cleanTextRunner(this.#pool);
    const poolSize = options.poolSize ?? 10;
    this.#ingestBatcher = new AdaptiveBatcher<DeliveryWrite, Array<string | null>>(
      (writes) => this.#sendIngestBatch(writes),
      {
        maxInFlight: options.ingestConcurrency ?? Math.min(DEFAULT_INGEST_CONCURRENCY, poolSize),
        maxBatch: options.maxBatch ?? 256,
        maxRetries: 3,
      },
      (size, durationMs) => this.#committed(size, durationMs),
    );
    this.#outcomeBatcher = new AdaptiveBatcher<OutcomeWrite, JobTransition>(
      (writes) => this.#sendOutcomeBatch(writes),
      { maxInFlight: OUTCOME_CONCURRENCY, maxBatch: options.maxBatch ?? 256, maxRetries: 0 },
    );
    this.#relay =
      options.shareChanges === false
        ? null
        : new PgChangeRelay({
            url: options.url,
            schema: this.schema,
            connectTimeoutMs,
            query: (text, values) => this.#pool.query(text, values),
            onRemote: (changes) => this.#feed.emit(changes),
          });
  }

  async migrate(): Promise<void> {
    if (this.#closed) throw new StoreUnavailableError('the PostgreSQL store is closed');
    await this.#applyMigrations();
    this.#migrated = Promise.resolve();
  }

  async #applyMigrations(): Promise<void> {
    const client = await this.#connect();
    let broken = false;
    try {
      await applyPgMigrations(client, this.schema);
    } catch (error) {
      broken = isPgUnavailable(error);
      throw mapPgError(error);
    } finally {
      releaseClient(client, broken);
    }
  }

  async ping(): Promise<void> {
    await this.#run(async () => {
      await this.#db.query('SELECT 1');
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#inFlight]);
    await this.#relay?.close();
    await this.#pool.end();
  }

  stats(): StoreStats {
    return { ...this.#stats };
  }

  /**
   * Listeners get this instance's commits as they happen and, unless `shareChanges` is false, the other
   * instances' on this database and schema a moment later (best effort: see PgChangeRelay).
   */
  onChange(listener: StoreChangeListener): () => void {
    if (!this.#closed) void this.#relay?.listen();
    return this.#feed.subscribe(listener);
  }

  /** Whether other instances' changes are being received, and how many were relayed each way. */
  relayStats(): RelayStats | null {
    return this.#relay?.stats() ?? null;
  }

  /** Committed changes: to this instance's listeners now, and to the other instances'. */
  #emit(changes: StoreChange[]): void {
    this.#feed.emit(changes);
    this.#relay?.publish(changes);
  }

  // --- ingest ------------------------------------------------------------------------------------

  async ingest(delivery: NewDelivery, events: NewEvent[], handlers: string[]): Promise<IngestResult> {
    if (delivery.source === 'recovery') return this.#ingestRecovered(delivery, events, handlers);
    const prepared = prepareEvents(delivery.event, events);
    const write = this.#deliveryWrite(delivery, 'stored', null, prepared, uniqueHandlers(handlers));
    return this.#run(async () => {
      const duplicates = await this.#ingestBatcher.submit(write);
      const stored = toIngested(write.eventIds, prepared, duplicates);
      this.#emit([
        {
          kind: 'delivery',
          deliveryId: write.id,
          shop: delivery.shop,
          event: delivery.event,
          status: 'stored',
        },
      ]);
      return {
        deliveryId: write.id,
        events: stored,
        duplicates: stored.filter((e) => e.duplicateOf !== null).length,
      };
    });
  }

  /**
   * The record of a recovery pass and its events in one transaction, marked `source = 'recovery'`
   * (rare and small, so it takes the plain path rather than the batched ingest functions).
   */
  async #ingestRecovered(
    delivery: NewDelivery,
    events: NewEvent[],
    handlers: string[],
  ): Promise<IngestResult> {
    const prepared = prepareEvents(delivery.event, events);
    const jobHandlers = uniqueHandlers(handlers);
    const receivedAt = delivery.receivedAt;
    const deliveryId = newId('dlv', receivedAt.getTime());
    const eventIds = prepared.map(() => newId('evt', receivedAt.getTime()));
    return this.#transaction(async ({ client, changes }) => {
      await client.query(
        `INSERT INTO deliveries (id, received_at, shop, event, remote_address, headers, content_type, raw_body, status, source)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'stored', 'recovery')`,
        [
          deliveryId,
          receivedAt,
          delivery.shop,
          delivery.event,
          delivery.remoteAddress,
          JSON.stringify(delivery.headers),
          delivery.contentType,
          delivery.rawBody,
        ],
      );
      const result = await client.query(
        `SELECT srhooks_store_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) AS duplicates`,
        [
          deliveryId,
          delivery.shop,
          delivery.event,
          receivedAt,
          receivedAt,
          eventIds,
          prepared.map((e) => e.dedupeKey),
          prepared.map((e) => e.subjectId),
          prepared.map((e) => e.orderNumber),
          prepared.map((e) => e.customerName),
          prepared.map((e) => e.grossTotal),
          prepared.map((e) => e.currency),
          prepared.map((e) => e.searchText),
          prepared.map((e) => e.payloadJson),
          jobHandlers,
          prepared.flatMap(() => jobHandlers.map(() => newId('job', receivedAt.getTime()))),
        ],
      );
      await client.query("UPDATE events SET source = 'recovery' WHERE delivery_id = $1", [deliveryId]);
      changes.push({
        kind: 'delivery',
        deliveryId,
        shop: delivery.shop,
        event: delivery.event,
        status: 'stored',
      });
      const stored = toIngested(
        eventIds,
        prepared,
        (result.rows[0]?.duplicates as Array<string | null>) ?? [],
      );
      return { deliveryId, events: stored, duplicates: stored.filter((e) => e.duplicateOf !== null).length };
    });
  }

  // --- recovery state ------------------------------------------------------------------------------

  getRecoveryState(shop: string): Promise<RecoveryState | null> {
    return this.#run(() => recovery.getRecoveryState(this.#db, shop));
  }

  listRecoveryStates(): Promise<RecoveryState[]> {
    return this.#run(() => recovery.listRecoveryStates(this.#db));
  }

  recordRecoveryPass(shop: string, record: RecoveryPassRecord): Promise<void> {
    return this.#run(() => recovery.recordRecoveryPass(this.#db, shop, record));
  }

  lastDeliveryAt(shop: string): Promise<Date | null> {
    return this.#run(() => recovery.lastDeliveryAt(this.#db, shop));
  }

  knownSubjects(shop: string, event: WebhookEvent, subjectIds: readonly string[]): Promise<string[]> {
    return this.#run(() => recovery.knownSubjects(this.#db, shop, event, subjectIds));
  }

  knownDedupeKeys(shop: string, event: WebhookEvent, keys: readonly string[]): Promise<string[]> {
    return this.#run(() => recovery.knownDedupeKeys(this.#db, shop, event, keys));
  }

  /**
   * A session advisory lock per (schema, shop), held on its own connection for the whole pass: two
   * instances never recover one shop at once, and a crashed instance's lock ends with its connection.
   */
  async withRecoveryLock<T>(
    shop: string,
    work: () => Promise<T>,
  ): Promise<{ acquired: true; value: T } | { acquired: false }> {
    const name = recovery.recoveryLockName(this.schema, shop);
    const client = await this.#run(() => this.#connect());
    let broken = false;
    try {
      const locked = await client.query('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [name]);
      if (locked.rows[0]?.ok !== true) return { acquired: false };
      try {
        return { acquired: true, value: await work() };
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [name]).catch((error: unknown) => {
          broken = true;
          return error;
        });
      }
    } catch (error) {
      broken ||= isPgUnavailable(error);
      throw mapPgError(error);
    } finally {
      client.release(broken);
    }
  }

  async quarantine(delivery: NewDelivery, error: DecodeFailure): Promise<{ deliveryId: string }> {
    const write = this.#deliveryWrite(delivery, 'quarantined', error, [], []);
    return this.#run(async () => {
      await this.#ingestBatcher.submit(write);
      this.#emit([
        {
          kind: 'delivery',
          deliveryId: write.id,
          shop: delivery.shop,
          event: delivery.event,
          status: 'quarantined',
        },
      ]);
      return { deliveryId: write.id };
    });
  }

  #deliveryWrite(
    delivery: NewDelivery,
    status: 'stored' | 'quarantined',
    error: DecodeFailure | null,
    events: PreparedEvent[],
    handlers: string[],
  ): DeliveryWrite {
    const receivedAt = delivery.receivedAt.getTime();
    return {
      id: newId('dlv', receivedAt),
      receivedAt: delivery.receivedAt,
      shop: delivery.shop,
      event: delivery.event,
      remoteAddress: delivery.remoteAddress,
      headers: delivery.headers,
      contentType: delivery.contentType,
      rawBody: delivery.rawBody,
      status,
      error,
      events,
      eventIds: events.map(() => newId('evt', receivedAt)),
      handlers,
      jobIds: events.flatMap(() => handlers.map(() => newId('job', receivedAt))),
    };
  }

  /**
   * One call of srhooks_ingest_set (set-based; on any error it falls back, in the same call, to the
   * per-delivery path) or, for a small batch, of srhooks_ingest_batch (per-delivery); a delivery that
   * failed inside it is retried (deadlock) or rejected alone.
   */
  async #sendIngestBatch(writes: DeliveryWrite[]): Promise<Array<ItemOutcome<Array<string | null>>>> {
    let outcomes: DeliveryOutcome[];
    try {
      outcomes = await this.#callIngest(writes);
    } catch (error) {
      if (this.#closed || !isPgUnavailable(error)) throw error;
      outcomes = await this.#recoverIngest(writes, error);
    }
    return outcomes.map((outcome) =>
      outcome.ok
        ? { ok: true, value: outcome.duplicates }
        : {
            ok: false,
            error: mapPgError(Object.assign(new Error(outcome.message), { code: outcome.code })),
            retry: RETRYABLE_SQLSTATES.has(outcome.code),
          },
    );
  }

  async #callIngest(
    writes: readonly DeliveryWrite[],
    runner: pg.Pool | pg.Client = this.#pool,
  ): Promise<DeliveryOutcome[]> {
    const setBased = writes.length >= SET_BASED_MIN_BATCH;
    const result = await runner.query<Row>({
      name: setBased ? 'srhooks_ingest_set' : 'srhooks_ingest_batch',
      text: setBased ? INGEST_SET_SQL : INGEST_BATCH_SQL,
      values: ingestBatchArguments(writes),
    });
    return toOutcomes(result.rows, writes.length);
  }

  /**
   * The connection was lost while an ingest call ran (backend terminated, connection cut). The call is
   * one statement, so the batch committed entirely or not at all, and the answer does not say which.
   * On a fresh connection: deliveries found stored get the outcome they committed with (an ambiguous
   * commit is never written twice); the others are sent once more. If the server cannot be reached
   * either, the original error stands (the caller answers 503).
   */
  async #recoverIngest(writes: readonly DeliveryWrite[], lost: unknown): Promise<DeliveryOutcome[]> {
    // A connection of its own, not the pool's: when every backend was terminated at once, the pool may
    // still hold idle connections whose loss it has not noticed yet.
    const client = new StoreClient(this.#clientConfig);
    try {
      let committed: Map<string, Array<string | null>>;
      try {
        await client.connect();
        committed = await this.#committedOutcomes(writes, client);
      } catch {
        throw lost;
      }
      const missing = writes.filter((write) => !committed.has(write.id));
      const resent = missing.length === 0 ? [] : await this.#callIngest(missing, client);
      // The first call's backend may still have been running when it was checked (a cut connection:
      // the server notices only when it answers) and committed since: the resent delivery then meets
      // its own row. That commit is the outcome.
      const overtaken = missing.filter((_write, index) => committedMeanwhile(resent[index]));
      if (overtaken.length > 0) {
        for (const [id, duplicates] of await this.#committedOutcomes(overtaken, client)) {
          committed.set(id, duplicates);
        }
      }
      return this.#mergeOutcomes(writes, committed, missing, resent);
    } finally {
      void client.end().catch(() => {});
    }
  }

  #mergeOutcomes(
    writes: readonly DeliveryWrite[],
    committed: Map<string, Array<string | null>>,
    missing: readonly DeliveryWrite[],
    resent: readonly DeliveryOutcome[],
  ): DeliveryOutcome[] {
    const byId = new Map(missing.map((write, index) => [write.id, resent[index]]));
    return writes.map((write): DeliveryOutcome => {
      const duplicates = committed.get(write.id);
      if (duplicates !== undefined) return { ok: true, duplicates };
      return (
        byId.get(write.id) ?? { ok: false, code: 'XX000', message: 'the retried ingest returned no outcome' }
      );
    });
  }

  /** Delivery id → duplicate_of of its events (in write order), for the writes that are stored. */
  async #committedOutcomes(
    writes: readonly DeliveryWrite[],
    client: pg.Client,
  ): Promise<Map<string, Array<string | null>>> {
    const stored = await client.query<{ id: string }>(
      'SELECT id FROM deliveries WHERE id = ANY ($1::text[])',
      [writes.map((write) => write.id)],
    );
    const storedIds = new Set(stored.rows.map((row) => row.id));
    const eventIds = writes.filter((write) => storedIds.has(write.id)).flatMap((write) => write.eventIds);
    const events =
      eventIds.length === 0
        ? []
        : (
            await client.query<{ id: string; duplicate_of: string | null }>(
              'SELECT id, duplicate_of FROM events WHERE id = ANY ($1::text[])',
              [eventIds],
            )
          ).rows;
    const duplicateOf = new Map(events.map((event) => [event.id, event.duplicate_of]));
    const outcomes = new Map<string, Array<string | null>>();
    for (const write of writes) {
      if (storedIds.has(write.id)) {
        outcomes.set(
          write.id,
          write.eventIds.map((id) => duplicateOf.get(id) ?? null),
        );
      }
    }
    return outcomes;
  }

  async reprocessQuarantined(
    deliveryId: string,
    events: NewEvent[],
    handlers: string[],
    options: { now?: Date } = {},
  ): Promise<IngestResult> {
    const jobHandlers = uniqueHandlers(handlers);
    const now = at(options.now);
    return this.#transaction(async ({ client, changes }) => {
      const found = await client.query(
        'SELECT shop, event, status, received_at FROM deliveries WHERE id = $1 FOR UPDATE',
        [deliveryId],
      );
      const delivery = found.rows[0] as
        | { shop: string; event: WebhookEvent; status: string; received_at: Date }
        | undefined;
      if (delivery === undefined) throw new StoreNotFoundError('delivery', deliveryId);
      if (delivery.status !== 'quarantined') {
        throw new StoreConflictError(
          `Delivery ${deliveryId} is ${delivery.status}, not quarantined: only quarantined deliveries can be re-processed.`,
        );
      }
      const prepared = prepareEvents(delivery.event, events);
      const receivedAt = delivery.received_at.getTime();
      const eventIds = prepared.map(() => newId('evt', receivedAt));
      const result = await client.query(
        `SELECT srhooks_store_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) AS duplicates`,
        [
          deliveryId,
          delivery.shop,
          delivery.event,
          delivery.received_at,
          now,
          eventIds,
          prepared.map((e) => e.dedupeKey),
          prepared.map((e) => e.subjectId),
          prepared.map((e) => e.orderNumber),
          prepared.map((e) => e.customerName),
          prepared.map((e) => e.grossTotal),
          prepared.map((e) => e.currency),
          prepared.map((e) => e.searchText),
          prepared.map((e) => e.payloadJson),
          jobHandlers,
          prepared.flatMap(() => jobHandlers.map(() => newId('job', now.getTime()))),
        ],
      );
      await client.query("UPDATE deliveries SET status = 'reprocessed', reprocessed_at = $2 WHERE id = $1", [
        deliveryId,
        now,
      ]);
      changes.push({
        kind: 'delivery',
        deliveryId,
        shop: delivery.shop,
        event: delivery.event,
        status: 'reprocessed',
      });
      const stored = toIngested(
        eventIds,
        prepared,
        (result.rows[0]?.duplicates as Array<string | null>) ?? [],
      );
      return { deliveryId, events: stored, duplicates: stored.filter((e) => e.duplicateOf !== null).length };
    });
  }

  // --- reads ---------------------------------------------------------------------------------------

  async listDeliveries(filter: DeliveryFilter = {}): Promise<Page<DeliverySummary>> {
    return this.#run(async () => {
      const query = deliveryListQuery(
        `${DELIVERY_SUMMARY_COLUMNS}, octet_length(d.raw_body) AS body_bytes`,
        filter,
        dialect,
      );
      const rows = (await this.#db.query(query.sql, query.values)).rows as Row[];
      const page = rows.slice(0, query.limit);
      const ids = page.map((row) => String(row.id));
      const events = (
        await this.#db.query(
          `SELECT ${EVENT_SUMMARY_COLUMNS} FROM events e WHERE e.delivery_id = ANY ($1::text[]) ORDER BY e.id`,
          [ids],
        )
      ).rows.map((row: Row) => toEventSummary(row, codec));
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
    return this.#run(async () => {
      const row = (
        await this.#db.query(
          `SELECT ${DELIVERY_SUMMARY_COLUMNS}, octet_length(d.raw_body) AS body_bytes, d.headers, d.raw_body FROM deliveries d WHERE d.id = $1`,
          [id],
        )
      ).rows[0] as Row | undefined;
      if (row === undefined) return null;
      const events = (
        await this.#db.query(
          `SELECT ${EVENT_RECORD_COLUMNS} FROM events e WHERE e.delivery_id = $1 ORDER BY e.id`,
          [id],
        )
      ).rows as Row[];
      return {
        ...toDeliveryBase(row, codec),
        bodyBytes: Number(row.body_bytes),
        headers: row.headers as Record<string, string>,
        rawBody: row.raw_body as Buffer,
        events: events.map((event) => toEventRecord(event, codec)),
      };
    });
  }

  async listEvents(filter: EventFilter = {}): Promise<Page<EventSummary>> {
    return this.#run(async () => {
      const query = eventListQuery(EVENT_SUMMARY_COLUMNS, filter, dialect);
      const rows = (await this.#db.query(query.sql, query.values)).rows as Row[];
      const items = rows.slice(0, query.limit).map((row) => toEventSummary(row, codec));
      return { items, nextCursor: rows.length > query.limit ? (items.at(-1)?.id ?? null) : null };
    });
  }

  async getEvent(id: string): Promise<EventDetail | null> {
    return this.#run(async () => {
      const row = (await this.#db.query(`SELECT ${EVENT_RECORD_COLUMNS} FROM events e WHERE e.id = $1`, [id]))
        .rows[0] as Row | undefined;
      if (row === undefined) return null;
      const jobs = (
        await this.#db.query(`SELECT ${JOB_COLUMNS} FROM jobs j WHERE j.event_id = $1 ORDER BY j.id`, [id])
      ).rows.map((job: Row) => toJobRecord(job, codec));
      const attempts = (
        await this.#db.query(
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

  // --- jobs ----------------------------------------------------------------------------------------

  async claimJobs(options: ClaimOptions): Promise<ClaimedJob[]> {
    const now = at(options.now);
    const expires = new Date(now.getTime() + Math.max(1, Math.floor(options.leaseMs)));
    const limit = Math.max(0, Math.floor(options.limit));
    if (limit === 0 || options.handlers?.length === 0) return [];
    return this.#run(async () => {
      const started = performance.now();
      const result = await this.#db.query({
        name: 'srhooks_claim',
        text: CLAIM_SQL,
        values: [now, options.handlers ?? null, limit, options.workerId, expires],
      });
      this.#committed(1, performance.now() - started);
      const claimed = result.rows.map((row: Row) => toClaimedJob(row, codec));
      this.#emit(
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
    const now = at(options.now);
    return this.#outcome(async ({ client, changes }) => {
      await client.query(
        `UPDATE job_attempts SET outcome = 'succeeded', finished_at = $3, status_code = $4, error = NULL
         WHERE job_id = $1 AND attempt = $2 AND outcome IN ('running', 'expired')`,
        [jobId, options.attempt, now, options.statusCode ?? null],
      );
      const updated = await client.query(
        `UPDATE jobs SET status = 'succeeded', finished_at = $3, updated_at = $3, lease_owner = NULL, lease_expires_at = NULL,
           last_status_code = $4, last_error = NULL
         WHERE id = $1 AND status IN ('running', 'pending') AND $2 >= min_attempt AND $2 <= attempts
         RETURNING event_id, handler`,
        [jobId, options.attempt, now, options.statusCode ?? null],
      );
      return this.#transitionResult(client, changes, jobId, updated.rows[0] as Row | undefined, 'succeeded');
    });
  }

  async failJob(jobId: string, options: FailJobOptions): Promise<JobTransition> {
    const now = at(options.now);
    const { dead, runAt } = failureOutcome(options, now);
    const status: JobStatus = dead ? 'dead' : 'pending';
    return this.#outcome(async ({ client, changes }) => {
      await client.query(
        `UPDATE job_attempts SET outcome = $3, finished_at = $4, status_code = $5, error = $6
         WHERE job_id = $1 AND attempt = $2 AND outcome IN ('running', 'expired')`,
        [jobId, options.attempt, dead ? 'dead' : 'failed', now, options.statusCode ?? null, options.error],
      );
      const updated = await client.query(
        `UPDATE jobs SET status = $3, run_at = $4, finished_at = $5, failures = failures + 1, last_error = $6,
           last_status_code = $7, lease_owner = NULL, lease_expires_at = NULL, updated_at = $8
         WHERE id = $1 AND status = 'running' AND attempts = $2
         RETURNING event_id, handler`,
        [
          jobId,
          options.attempt,
          status,
          runAt,
          dead ? now : null,
          options.error,
          options.statusCode ?? null,
          now,
        ],
      );
      return this.#transitionResult(client, changes, jobId, updated.rows[0] as Row | undefined, status);
    });
  }

  async releaseJob(
    jobId: string,
    options: { attempt: number; reason: string; now?: Date },
  ): Promise<JobTransition> {
    const now = at(options.now);
    return this.#transaction(async ({ client, changes }) => {
      await client.query(
        `UPDATE job_attempts SET outcome = 'released', finished_at = $3, error = $4
         WHERE job_id = $1 AND attempt = $2 AND outcome = 'running'`,
        [jobId, options.attempt, now, options.reason],
      );
      const updated = await client.query(
        `UPDATE jobs SET status = 'pending', run_at = $3, lease_owner = NULL, lease_expires_at = NULL, updated_at = $3
         WHERE id = $1 AND status = 'running' AND attempts = $2
         RETURNING event_id, handler`,
        [jobId, options.attempt, now],
      );
      return this.#transitionResult(client, changes, jobId, updated.rows[0] as Row | undefined, 'pending');
    });
  }

  async extendLease(
    jobId: string,
    options: { attempt: number; leaseMs: number; now?: Date },
  ): Promise<JobTransition> {
    const now = at(options.now);
    const expires = new Date(now.getTime() + Math.max(1, Math.floor(options.leaseMs)));
    return this.#run(async () => {
      const started = performance.now();
      const updated = await this.#db.query(
        `UPDATE jobs SET lease_expires_at = $3, updated_at = $4 WHERE id = $1 AND status = 'running' AND attempts = $2
         RETURNING id`,
        [jobId, options.attempt, expires, now],
      );
      if (updated.rowCount === 1) {
        this.#committed(1, performance.now() - started);
        return { applied: true, status: 'running' as const };
      }
      return { applied: false, status: await this.#jobStatus(this.#db, jobId) };
    });
  }

  async listDeadLetters(filter: DeadLetterFilter = {}): Promise<DeadLetter[]> {
    return this.#run(async () => {
      const query = deadLetterQuery(JOB_COLUMNS, filter, dialect);
      const jobs = (await this.#db.query(query.sql, query.values)).rows.map((row: Row) =>
        toJobRecord(row, codec),
      );
      const events = (
        await this.#db.query(`SELECT ${EVENT_SUMMARY_COLUMNS} FROM events e WHERE e.id = ANY ($1::text[])`, [
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

  async replayEvent(eventId: string, options: { handler?: string; now?: Date } = {}): Promise<ReplayResult> {
    const now = at(options.now);
    return this.#transaction(async ({ client, changes }) => {
      const found = await client.query('SELECT duplicate_of FROM events WHERE id = $1 FOR UPDATE', [eventId]);
      const event = found.rows[0] as { duplicate_of: string | null } | undefined;
      if (event === undefined) throw new StoreNotFoundError('event', eventId);
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
      const jobs = await this.#resetJobs(client, jobIds, now);
      for (const job of jobs) {
        changes.push({
          kind: 'job',
          jobId: job.id,
          eventId: job.eventId,
          handler: job.handler,
          status: job.status,
        });
      }
      await this.#refreshEventStatus(client, changes, eventId);
      return { jobs };
    });
  }

  /**
   * Chunk by chunk, each in its own transaction. Several instances may run retention: a chunk first
   * takes a transaction advisory lock of the schema, and an instance that cannot get it stops (another
   * one is pruning) and reports what it did so far.
   */
  prune(options: PruneOptions): Promise<PruneCounts> {
    return pruneInChunks(options, (chunk) =>
      this.#transaction(async ({ client }) => {
        const lock = await client.query('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked', [
          `srhooks.prune:${this.schema ?? 'default'}`,
        ]);
        if ((lock.rows[0] as { locked?: boolean } | undefined)?.locked !== true) return null;
        return runPlan(
          pruneChunk(dialect, chunk),
          async (step) => (await client.query(step.sql, step.values)).rows as Row[],
        );
      }),
    );
  }

  async revokeAdminSession(sessionId: string, expiresAt: Date, options: { now?: Date } = {}): Promise<void> {
    await this.#run(async () => {
      await this.#db.query(
        `WITH expired AS (DELETE FROM admin_session_revocations WHERE expires_at <= $3)
         INSERT INTO admin_session_revocations (session_id, expires_at) VALUES ($1, $2)
         ON CONFLICT (session_id) DO NOTHING`,
        [sessionId, expiresAt, options.now ?? new Date()],
      );
    });
  }

  async isAdminSessionRevoked(sessionId: string, options: { now?: Date } = {}): Promise<boolean> {
    return this.#run(async () => {
      const result = await this.#db.query(
        'SELECT 1 FROM admin_session_revocations WHERE session_id = $1 AND expires_at > $2',
        [sessionId, options.now ?? new Date()],
      );
      return result.rows.length > 0;
    });
  }

  async replayDeadLetters(filter: DeadLetterFilter & { now?: Date } = {}): Promise<ReplayResult> {
    const now = at(filter.now);
    return this.#transaction(async ({ client, changes }) => {
      const query = deadLetterQuery('j.id, j.event_id', filter, dialect);
      const rows = (await client.query(`${query.sql} FOR UPDATE OF j`, query.values)).rows as Array<{
        id: string;
        event_id: string;
      }>;
      const jobs = await this.#resetJobs(
        client,
        rows.map((row) => row.id),
        now,
      );
      for (const job of jobs) {
        changes.push({
          kind: 'job',
          jobId: job.id,
          eventId: job.eventId,
          handler: job.handler,
          status: job.status,
        });
      }
      for (const eventId of new Set(rows.map((row) => row.event_id))) {
        await this.#refreshEventStatus(client, changes, eventId);
      }
      return { jobs };
    });
  }

  async setEventVerification(eventId: string, update: VerificationUpdate): Promise<void> {
    const hold = update.hold ?? update.status === 'mismatched';
    await this.#transaction(async ({ client, changes }) => {
      const result = await client.query(
        'UPDATE events SET verification = $2, verification_detail = $3, held = $4 WHERE id = $1',
        [eventId, update.status, update.detail ?? null, hold],
      );
      if (result.rowCount === 0) throw new StoreNotFoundError('event', eventId);
      await this.#refreshEventStatus(client, changes, eventId);
    });
  }

  async disableHandler(handler: string, options: { reason: string; now?: Date }): Promise<void> {
    await this.#setHandlerState(handler, true, options.reason, at(options.now));
  }

  async enableHandler(handler: string, options: { now?: Date } = {}): Promise<void> {
    await this.#setHandlerState(handler, false, null, at(options.now));
  }

  async listHandlerStates(): Promise<HandlerState[]> {
    return this.#run(async () =>
      (
        await this.#db.query(
          'SELECT handler, disabled, reason, changed_at FROM handler_states ORDER BY handler',
        )
      ).rows.map((row: Row) => ({
        handler: String(row.handler),
        disabled: row.disabled === true,
        reason: row.reason === null ? null : String(row.reason),
        changedAt: codec.date(row.changed_at),
      })),
    );
  }

  async countJobs(): Promise<JobCounts> {
    return this.#run(async () => {
      const counts: JobCounts = { pending: 0, running: 0, succeeded: 0, dead: 0 };
      for (const row of (await this.#db.query('SELECT status, count(*) AS n FROM jobs GROUP BY status'))
        .rows as Array<{
        status: JobStatus;
        n: string;
      }>) {
        counts[row.status] = Number(row.n);
      }
      return counts;
    });
  }

  // --- internals -----------------------------------------------------------------------------------

  async #setHandlerState(
    handler: string,
    disabled: boolean,
    reason: string | null,
    now: Date,
  ): Promise<void> {
    await this.#run(async () => {
      const started = performance.now();
      await this.#db.query(
        `INSERT INTO handler_states (handler, disabled, reason, changed_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (handler) DO UPDATE SET disabled = excluded.disabled, reason = excluded.reason, changed_at = excluded.changed_at`,
        [handler, disabled, reason, now],
      );
      this.#committed(1, performance.now() - started);
    });
  }

  async #transitionResult(
    client: SqlRunner,
    changes: StoreChange[],
    jobId: string,
    updated: Row | undefined,
    status: JobStatus,
  ): Promise<JobTransition> {
    if (updated === undefined) return { applied: false, status: await this.#jobStatus(client, jobId) };
    const eventId = String(updated.event_id);
    changes.push({ kind: 'job', jobId, eventId, handler: String(updated.handler), status });
    await this.#refreshEventStatus(client, changes, eventId);
    return { applied: true, status };
  }

  async #jobStatus(client: SqlRunner, jobId: string): Promise<JobStatus> {
    const row = (await client.query('SELECT status FROM jobs WHERE id = $1', [jobId])).rows[0] as
      | { status: JobStatus }
      | undefined;
    if (row === undefined) throw new StoreNotFoundError('job', jobId);
    return row.status;
  }

  async #resetJobs(client: SqlRunner, jobIds: readonly string[], now: Date): Promise<JobRecord[]> {
    if (jobIds.length === 0) return [];
    const rows = (await client.query(RESET_JOBS_SQL, [jobIds, now])).rows as Row[];
    const jobs = rows.map((row) => toJobRecord(row, codec)).sort((a, b) => (a.id < b.id ? -1 : 1));
    for (const eventId of new Set(jobs.map((job) => job.eventId))) {
      await client.query(refreshEventStatusSql('$1'), [eventId]);
    }
    return jobs;
  }

  async #refreshEventStatus(
    client: SqlRunner,
    changes: StoreChange[],
    eventId: string,
  ): Promise<EventStatus> {
    const row = (await client.query(refreshEventStatusSql('$1'), [eventId])).rows[0] as
      | { status: EventStatus }
      | undefined;
    if (row === undefined) throw new StoreNotFoundError('event', eventId);
    changes.push({ kind: 'event', eventId, status: row.status });
    return row.status;
  }

  #committed(items: number, durationMs: number): void {
    recordCommit(this.#stats, items, durationMs);
  }

  async #connect(): Promise<pg.PoolClient> {
    try {
      return await this.#pool.connect();
    } catch (error) {
      throw mapPgError(error);
    }
  }

  /** A job outcome: queued for the next outcome transaction, settled after its COMMIT. */
  #outcome(write: OutcomeWrite): Promise<JobTransition> {
    return this.#run(() => this.#outcomeBatcher.submit(write));
  }

  /**
   * One transaction for a batch of job outcomes (group commit: one WAL flush for all). Each write runs in
   * a savepoint, so one that fails (an unknown job) is rolled back and rejected alone; the others commit.
   * Changes are announced, and every outcome settled, only after COMMIT; if the transaction fails as a
   * whole (connection lost, COMMIT failed), every write of the batch is rejected and nothing is stored.
   */
  async #sendOutcomeBatch(writes: OutcomeWrite[]): Promise<Array<ItemOutcome<JobTransition>>> {
    const client = await this.#connect();
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
      this.#committed(writes.length, performance.now() - started);
      this.#emit(changes);
      return outcomes;
    } catch (error) {
      broken ||= isPgUnavailable(error);
      throw error;
    } finally {
      releaseClient(client, broken);
    }
  }

  /** Runs one write transaction on a dedicated connection; changes are announced after COMMIT. */
  async #transaction<T>(work: (context: WriteContext) => Promise<T>): Promise<T> {
    return this.#run(async () => {
      const client = await this.#connect();
      let broken = false;
      try {
        const started = performance.now();
        await client.query('BEGIN');
        const changes: StoreChange[] = [];
        let value: T;
        try {
          value = await work({ client: cleanTextRunner(client), changes });
          await client.query('COMMIT');
        } catch (error) {
          broken = isPgUnavailable(error);
          if (!broken) await client.query('ROLLBACK').catch(() => {});
          throw error;
        }
        this.#committed(1, performance.now() - started);
        this.#emit(changes);
        return value;
      } catch (error) {
        broken ||= isPgUnavailable(error);
        throw error;
      } finally {
        releaseClient(client, broken);
      }
    });
  }

  /** Every operation: refuses after close, applies migrations once, maps connectivity errors, is awaited by close(). */
  async #run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreUnavailableError('the PostgreSQL store is closed');
    const pending = (async () => {
      await this.#ensureMigrated();
      return operation();
    })();
    this.#inFlight.add(pending);
    try {
      return await pending;
    } catch (error) {
      throw mapPgError(error);
    } finally {
      this.#inFlight.delete(pending);
    }
  }

  #ensureMigrated(): Promise<void> {
    if (this.#migrated === null) {
      this.#migrated = this.#applyMigrations().catch((error: unknown) => {
        this.#migrated = null;
        throw error;
      });
    }
    return this.#migrated;
  }
}

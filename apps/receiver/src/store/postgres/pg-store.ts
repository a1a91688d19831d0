import type { WebhookEvent } from '@srhooks/contracts';
import type pg from 'pg';
import { ChangeFeed } from '../change-feed.js';
import { LateDuplicateEraser } from '../late-duplicates.js';
import { boundedAfterShutdown, ShutdownGrace } from '../shutdown-bounded-store.js';
import type {
  ClaimedJob,
  ClaimOptions,
  CompleteJobOptions,
  DeadLetter,
  DeadLetterFilter,
  DeadLetterReplayResult,
  DecodeFailure,
  DeliveryDetail,
  DeliveryFilter,
  DeliverySummary,
  ErasureOptions,
  ErasureResult,
  EventDetail,
  EventFilter,
  EventSummary,
  FailJobOptions,
  HandlerBacklog,
  HandlerDisabledBy,
  HandlerState,
  IngestOptions,
  IngestResult,
  JobCounts,
  JobTransition,
  LeaseRef,
  LeaseRenewal,
  NewDelivery,
  NewEvent,
  Page,
  PruneCounts,
  PruneOptions,
  QuarantineOptions,
  RecoveryPassRecord,
  RecoveryState,
  ReleaseJobOptions,
  ReplayResult,
  ReprocessOptions,
  ShopBacklog,
  SpooledContent,
  SpooledDelivery,
  SpooledStoreOptions,
  SpooledStoreResult,
  Store,
  StoreChange,
  StoreChangeListener,
  StoreStats,
  VerificationUpdate,
  WithHandlerStates,
} from '../store.js';
import { RECONCILE_LOCK_WAIT_MS, StoreConfigError, StoreUnavailableError } from '../store-errors.js';
import { LOCK_IDLE_TIMEOUT_MS } from './lock-session-guard.js';
import * as admin from './pg-admin.js';
import { PgChangeRelay, type RelayStats } from './pg-change-relay.js';
import { at, PgConnection, type PgStoreCreated, type StoreClient } from './pg-connection.js';
import { erasePersonalData } from './pg-erasure.js';
import { PgIngest } from './pg-ingest.js';
import { type JobClock, PgJobs } from './pg-jobs.js';
import { type MigrationProgress, SCHEMA_NAME } from './pg-migrations.js';
import * as reads from './pg-reads.js';
import * as recovery from './pg-recovery.js';
import type { PgSearchIndexStatus } from './pg-search-index.js';
import * as locks from './pg-shop-locks.js';
import { destroySocket, settledWithin } from './pg-shop-locks.js';
import { PgSpooledIngest } from './pg-spooled-ingest.js';

/** Why a session that may only read cannot store (a standby after failover); no value of the setup in it. */
const READ_ONLY_DETAIL =
  'PostgreSQL accepts only reads on this connection (transaction_read_only is on: a hot standby, or default_transaction_read_only set); point DATABASE_URL at the primary';

export type { PgStoreCreated } from './pg-connection.js';

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
  /**
   * Whose clock times job leases (when a lease ends, whether it has ended) and due times (when a new,
   * retried, released or replayed job becomes due). Default 'server': the database server's, so that
   * receivers whose host clocks differ agree (see pg-jobs.ts, pg-job-clock-migration.ts). 'caller': the
   * `now` each call passes (a delivery's receivedAt, a retry's retryAt), as on SQLite; only for tests
   * that move time by passing `now`.
   */
  jobClock?: JobClock;
  /**
   * The text-search trigram index (pg-search-index.ts) is built before `migrate()` resolves while the
   * events table is at most this large, and concurrently in the background when larger. Default 8 MB.
   */
  searchIndexInlineMaxBytes?: number;
  /**
   * A migration's indexes (pg-migration-list.ts, version 11) are built in its transaction while their table is
   * at most this large, and with CREATE INDEX CONCURRENTLY when larger. Default 8 MB.
   */
  migrationIndexInlineMaxBytes?: number;
  /**
   * While migrating, how often the server is asked about the migration's connection (pg-connection.ts):
   * its state is reported as progress, and two checks unanswered fail the migration. Default 15000 ms.
   */
  migrationCheckMs?: number;
  /**
   * A shop's recovery or reconcile lock, or the prune lock, is released by the server once its holder's connection has been
   * silent this long (the holder cut off from the server; lock-session-guard.ts). Default 60000 ms.
   */
  lockIdleTimeoutMs?: number;
  /**
   * The server ends a session of this store idle inside a transaction this long
   * (`idle_in_transaction_session_timeout`), rolling it back: a receiver cut off mid-transaction does not
   * hold its row locks (a job the others would take over) for hours. Default 60000 ms.
   */
  idleInTransactionTimeoutMs?: number;
  /**
   * Closing: how long operations in flight, and connections saying goodbye (the change relay's listening
   * one too), get before the connections' sockets are destroyed (a server gone silent — a NAT or firewall
   * dropping the flow — never answers: the close, and the process's exit, waited for the query timeout,
   * and for a connection's goodbye for ever). Also how long a call of the background work's view
   * (forBackgroundWork) may go unanswered once the shutdown has begun. Default 2000 ms.
   */
  closeGraceMs?: number;
}

/** See {@link PgStoreOptions.closeGraceMs}. */
export const CLOSE_GRACE_MS = 2000;

/**
 * PostgreSQL engine for several receiver instances sharing one database. Migrations run before the first
 * operation (or explicitly via migrate()). Connection failures surface as StoreUnavailableError within
 * the connect timeout; the pool reconnects by itself when the server is back.
 *
 * The work is split by concern: the pool and the run/transaction helpers (pg-connection.ts), the ingest
 * path (pg-ingest.ts, pg-ingest-recovery.ts), job claims and outcomes (pg-jobs.ts), reads (pg-reads.ts),
 * administrative writes (pg-admin.ts) and recovery state (pg-recovery.ts); this class holds them
 * together with the change feed.
 */
export class PgStore implements Store {
  readonly kind = 'postgres' as const;
  readonly schema: string | null;
  /** The connection string (the app-mode shop store opens its own small pool on the same database). */
  readonly url: string;
  readonly #conn: PgConnection;
  readonly #spooled: PgSpooledIngest;
  readonly #feed = new ChangeFeed();
  readonly #gapListeners = new Set<() => void>();
  readonly #lockIdleTimeoutMs: number;
  /** Connections holding (or waiting for) a reconcile lock: ended by close. */
  readonly #reconcileLockClients = new Set<StoreClient>();
  readonly #ingest: PgIngest;
  readonly #jobs: PgJobs;
  readonly #relay: PgChangeRelay | null;
  readonly #lateDuplicates = new LateDuplicateEraser(this);
  readonly #closeGraceMs: number;
  /** The pool's connections whose socket is still open (ended by close, destroyed when silent). */
  readonly #poolClients = new Set<pg.Client>();
  /** Bounds the background work's calls once the receiver's shutdown has begun (beginShutdown, or close). */
  readonly #shutdownGrace: ShutdownGrace;
  /** A call of the background work went unanswered for the close grace during the shutdown: the server is silent. */
  #serverSilent = false;
  #backgroundView: Store | null = null;
  #requestView: Store | null = null;

  constructor(options: PgStoreOptions) {
    if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
      throw new StoreConfigError(
        `PostgreSQL schema "${options.schema}" is not allowed: use lower-case letters, digits and _ (max 63, not starting with a digit).`,
      );
    }
    this.schema = options.schema ?? null;
    this.url = options.url;
    this.#lockIdleTimeoutMs = options.lockIdleTimeoutMs ?? LOCK_IDLE_TIMEOUT_MS;
    const connectTimeoutMs = options.connectTimeoutMs ?? 2000;
    this.#conn = new PgConnection(options, this.schema, (changes) => this.#emit(changes));
    this.#closeGraceMs = Math.max(0, options.closeGraceMs ?? CLOSE_GRACE_MS);
    this.#shutdownGrace = new ShutdownGrace(this.#closeGraceMs, () => {
      this.#serverSilent = true;
    });
    this.#conn.pool.on('connect', (client) => {
      this.#poolClients.add(client);
      client.once('end', () => this.#poolClients.delete(client));
    });
    this.#ingest = new PgIngest(this.#conn, options);
    this.#spooled = new PgSpooledIngest(this.#conn);
    this.#jobs = new PgJobs(this.#conn, options);
    this.#relay =
      options.shareChanges === false
        ? null
        : new PgChangeRelay({
            url: options.url,
            schema: this.schema,
            connectTimeoutMs,
            closeGraceMs: this.#closeGraceMs,
            query: (text, values) => this.#conn.pool.query(text, values),
            onRemote: (changes) => this.#feed.emit(changes),
            onResumed: () => {
              for (const listener of [...this.#gapListeners]) listener();
            },
          });
  }

  /**
   * Applies the migrations, then the text-search index step (see {@link searchIndex}). `onProgress` hears
   * each version, index and page of rows as it goes (the receiver logs it).
   */
  async migrate(onProgress?: (progress: MigrationProgress) => void): Promise<void> {
    await this.#conn.migrate(onProgress);
    // late duplicates a crash left unerased (late-duplicates.ts)
    this.#lateDuplicates.sweepSoon();
  }

  /**
   * How the start-up step for the text search's trigram index went (pg-search-index.ts): run by
   * `migrate()` (once per store), never rejected; `unavailable` carries the warning to log.
   */
  searchIndex(): Promise<PgSearchIndexStatus> {
    return this.#conn.searchIndex();
  }

  /**
   * Set once `migrate()` (or the first operation) created the tables: a new, empty store, and where
   * (schema, database). A receiver starting on it warns, as for a new SQLite file. Null otherwise.
   */
  get created(): PgStoreCreated | null {
    return this.#conn.created;
  }

  /**
   * Readiness: a connection of the pool that every write uses answers, and its sessions may write. No
   * write probe: unlike SQLite there is no lock another process holds for long (row locks are per row),
   * and a connection that answers is one the next ingest gets. What a `SELECT 1` cannot see is a server
   * that refuses writes: a hot standby after a failover or `default_transaction_read_only`, both shown by
   * `transaction_read_only`. A full disk is not seen (only a committed write would); ingests answer 503.
   */
  async ping(): Promise<void> {
    const readOnly = await this.#conn.run(async () => {
      const { rows } = await this.#conn.db.query(
        "SELECT current_setting('transaction_read_only') AS read_only",
      );
      return rows[0]?.read_only === 'on';
    });
    if (readOnly) {
      throw new StoreUnavailableError(READ_ONLY_DETAIL, { publicDetail: READ_ONLY_DETAIL });
    }
  }

  /**
   * Refuses new operations, lets those in flight finish, and ends every connection. Bounded when the
   * server went silent (a NAT or firewall dropping the flow, its host gone: no answer, no error): what has
   * not finished within `closeGraceMs` has its connection's socket destroyed — its operation fails at
   * once (nothing acknowledged depends on it: a delivery is answered 200 only after its commit, and the
   * HTTP server has answered every request before the store closes) — and a connection whose goodbye is
   * not answered within it is destroyed too, so no socket keeps the process from exiting.
   */
  async close(): Promise<void> {
    this.#lateDuplicates.close();
    this.beginShutdown();
    if (this.#conn.closed) return;
    const grace = this.#closeGraceMs;
    // Operations in flight finish, for at most the grace; then their connections are cut (they fail at once).
    // Once the background work found the server silent, at once: it would not answer within the grace either.
    const drained = this.#conn.drain();
    if (this.#serverSilent) this.#cutConnections();
    if (!(await settledWithin(drained, grace))) this.#cutConnections();
    // Then every connection says goodbye, all together for at most the grace again; what has not is destroyed
    // (a connection opened meanwhile — a connect in flight — ends by itself in the background).
    const ending = (async () => {
      await drained;
      await Promise.all([
        // A reconcile still calling the shop's API is not waited for; ending its connection ends its lock.
        ...[...this.#reconcileLockClients].map((client) => this.#end(client)),
        this.#relay?.close(),
      ]);
      await this.#conn.pool.end();
      // The pool ends its idle connections without waiting for their goodbye: waited for here.
      await Promise.all([...this.#poolClients, ...this.#conn.ownClients].map((client) => this.#end(client)));
    })();
    if (!(await settledWithin(ending, grace))) this.#cutConnections();
  }

  /** Ends a connection; one whose goodbye is not answered within the close grace is destroyed. */
  async #end(client: pg.Client): Promise<void> {
    if (!(await settledWithin(client.end(), this.#closeGraceMs))) destroySocket(client);
  }

  /** Destroys the socket of every connection this store has open (closing, the server silent). */
  #cutConnections(): void {
    for (const client of [...this.#poolClients, ...this.#conn.ownClients, ...this.#reconcileLockClients])
      destroySocket(client);
    this.#relay?.cut();
  }

  /**
   * The receiver's shutdown has begun (the store plugin's first preClose step; close calls it too): the
   * background work's calls through {@link forBackgroundWork} get at most `closeGraceMs` from now on.
   */
  beginShutdown(): void {
    this.#shutdownGrace.begin();
  }

  /**
   * This store as the job worker and recovery use it: once the shutdown has begun, a call PostgreSQL does
   * not answer within `closeGraceMs` rejects with StoreShutdownWaitError (shutdown-bounded-store.ts), and
   * the server counts as silent: close() then cuts the connections at once.
   */
  forBackgroundWork(): Store {
    this.#backgroundView ??= boundedAfterShutdown<Store>(this, this.#shutdownGrace);
    return this.#backgroundView;
  }

  /**
   * This store as the admin API and the inspector use it: bounded as {@link forBackgroundWork}'s view, the
   * error saying the receiver is stopping (the request is answered 503 store_unavailable).
   */
  forRequests(): Store {
    this.#requestView ??= boundedAfterShutdown<Store>(this, this.#shutdownGrace, 'request');
    return this.#requestView;
  }

  /** Nothing to do: PostgreSQL's work runs in its own processes, and this store has no threads. */
  async releaseMemory(): Promise<void> {}

  stats(): StoreStats {
    return { ...this.#conn.stats };
  }

  /**
   * Listeners get this instance's commits as they happen and, unless `shareChanges` is false, the other
   * instances' on this database and schema a moment later (best effort: see PgChangeRelay).
   */
  onChange(listener: StoreChangeListener): () => void {
    if (!this.#conn.closed) void this.#relay?.listen();
    return this.#feed.subscribe(listener);
  }

  /**
   * Called when other instances' changes may have been missed: the relay's listening connection was lost and
   * listens again. Returns an unsubscribe function.
   */
  onChangeGap(listener: () => void): () => void {
    this.#gapListeners.add(listener);
    return () => this.#gapListeners.delete(listener);
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

  ingest(
    delivery: NewDelivery,
    events: NewEvent[],
    handlers: string[],
    options?: IngestOptions,
  ): Promise<IngestResult> {
    return this.#lateDuplicates.afterStored(this.#ingest.ingest(delivery, events, handlers, options));
  }

  quarantine(
    delivery: NewDelivery,
    error: DecodeFailure,
    options?: QuarantineOptions,
  ): Promise<{ deliveryId: string }> {
    return this.#ingest.quarantine(delivery, error, options);
  }

  storeSpooled(
    delivery: SpooledDelivery,
    content: SpooledContent,
    handlers: string[],
    options: SpooledStoreOptions = {},
  ): Promise<SpooledStoreResult> {
    return this.#lateDuplicates.afterStored(this.#spooled.storeSpooled(delivery, content, handlers, options));
  }

  reprocessQuarantined(
    deliveryId: string,
    events: NewEvent[],
    handlers: string[],
    options: ReprocessOptions = {},
  ): Promise<IngestResult> {
    return this.#lateDuplicates.afterStored(
      this.#ingest.reprocessQuarantined(deliveryId, events, handlers, options),
    );
  }

  recordDecodeFailure(deliveryId: string, failure: DecodeFailure): Promise<void> {
    return this.#ingest.recordDecodeFailure(deliveryId, failure);
  }

  // --- recovery state ------------------------------------------------------------------------------

  getRecoveryState(shop: string): Promise<RecoveryState | null> {
    return this.#conn.run(() => recovery.getRecoveryState(this.#conn.db, shop));
  }

  listRecoveryStates(): Promise<RecoveryState[]> {
    return this.#conn.run(() => recovery.listRecoveryStates(this.#conn.db));
  }

  recordRecoveryPass(shop: string, record: RecoveryPassRecord): Promise<void> {
    return this.#conn.run(() => recovery.recordRecoveryPass(this.#conn.db, shop, record));
  }

  lastDeliveryAt(shop: string): Promise<Date | null> {
    return this.#conn.run(() => recovery.lastDeliveryAt(this.#conn.db, shop));
  }

  knownSubjects(shop: string, event: WebhookEvent, subjectIds: readonly string[]): Promise<string[]> {
    return this.#conn.run(() => recovery.knownSubjects(this.#conn.db, shop, event, subjectIds));
  }

  knownDedupeKeys(shop: string, event: WebhookEvent, keys: readonly string[]): Promise<string[]> {
    return this.#conn.run(() => recovery.knownDedupeKeys(this.#conn.db, shop, event, keys));
  }

  /** Two instances never recover one shop at once (pg-shop-locks.ts). */
  withRecoveryLock<T>(
    shop: string,
    work: () => Promise<T>,
  ): Promise<{ acquired: true; value: T } | { acquired: false }> {
    return locks.withRecoveryLock(
      this.#conn,
      recovery.recoveryLockName(this.schema, shop),
      work,
      this.#lockIdleTimeoutMs,
    );
  }

  /** Two instances never reconcile one shop at once; waited for (pg-shop-locks.ts). */
  withReconcileLock<T>(shop: string, work: () => Promise<T>, options: { waitMs?: number } = {}): Promise<T> {
    return locks.withReconcileLock(this.#conn, this.#reconcileLockClients, {
      shop,
      name: recovery.reconcileLockName(this.schema, shop),
      waitMs: Math.max(1, Math.floor(options.waitMs ?? RECONCILE_LOCK_WAIT_MS)),
      work,
      lockIdleTimeoutMs: this.#lockIdleTimeoutMs,
    });
  }

  // --- reads ---------------------------------------------------------------------------------------

  listDeliveries(filter: DeliveryFilter = {}): Promise<Page<DeliverySummary>> {
    return reads.listDeliveries(this.#conn, filter);
  }

  getDelivery(id: string): Promise<DeliveryDetail | null> {
    return reads.getDelivery(this.#conn, id);
  }

  listEvents(filter: EventFilter = {}): Promise<Page<WithHandlerStates<EventSummary>>> {
    return reads.listEvents(this.#conn, filter);
  }

  getEvent(id: string): Promise<EventDetail | null> {
    return reads.getEvent(this.#conn, id);
  }

  unerasedLateDuplicates(): Promise<string[]> {
    return reads.unerasedLateDuplicates(this.#conn);
  }

  listDeadLetters(filter: DeadLetterFilter = {}): Promise<DeadLetter[]> {
    return reads.listDeadLetters(this.#conn, filter);
  }

  countDeadLetters(filter: DeadLetterFilter = {}): Promise<number> {
    return reads.countDeadLetters(this.#conn, filter);
  }

  listHandlerStates(): Promise<HandlerState[]> {
    return reads.listHandlerStates(this.#conn);
  }

  countJobs(): Promise<JobCounts> {
    return reads.countJobs(this.#conn);
  }

  handlerBacklog(): Promise<HandlerBacklog[]> {
    return reads.handlerBacklog(this.#conn);
  }

  shopBacklog(): Promise<ShopBacklog[]> {
    return reads.shopBacklog(this.#conn);
  }

  // --- jobs ----------------------------------------------------------------------------------------

  claimJobs(options: ClaimOptions): Promise<ClaimedJob[]> {
    return this.#jobs.claimJobs(options);
  }

  completeJob(jobId: string, options: CompleteJobOptions): Promise<JobTransition> {
    return this.#jobs.completeJob(jobId, options);
  }

  failJob(jobId: string, options: FailJobOptions): Promise<JobTransition> {
    return this.#jobs.failJob(jobId, options);
  }

  releaseJob(jobId: string, options: ReleaseJobOptions): Promise<JobTransition> {
    return this.#jobs.releaseJob(jobId, options);
  }

  extendLease(
    jobId: string,
    options: { attempt: number; leaseMs: number; now?: Date },
  ): Promise<JobTransition> {
    return this.#jobs.extendLease(jobId, options);
  }
  extendLeases(leases: readonly LeaseRef[], options: { leaseMs: number; now?: Date }): Promise<LeaseRenewal> {
    return this.#jobs.extendLeases(leases, options);
  }
  markStarted(leases: readonly LeaseRef[], options: { now?: Date } = {}): Promise<void> {
    return this.#jobs.markStarted(leases, options);
  }

  // --- admin ---------------------------------------------------------------------------------------

  replayEvent(eventId: string, options: { handler?: string; now?: Date } = {}): Promise<ReplayResult> {
    return admin.replayEvent(this.#conn, eventId, options);
  }

  replayDeadLetters(filter: DeadLetterFilter & { now?: Date } = {}): Promise<DeadLetterReplayResult> {
    return admin.replayDeadLetters(this.#conn, filter);
  }

  /** Personal data erasure in one transaction (pg-erasure.ts). */
  erasePersonalData(options: ErasureOptions): Promise<ErasureResult> {
    return erasePersonalData(this.#conn, options);
  }

  /** Retention, chunk by chunk under a schema-wide advisory lock (see pg-admin.ts). */
  prune(options: PruneOptions): Promise<PruneCounts> {
    return admin.prune(this.#conn, options, this.#lockIdleTimeoutMs);
  }

  revokeAdminSession(sessionId: string, expiresAt: Date, options: { now?: Date } = {}): Promise<void> {
    return admin.revokeAdminSession(this.#conn, sessionId, expiresAt, options);
  }

  isAdminSessionRevoked(sessionId: string, options: { now?: Date } = {}): Promise<boolean> {
    return admin.isAdminSessionRevoked(this.#conn, sessionId, options);
  }

  setEventVerification(eventId: string, update: VerificationUpdate): Promise<void> {
    return admin.setEventVerification(this.#conn, eventId, update);
  }

  disableHandler(
    handler: string,
    options: { reason: string; by?: HandlerDisabledBy; now?: Date },
  ): Promise<boolean> {
    return admin.setHandlerState(
      this.#conn,
      handler,
      options.by ?? 'target',
      options.reason,
      at(options.now),
    );
  }

  async enableHandler(handler: string, options: { now?: Date } = {}): Promise<void> {
    await admin.setHandlerState(this.#conn, handler, null, null, at(options.now));
  }
}

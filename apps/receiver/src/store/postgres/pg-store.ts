import type { WebhookEvent } from '@srhooks/contracts';
import { ChangeFeed } from '../change-feed.js';
import { LateDuplicateEraser } from '../late-duplicates.js';
import { SearchTextRebuilder } from '../search-text-rebuild.js';
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
import {
  RECONCILE_LOCK_WAIT_MS,
  type ShutdownBoundCaller,
  StoreConfigError,
  StoreUnavailableError,
} from '../store-errors.js';
import type { SearchTextPage, SearchTextRebuildResult } from '../stored-search-text.js';
import { LOCK_IDLE_TIMEOUT_MS } from './lock-session-guard.js';
import * as admin from './pg-admin.js';
import { PgChangeRelay, type RelayStats } from './pg-change-relay.js';
import { at, PgConnection, type PgStoreCreated, type StoreClient } from './pg-connection.js';
import { erasePersonalData } from './pg-erasure.js';
import { PgIngest } from './pg-ingest.js';
import { PgJobs } from './pg-jobs.js';
import { type MigrationProgress, SCHEMA_NAME } from './pg-migrations.js';
import * as reads from './pg-reads.js';
import * as recovery from './pg-recovery.js';
import type { PgSearchIndexStatus } from './pg-search-index.js';
import {
  pgSearchTextVersion,
  rebuildPgSearchTextPage,
  recordPgSearchTextVersions,
} from './pg-search-text.js';
import * as locks from './pg-shop-locks.js';
import { PgSpooledIngest } from './pg-spooled-ingest.js';
import { PgStoreClosing } from './pg-store-closing.js';
import { CLOSE_GRACE_MS, type PgStoreOptions } from './pg-store-options.js';

/** Why a session that may only read cannot store (a standby after failover); no value of the setup in it. */
const READ_ONLY_DETAIL =
  'PostgreSQL accepts only reads on this connection (transaction_read_only is on: a hot standby, or default_transaction_read_only set); point DATABASE_URL at the primary';

export type { PgStoreCreated } from './pg-connection.js';

export { CLOSE_GRACE_MS, type PgStoreOptions } from './pg-store-options.js';

/**
 * PostgreSQL engine for several receiver instances sharing one database. Migrations run before the first
 * operation (or explicitly via migrate()). Connection failures surface as StoreUnavailableError within
 * the connect timeout; the pool reconnects by itself when the server is back.
 *
 * The work is split by concern: the pool and the run/transaction helpers (pg-connection.ts), the ingest
 * path (pg-ingest.ts, pg-ingest-recovery.ts), job claims and outcomes (pg-jobs.ts), reads (pg-reads.ts),
 * administrative writes (pg-admin.ts) and recovery state (pg-recovery.ts), the options
 * (pg-store-options.ts) and the close with the shutdown's bound (pg-store-closing.ts); this class holds
 * them together with the change feed.
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
  readonly #searchTexts = new SearchTextRebuilder(this);
  /** The close, and the shutdown's bound of the background work's and the requests' views (pg-store-closing.ts). */
  readonly #closing: PgStoreClosing;

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
    const closeGraceMs = Math.max(0, options.closeGraceMs ?? CLOSE_GRACE_MS);
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
            closeGraceMs,
            query: (text, values) => this.#conn.pool.query(text, values),
            onRemote: (changes) => this.#feed.emit(changes),
            onResumed: () => {
              for (const listener of [...this.#gapListeners]) listener();
            },
          });
    this.#closing = new PgStoreClosing({
      conn: this.#conn,
      relay: this.#relay,
      reconcileLockClients: this.#reconcileLockClients,
      graceMs: closeGraceMs,
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
    // search texts an older search text rule composed, composed again in the background (search-text-rebuild.ts)
    this.#searchTexts.start();
  }

  /** The background search text rebuild, once done: what it did, or null (the store was at the newest rule). */
  searchTextsRebuilt(): Promise<SearchTextRebuildResult | null> {
    return this.#searchTexts.done();
  }

  searchTextVersion(): Promise<number> {
    return pgSearchTextVersion(this.#conn);
  }

  rebuildSearchTextPage(from: number, after: string): Promise<SearchTextPage> {
    return rebuildPgSearchTextPage(this.#conn, from, after);
  }

  recordSearchTextVersions(from: number): Promise<void> {
    return recordPgSearchTextVersions(this.#conn, from);
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
   * Refuses new operations, lets those in flight finish, and ends every connection; bounded when the
   * server went silent (pg-store-closing.ts).
   */
  async close(): Promise<void> {
    this.#lateDuplicates.close();
    this.#searchTexts.close();
    await this.#closing.close();
  }

  /**
   * The receiver's shutdown has begun (the store plugin's first preClose step; close calls it too): the
   * calls through {@link forBackgroundWork} and {@link forRequests} get at most `closeGraceMs` from now on.
   */
  beginShutdown(): void {
    this.#closing.beginShutdown();
  }

  /**
   * This store as the job worker and recovery use it: once the shutdown has begun, a call PostgreSQL does
   * not answer within `closeGraceMs` rejects with StoreShutdownWaitError (shutdown-bounded-store.ts), and
   * the server counts as silent: close() then cuts the connections at once.
   */
  forBackgroundWork(): Store {
    return this.#closing.viewOf<Store>(this, 'background work');
  }

  /**
   * This store as the admin API and the inspector use it: bounded as {@link forBackgroundWork}'s view, the
   * error saying the receiver is stopping (the request is answered 503 store_unavailable).
   */
  forRequests(): Store {
    return this.#closing.viewOf<Store>(this, 'request');
  }

  /**
   * `other` (app mode's shop records: a pool of their own on this server) bounded as this store's views of
   * `caller` are: once the shutdown has begun, a call left unanswered for `closeGraceMs` is given up.
   */
  shutdownBoundViewOf<S extends object>(
    other: S,
    caller: ShutdownBoundCaller,
    except: readonly (keyof S)[] = [],
  ): S {
    return this.#closing.boundViewOf(other, caller, except);
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

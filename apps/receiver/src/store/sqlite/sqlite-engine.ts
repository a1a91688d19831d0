import type { WebhookEvent } from '@srhooks/contracts';
import type { BindingPruneChunkOptions, BindingPruneChunkResult } from '../payment-binding-prune.js';
import type { PaymentBindingTouch, PaymentClaimWrite } from '../payment-claim.js';
import type { PreparedEvent } from '../prepared-event.js';
import type { PruneChunkOptions, PruneChunkResult } from '../prune-plan.js';
import type { RecoveryPassRecord, RecoveryState } from '../recovery-records.js';
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
  IngestResult,
  JobCounts,
  JobTransition,
  LeaseRef,
  LeaseRenewal,
  NewDelivery,
  Page,
  ReleaseJobOptions,
  ReplayResult,
  ReprocessOptions,
  ShopBacklog,
  SpooledDelivery,
  SpooledStoreResult,
  StoreChangeListener,
  StoreStats,
  VerificationUpdate,
  WithHandlerStates,
} from '../store.js';
import type { SearchTextPage } from '../stored-search-text.js';
import type { GroupCommitOptions } from './group-commit.js';
import * as admin from './sqlite-admin.js';
import { ms, SqliteConnection } from './sqlite-connection.js';
import * as ingest from './sqlite-ingest.js';
import * as jobs from './sqlite-jobs.js';
import { applySqliteMigrations } from './sqlite-migrations.js';
import * as reads from './sqlite-reads.js';
import * as recovery from './sqlite-recovery.js';
import {
  rebuildSqliteSearchTextPage,
  recordSqliteSearchTextVersions,
  sqliteSearchTextVersion,
} from './sqlite-search-text.js';

export const DEFAULT_SQLITE_FILE = './data/srhooks.db';

export interface SqliteEngineOptions {
  /** Database file; parent directories are created. Default `./data/srhooks.db`. */
  file?: string;
  /** How long a write waits for another process holding the file's write lock. Default 5000 ms. */
  busyTimeoutMs?: number;
  groupCommit?: GroupCommitOptions;
}

/**
 * SQLite on one thread: one better-sqlite3 connection, WAL, synchronous=FULL, every write through group
 * commit. Reads run directly and see committed data only. Several engines (threads or processes) may open
 * the same file: writes are serialised by SQLite's write lock (BEGIN IMMEDIATE).
 *
 * `SqliteStore` (the `Store`) runs one engine in its writer thread for every write and another on the
 * calling thread for reads. The engine takes events already prepared (`prepareEvents`), so the writer
 * thread loads neither contracts nor zod. Its methods otherwise follow the `Store` interface.
 *
 * The class is the engine's method set; the work is done by one module per concern on its connection
 * (`sqlite-connection.ts`): ingest (`sqlite-ingest.ts`), jobs (`sqlite-jobs.ts`), reads
 * (`sqlite-reads.ts`), recovery records (`sqlite-recovery.ts`) and operator writes (`sqlite-admin.ts`).
 */
export class SqliteEngine {
  readonly kind = 'sqlite' as const;
  readonly file: string;
  readonly #conn: SqliteConnection;

  constructor(options: SqliteEngineOptions = {}) {
    this.file = options.file ?? DEFAULT_SQLITE_FILE;
    this.#conn = new SqliteConnection(this.file, options);
  }

  async migrate(): Promise<void> {
    this.#conn.read(() => applySqliteMigrations(this.#conn.database));
  }

  async ping(): Promise<void> {
    this.#conn.ping();
  }

  /** The write-readiness check, on this engine's connection (the writer thread's): see SqliteConnection. */
  async probeWrite(limitMs: number): Promise<string | undefined> {
    return this.#conn.probeWrite(limitMs);
  }

  async close(): Promise<void> {
    this.#conn.close();
  }

  stats(): StoreStats {
    return this.#conn.stats();
  }

  onChange(listener: StoreChangeListener): () => void {
    return this.#conn.onChange(listener);
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
    paymentClaim?: PaymentClaimWrite,
  ): Promise<IngestResult> {
    return ingest.ingestPrepared(this.#conn, delivery, prepared, jobHandlers, paymentClaim);
  }

  async quarantine(
    delivery: NewDelivery,
    error: DecodeFailure,
    paymentBinding?: PaymentBindingTouch,
  ): Promise<{ deliveryId: string }> {
    return ingest.quarantine(this.#conn, delivery, error, paymentBinding);
  }

  /** `Store.storeSpooled` with the events prepared by the caller (null: quarantined with `failure`). */
  async storeSpooledPrepared(
    delivery: SpooledDelivery,
    prepared: PreparedEvent[] | null,
    failure: DecodeFailure | null,
    jobHandlers: string[],
    paymentClaim?: PaymentClaimWrite,
    paymentBinding?: PaymentBindingTouch,
    now?: Date,
  ): Promise<SpooledStoreResult> {
    return ingest.storeSpooledPrepared(this.#conn, delivery, prepared, failure, jobHandlers, {
      ...(paymentClaim ? { paymentClaim } : {}),
      ...(paymentBinding ? { paymentBinding } : {}),
      ...(now ? { now } : {}),
    });
  }

  /** The event a delivery was received for (it never changes), or null when there is no such delivery. */
  deliveryEvent(deliveryId: string): WebhookEvent | null {
    return ingest.deliveryEvent(this.#conn, deliveryId);
  }

  /** `Store.reprocessQuarantined` with the events prepared for the delivery's event by the caller. */
  async reprocessPrepared(
    deliveryId: string,
    prepared: PreparedEvent[],
    jobHandlers: string[],
    options: ReprocessOptions = {},
  ): Promise<IngestResult> {
    return ingest.reprocessPrepared(this.#conn, deliveryId, prepared, jobHandlers, options);
  }

  /** `Store.recordDecodeFailure`. */
  async recordDecodeFailure(deliveryId: string, failure: DecodeFailure): Promise<void> {
    return ingest.recordDecodeFailure(this.#conn, deliveryId, failure);
  }

  // --- reads ---------------------------------------------------------------------------------------

  async listDeliveries(filter: DeliveryFilter = {}): Promise<Page<DeliverySummary>> {
    return reads.listDeliveries(this.#conn, filter);
  }

  async getDelivery(id: string): Promise<DeliveryDetail | null> {
    return reads.getDelivery(this.#conn, id);
  }

  async listEvents(filter: EventFilter = {}): Promise<Page<WithHandlerStates<EventSummary>>> {
    return reads.listEvents(this.#conn, filter);
  }

  async getEvent(id: string): Promise<EventDetail | null> {
    return reads.getEvent(this.#conn, id);
  }

  async unerasedLateDuplicates(): Promise<string[]> {
    return reads.unerasedLateDuplicates(this.#conn);
  }

  // --- jobs ----------------------------------------------------------------------------------------

  /**
   * Whether `claimJobs(options)` could find anything right now (a read; polling workers mostly find
   * nothing, and this answers that without a write transaction).
   */
  hasClaimableJobs(options: ClaimOptions): boolean {
    return jobs.hasClaimableJobs(this.#conn, options);
  }

  async claimJobs(options: ClaimOptions): Promise<ClaimedJob[]> {
    if (!this.hasClaimableJobs(options)) return [];
    return jobs.claimJobs(this.#conn, options);
  }

  async completeJob(jobId: string, options: CompleteJobOptions): Promise<JobTransition> {
    return jobs.completeJob(this.#conn, jobId, options);
  }

  async failJob(jobId: string, options: FailJobOptions): Promise<JobTransition> {
    return jobs.failJob(this.#conn, jobId, options);
  }

  async releaseJob(jobId: string, options: ReleaseJobOptions): Promise<JobTransition> {
    return jobs.releaseJob(this.#conn, jobId, options);
  }

  async extendLease(
    jobId: string,
    options: { attempt: number; leaseMs: number; now?: Date },
  ): Promise<JobTransition> {
    return jobs.extendLease(this.#conn, jobId, options);
  }

  async extendLeases(
    leases: readonly LeaseRef[],
    options: { leaseMs: number; now?: Date },
  ): Promise<LeaseRenewal> {
    return jobs.extendLeases(this.#conn, leases, options);
  }

  async markStarted(leases: readonly LeaseRef[], options: { now?: Date }): Promise<void> {
    return jobs.markStarted(this.#conn, leases, options);
  }

  async listDeadLetters(filter: DeadLetterFilter = {}): Promise<DeadLetter[]> {
    return reads.listDeadLetters(this.#conn, filter);
  }

  async countDeadLetters(filter: DeadLetterFilter = {}): Promise<number> {
    return reads.countDeadLetters(this.#conn, filter);
  }

  async replayEvent(eventId: string, options: { handler?: string; now?: Date } = {}): Promise<ReplayResult> {
    return jobs.replayEvent(this.#conn, eventId, options);
  }

  async replayDeadLetters(filter: DeadLetterFilter & { now?: Date } = {}): Promise<DeadLetterReplayResult> {
    return jobs.replayDeadLetters(this.#conn, filter);
  }

  /** The background search text rebuild's calls (search-text-rebuild.ts, sqlite-search-text.ts). */
  async searchTextVersion(): Promise<number> {
    return sqliteSearchTextVersion(this.#conn);
  }

  async rebuildSearchTextPage(from: number, after: string): Promise<SearchTextPage> {
    return rebuildSqliteSearchTextPage(this.#conn, from, after);
  }

  async recordSearchTextVersions(from: number): Promise<void> {
    return recordSqliteSearchTextVersions(this.#conn, from);
  }

  async revokeAdminSession(sessionId: string, expiresAt: Date, options: { now?: Date } = {}): Promise<void> {
    return admin.revokeAdminSession(this.#conn, sessionId, expiresAt, options);
  }

  async isAdminSessionRevoked(sessionId: string, options: { now?: Date } = {}): Promise<boolean> {
    return admin.isAdminSessionRevoked(this.#conn, sessionId, options);
  }

  // --- recovery ------------------------------------------------------------------------------------

  async getRecoveryState(shop: string): Promise<RecoveryState | null> {
    return recovery.getRecoveryState(this.#conn, shop);
  }

  async listRecoveryStates(): Promise<RecoveryState[]> {
    return recovery.listRecoveryStates(this.#conn);
  }

  async recordRecoveryPass(shop: string, record: RecoveryPassRecord): Promise<void> {
    return recovery.recordRecoveryPass(this.#conn, shop, record);
  }

  async knownDedupeKeys(shop: string, event: WebhookEvent, keys: readonly string[]): Promise<string[]> {
    return recovery.knownDedupeKeys(this.#conn, shop, event, keys);
  }

  async knownSubjects(shop: string, event: WebhookEvent, subjectIds: readonly string[]): Promise<string[]> {
    return recovery.knownSubjects(this.#conn, shop, event, subjectIds);
  }

  async lastDeliveryAt(shop: string): Promise<Date | null> {
    return recovery.lastDeliveryAt(this.#conn, shop);
  }

  /** One chunk of a prune, in one write transaction (SqliteStore.prune loops over the chunks). */
  async pruneChunk(options: PruneChunkOptions): Promise<PruneChunkResult> {
    return admin.pruneChunk(this.#conn, options);
  }

  /** One chunk of charge bindings after a prune's deliveries, in one write transaction. */
  async pruneBindingChunk(options: BindingPruneChunkOptions): Promise<BindingPruneChunkResult> {
    return admin.pruneBindingChunk(this.#conn, options);
  }

  /**
   * `Store.erasePersonalData` in one write transaction, then (when something was erased) a TRUNCATE
   * checkpoint: the replaced page images leave the WAL file. `walCheckpointed` says whether it completed.
   */
  async erasePersonalData(options: ErasureOptions): Promise<ErasureResult & { walCheckpointed?: boolean }> {
    const result = await admin.erasePersonalData(this.#conn, options);
    if (!result.erased) return result;
    return { ...result, walCheckpointed: admin.checkpointTruncate(this.#conn) };
  }

  async setEventVerification(eventId: string, update: VerificationUpdate): Promise<void> {
    return admin.setEventVerification(this.#conn, eventId, update);
  }

  async disableHandler(
    handler: string,
    options: { reason: string; by?: HandlerDisabledBy; now?: Date },
  ): Promise<boolean> {
    return admin.setHandlerState(
      this.#conn,
      handler,
      options.by ?? 'target',
      options.reason,
      ms(options.now),
    );
  }

  async enableHandler(handler: string, options: { now?: Date } = {}): Promise<void> {
    await admin.setHandlerState(this.#conn, handler, null, null, ms(options.now));
  }

  async listHandlerStates(): Promise<HandlerState[]> {
    return reads.listHandlerStates(this.#conn);
  }

  async countJobs(): Promise<JobCounts> {
    return reads.countJobs(this.#conn);
  }

  async handlerBacklog(): Promise<HandlerBacklog[]> {
    return reads.handlerBacklog(this.#conn);
  }

  async shopBacklog(): Promise<ShopBacklog[]> {
    return reads.shopBacklog(this.#conn);
  }
}

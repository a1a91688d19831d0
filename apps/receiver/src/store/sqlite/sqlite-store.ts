/**
 * The embedded default store: SQLite (WAL, synchronous=FULL) with writes off the event loop.
 *
 * - Every write runs in a writer thread (`sqlite-writer-thread.ts`) on its own connection, through group
 *   commit: calls made while a transaction commits share the next one and its single fsync, and each call
 *   settles only after the COMMIT that holds it returned, i.e. once its data is durable. The COMMIT and
 *   fsync block that thread, never the thread answering HTTP requests.
 * - Reads run on the calling thread on a second connection. In WAL mode a read sees every transaction
 *   committed before it started, so a write is visible to reads as soon as its call settled.
 * - The calling thread opens the file first (creating directories, applying migrations), so a bad path
 *   or a file that is not a database throws from the constructor, as before.
 */

import type { WebhookEvent } from '@srhooks/contracts';
import { KeyedQueue } from '../app-shops/shop-install-lock.js';
import { ChangeFeed } from '../change-feed.js';
import { LateDuplicateEraser } from '../late-duplicates.js';
import { prepareEvents, uniqueHandlers } from '../prepared-event.js';
import { pruneInChunks } from '../prune-plan.js';
import type { RecoveryPassRecord, RecoveryState } from '../recovery-records.js';
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
  ReleaseJobOptions,
  ReplayResult,
  ReprocessOptions,
  ShopBacklog,
  SpooledContent,
  SpooledDelivery,
  SpooledStoreOptions,
  SpooledStoreResult,
  Store,
  StoreChangeListener,
  StoreStats,
  VerificationUpdate,
  WithHandlerStates,
} from '../store.js';
import { StoreConfigError, StoreNotFoundError } from '../store-errors.js';
import type { SearchTextPage, SearchTextRebuildResult } from '../stored-search-text.js';
import { lockWaitOfWrite } from './group-commit.js';
import { DEFAULT_BUSY_TIMEOUT_MS } from './sqlite-connection.js';
import { DEFAULT_SQLITE_FILE, SqliteEngine, type SqliteEngineOptions } from './sqlite-engine.js';
import { WRITE_LOCK_WAIT_MS, WriteReadiness } from './write-readiness.js';
import { SqliteWriterThread } from './writer-thread-client.js';

export { DEFAULT_SQLITE_FILE };
export interface SqliteStoreOptions extends SqliteEngineOptions {
  /**
   * How long a delivery waits for the store before it is answered 503 (the receiver passes its
   * storeTimeoutMs; default 5000 ms). Readiness stays green while another connection holds the file's
   * write lock for less than this and than a write waits for the lock (busy timeout, retry, busy timeout):
   * a delivery would still be stored meanwhile.
   */
  deliveryWaitMs?: number;
}

/**
 * The delivery with its raw body copied into an ArrayBuffer of its own, to be moved to the writer thread.
 * A structured clone would copy the body's whole backing buffer: for a small body that is Node's shared
 * 8 KiB buffer pool (Buffer.concat, Buffer.from), for others possibly a larger read buffer.
 */
function withOwnBody(delivery: NewDelivery): { handOver: NewDelivery; transfer: ArrayBuffer[] } {
  const own = new ArrayBuffer(delivery.rawBody.byteLength);
  const rawBody = Buffer.from(own);
  delivery.rawBody.copy(rawBody);
  return { handOver: { ...delivery, rawBody }, transfer: [own] };
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly file: string;
  readonly #reader: SqliteEngine;
  readonly #writer: SqliteWriterThread;
  readonly #feed = new ChangeFeed();
  readonly #recoveryLocks = new Set<string>();
  readonly #reconcileQueue = new KeyedQueue();
  readonly #writeReadiness: WriteReadiness;
  readonly #lateDuplicates = new LateDuplicateEraser(this);
  readonly #searchTexts = new SearchTextRebuilder(this);

  constructor({ deliveryWaitMs, ...options }: SqliteStoreOptions = {}) {
    this.#writeReadiness = new WriteReadiness((limitMs) => this.#writer.call('probeWrite', [limitMs]), {
      failures: () => this.#writer.unavailableOutcomes,
      // Red once a delivery that found the lock taken would have failed: it waits storeTimeoutMs at most,
      // and within that the busy timeout, a retry, the busy timeout again (group-commit.ts).
      lockWaitMs: Math.min(
        deliveryWaitMs ?? WRITE_LOCK_WAIT_MS,
        lockWaitOfWrite(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS),
      ),
    });
    const file = options.file ?? DEFAULT_SQLITE_FILE;
    if (file === ':memory:' || file === '') {
      throw new StoreConfigError(
        'SQLite needs a database file: the writer thread and the readers share it (an in-memory database ' +
          'would exist once per connection). Use a file path, e.g. one in a temporary directory.',
      );
    }
    this.#reader = new SqliteEngine({ ...options, file });
    this.file = this.#reader.file;
    this.#writer = new SqliteWriterThread({ engine: { ...options, file } }, (changes) =>
      this.#feed.emit(changes),
    );
  }

  /**
   * Migrates the schema, then sweeps for late duplicates a crash left unerased (late-duplicates.ts) and
   * composes again, in the background, search texts an older search text rule composed (search-text-rebuild.ts).
   */
  async migrate(): Promise<void> {
    await this.#reader.migrate();
    this.#lateDuplicates.sweepSoon();
    this.#searchTexts.start();
  }

  /** The background search text rebuild, once done: what it did, or null (the store was at the newest rule). */
  searchTextsRebuilt(): Promise<SearchTextRebuildResult | null> {
    return this.#searchTexts.done();
  }

  searchTextVersion(): Promise<number> {
    return this.#reader.searchTextVersion();
  }

  rebuildSearchTextPage(from: number, after: string): Promise<SearchTextPage> {
    return this.#writer.call('rebuildSearchTextPage', [from, after]);
  }

  recordSearchTextVersions(from: number): Promise<void> {
    return this.#writer.call('recordSearchTextVersions', [from]);
  }

  /**
   * Readiness: the file answers a read here, and the writer thread can take the write lock (a probe that
   * writes nothing, see `write-readiness.ts`; another connection may hold it for less than a delivery
   * waits) and has not just failed a write for a reason the probe cannot see (disk full, I/O error).
   */
  /** Starts the writer thread (a new isolate, the SQLite module, the file opened) before the first write. */
  warmUp(): void {
    this.#writer.start();
  }

  /** Whether the writer thread runs now (tests). */
  get writerRunning(): boolean {
    return this.#writer.running;
  }

  async ping(): Promise<void> {
    await this.#reader.ping();
    await this.#writeReadiness.check();
  }

  /** Commits everything already called, ends the writer thread, then closes the read connection. */
  async close(): Promise<void> {
    this.#lateDuplicates.close();
    this.#searchTexts.close();
    await this.#writer.close();
    await this.#reader.close();
  }

  stats(): StoreStats {
    return this.#writer.stats();
  }

  async releaseMemory(): Promise<void> {
    await this.#writer.releaseMemory();
  }

  onChange(listener: StoreChangeListener): () => void {
    return this.#feed.subscribe(listener);
  }

  // --- writes: in the writer thread ------------------------------------------------------------------

  /**
   * Events are prepared here (payload JSON, summary columns): that costs this thread about what copying
   * the payload objects to the writer thread would, and keeps contracts out of the writer thread.
   */
  async ingest(
    delivery: NewDelivery,
    events: NewEvent[],
    handlers: string[],
    options: IngestOptions = {},
  ): Promise<IngestResult> {
    const prepared = prepareEvents(delivery.event, events);
    const { handOver, transfer } = withOwnBody(delivery);
    return this.#lateDuplicates.afterStored(
      this.#writer.call(
        'ingestPrepared',
        [handOver, prepared, uniqueHandlers(handlers), options.paymentClaim],
        transfer,
      ),
    );
  }

  quarantine(
    delivery: NewDelivery,
    error: DecodeFailure,
    options: QuarantineOptions = {},
  ): Promise<{ deliveryId: string }> {
    const { handOver, transfer } = withOwnBody(delivery);
    return this.#writer.call('quarantine', [handOver, error, options.paymentBinding], transfer);
  }

  async storeSpooled(
    delivery: SpooledDelivery,
    content: SpooledContent,
    handlers: string[],
    options: SpooledStoreOptions = {},
  ): Promise<SpooledStoreResult> {
    const prepared = 'events' in content ? prepareEvents(delivery.event, content.events) : null;
    const failure = 'failure' in content ? content.failure : null;
    const { handOver, transfer } = withOwnBody(delivery);
    return this.#lateDuplicates.afterStored(
      this.#writer.call(
        'storeSpooledPrepared',
        [
          { ...handOver, id: delivery.id },
          prepared,
          failure,
          uniqueHandlers(handlers),
          options.paymentClaim,
          options.paymentBinding,
          options.now,
        ],
        transfer,
      ),
    );
  }

  async reprocessQuarantined(
    deliveryId: string,
    events: NewEvent[],
    handlers: string[],
    options?: ReprocessOptions,
  ): Promise<IngestResult> {
    const jobHandlers = uniqueHandlers(handlers);
    const event = this.#reader.deliveryEvent(deliveryId);
    if (event === null) throw new StoreNotFoundError('delivery', deliveryId);
    const prepared = prepareEvents((options?.fileAs?.event ?? event) as WebhookEvent, events);
    return this.#lateDuplicates.afterStored(
      this.#writer.call('reprocessPrepared', [deliveryId, prepared, jobHandlers, options]),
    );
  }

  async recordDecodeFailure(deliveryId: string, failure: DecodeFailure): Promise<void> {
    return this.#writer.call('recordDecodeFailure', [deliveryId, failure]);
  }

  async claimJobs(options: ClaimOptions): Promise<ClaimedJob[]> {
    // Polling workers mostly find nothing: answered here by a read, without a trip to the writer thread.
    if (!this.#reader.hasClaimableJobs(options)) return [];
    return this.#writer.call('claimJobs', [options]);
  }

  completeJob(jobId: string, options: CompleteJobOptions): Promise<JobTransition> {
    return this.#writer.call('completeJob', [jobId, options]);
  }

  failJob(jobId: string, options: FailJobOptions): Promise<JobTransition> {
    return this.#writer.call('failJob', [jobId, options]);
  }

  releaseJob(jobId: string, options: ReleaseJobOptions): Promise<JobTransition> {
    return this.#writer.call('releaseJob', [jobId, options]);
  }

  extendLease(
    jobId: string,
    options: { attempt: number; leaseMs: number; now?: Date },
  ): Promise<JobTransition> {
    return this.#writer.call('extendLease', [jobId, options]);
  }

  extendLeases(leases: readonly LeaseRef[], options: { leaseMs: number; now?: Date }): Promise<LeaseRenewal> {
    return this.#writer.call('extendLeases', [leases, options]);
  }

  markStarted(leases: readonly LeaseRef[], options: { now?: Date } = {}): Promise<void> {
    return this.#writer.call('markStarted', [leases, options]);
  }

  replayEvent(eventId: string, options?: { handler?: string; now?: Date }): Promise<ReplayResult> {
    return this.#writer.call('replayEvent', [eventId, options]);
  }

  replayDeadLetters(filter?: DeadLetterFilter & { now?: Date }): Promise<DeadLetterReplayResult> {
    return this.#writer.call('replayDeadLetters', [filter]);
  }

  prune(options: PruneOptions): Promise<PruneCounts> {
    return pruneInChunks(options, {
      deliveries: (chunk) => this.#writer.call('pruneChunk', [chunk]),
      paymentBindings: (chunk) => this.#writer.call('pruneBindingChunk', [chunk]),
    });
  }

  erasePersonalData(options: ErasureOptions): Promise<ErasureResult & { walCheckpointed?: boolean }> {
    return this.#writer.call('erasePersonalData', [options]);
  }

  revokeAdminSession(sessionId: string, expiresAt: Date, options?: { now?: Date }): Promise<void> {
    return this.#writer.call('revokeAdminSession', [sessionId, expiresAt, options]);
  }

  isAdminSessionRevoked(sessionId: string, options?: { now?: Date }): Promise<boolean> {
    return this.#reader.isAdminSessionRevoked(sessionId, options);
  }

  setEventVerification(eventId: string, update: VerificationUpdate): Promise<void> {
    return this.#writer.call('setEventVerification', [eventId, update]);
  }

  disableHandler(
    handler: string,
    options: { reason: string; by?: HandlerDisabledBy; now?: Date },
  ): Promise<boolean> {
    return this.#writer.call('disableHandler', [handler, options]);
  }

  enableHandler(handler: string, options?: { now?: Date }): Promise<void> {
    return this.#writer.call('enableHandler', [handler, options]);
  }

  recordRecoveryPass(shop: string, record: RecoveryPassRecord): Promise<void> {
    return this.#writer.call('recordRecoveryPass', [shop, record]);
  }

  /**
   * One receiver process per SQLite file (enforced by its lock file, receiver-lock.ts): a lock in this
   * process keeps two passes of one shop apart.
   */
  async withRecoveryLock<T>(
    shop: string,
    work: () => Promise<T>,
  ): Promise<{ acquired: true; value: T } | { acquired: false }> {
    if (this.#recoveryLocks.has(shop)) return { acquired: false };
    this.#recoveryLocks.add(shop);
    try {
      return { acquired: true, value: await work() };
    } finally {
      this.#recoveryLocks.delete(shop);
    }
  }

  /** One receiver process per SQLite file (its lock file): a queue per shop in this process is the whole lock. */
  withReconcileLock<T>(shop: string, work: () => Promise<T>): Promise<T> {
    return this.#reconcileQueue.run(shop, work);
  }

  // --- reads: on this thread -------------------------------------------------------------------------

  getRecoveryState(shop: string): Promise<RecoveryState | null> {
    return this.#reader.getRecoveryState(shop);
  }

  listRecoveryStates(): Promise<RecoveryState[]> {
    return this.#reader.listRecoveryStates();
  }

  lastDeliveryAt(shop: string): Promise<Date | null> {
    return this.#reader.lastDeliveryAt(shop);
  }

  knownSubjects(shop: string, event: WebhookEvent, subjectIds: readonly string[]): Promise<string[]> {
    return this.#reader.knownSubjects(shop, event, subjectIds);
  }

  knownDedupeKeys(shop: string, event: WebhookEvent, keys: readonly string[]): Promise<string[]> {
    return this.#reader.knownDedupeKeys(shop, event, keys);
  }

  listDeliveries(filter?: DeliveryFilter): Promise<Page<DeliverySummary>> {
    return this.#reader.listDeliveries(filter);
  }

  getDelivery(id: string): Promise<DeliveryDetail | null> {
    return this.#reader.getDelivery(id);
  }

  listEvents(filter?: EventFilter): Promise<Page<WithHandlerStates<EventSummary>>> {
    return this.#reader.listEvents(filter);
  }

  getEvent(id: string): Promise<EventDetail | null> {
    return this.#reader.getEvent(id);
  }

  unerasedLateDuplicates(): Promise<string[]> {
    return this.#reader.unerasedLateDuplicates();
  }

  listDeadLetters(filter?: DeadLetterFilter): Promise<DeadLetter[]> {
    return this.#reader.listDeadLetters(filter);
  }

  countDeadLetters(filter?: DeadLetterFilter): Promise<number> {
    return this.#reader.countDeadLetters(filter);
  }

  listHandlerStates(): Promise<HandlerState[]> {
    return this.#reader.listHandlerStates();
  }

  countJobs(): Promise<JobCounts> {
    return this.#reader.countJobs();
  }

  handlerBacklog(): Promise<HandlerBacklog[]> {
    return this.#reader.handlerBacklog();
  }

  shopBacklog(): Promise<ShopBacklog[]> {
    return this.#reader.shopBacklog();
  }
}

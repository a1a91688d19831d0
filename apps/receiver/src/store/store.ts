/**
 * The receiver's storage contract. Two engines implement it (`SqliteStore`, `PgStore`) and one shared
 * contract suite (`test-support/store-contract.ts`) runs against both.
 *
 * Data model: a *delivery* is one authentic HTTP request as received (raw body, headers, decode status);
 * it holds zero (quarantined) or more *events* (one per order / subscriber, deduplicated per
 * shop+event+dedupe key); every new, non-duplicate event gets one *job* per handler, written in the same
 * transaction (outbox); every run of a job is an *attempt*.
 *
 * The interface is here; the types it takes and answers are in types/ (ingest, read model, jobs, change
 * feed and stats), all exported from this module.
 */

import type { WebhookEvent } from '@srhooks/contracts';
import type { RecoveryPassRecord, RecoveryState } from './recovery-records.js';
import type { ShutdownBoundCaller } from './store-errors.js';
import type { SearchTextRebuildResult } from './stored-search-text.js';
import type { ErasureOptions, ErasureResult } from './types/erasure-types.js';
import type { PruneCounts, PruneOptions, StoreChangeListener, StoreStats } from './types/feed-types.js';
import type {
  DecodeFailure,
  IngestOptions,
  IngestResult,
  NewDelivery,
  NewEvent,
  QuarantineOptions,
  ReprocessOptions,
  SpooledContent,
  SpooledDelivery,
  SpooledStoreOptions,
  SpooledStoreResult,
} from './types/ingest-types.js';
import type {
  ClaimedJob,
  ClaimOptions,
  CompleteJobOptions,
  DeadLetter,
  DeadLetterFilter,
  DeadLetterReplayResult,
  FailJobOptions,
  HandlerBacklog,
  HandlerDisabledBy,
  HandlerState,
  JobCounts,
  JobTransition,
  LeaseRef,
  LeaseRenewal,
  ReplayResult,
  ShopBacklog,
  VerificationUpdate,
} from './types/job-types.js';
import type {
  DeliveryDetail,
  DeliveryFilter,
  DeliverySummary,
  EventDetail,
  EventFilter,
  EventSummary,
  Page,
  ReleaseJobOptions,
  WithHandlerStates,
} from './types/read-types.js';

export type { EventSource, RecoveryPass, RecoveryPassRecord, RecoveryState } from './recovery-records.js';
export {
  ErasedEventReplayError,
  PaymentClaimConflictError,
  PruneInProgressError,
  RECONCILE_LOCK_WAIT_MS,
  type ReceiverLockHolder,
  ReconcileLockBusyError,
  StoreConfigError,
  StoreConflictError,
  StoreError,
  StoreInUseError,
  StoreNotFoundError,
  StoreUnavailableError,
} from './store-errors.js';
export * from './types/erasure-types.js';
export * from './types/feed-types.js';
export * from './types/ingest-types.js';
export * from './types/job-types.js';
export * from './types/read-types.js';
export type { WebhookEvent };

// ---------------------------------------------------------------------------------------------
// The interface
// ---------------------------------------------------------------------------------------------

export interface Store {
  readonly kind: 'sqlite' | 'postgres';

  /** Applies pending schema migrations (versioned, idempotent, safe when several instances start at once). */
  migrate(): Promise<void>;

  /**
   * Atomically stores the delivery, its events (duplicates detected by UNIQUE(shop, event, dedupe_key),
   * recorded with duplicate_of = the earlier event id) and one job per (new, non-duplicate event, handler
   * name in `handlers`) — the outbox. Jobs are runnable from `receivedAt`. Resolves only after the
   * transaction is durably committed; concurrent calls share transactions (group commit on both engines),
   * each delivery isolated in a savepoint so one failing delivery does not fail the others. With
   * `paymentClaim`, the claim is part of that transaction (PostgreSQL: a transaction of its own, as these
   * are rare).
   */
  ingest(
    delivery: NewDelivery,
    events: NewEvent[],
    handlers: string[],
    options?: IngestOptions,
  ): Promise<IngestResult>;

  /** Stores an authentic but undecodable delivery with its decode error. Durable before resolving. */
  quarantine(
    delivery: NewDelivery,
    error: DecodeFailure,
    options?: QuarantineOptions,
  ): Promise<{ deliveryId: string }>;

  /**
   * Stores a delivery the receiver spooled while the store was unavailable (spool/), under the id it was
   * acknowledged with, at most once: when a delivery with that id exists already (a drain interrupted
   * between this commit and the spool file's removal, or the ingest call that failed had committed after
   * all), nothing is written and `alreadyStored` is true. Otherwise exactly as `ingest` (content
   * `events`: dedupe, one job per new event and handler, runnable from `receivedAt`) or `quarantine`
   * (content `failure`), with the payment claim / binding of `options` in the same transaction (written
   * only when the delivery is stored this time). One transaction of its own; durable before resolving.
   */
  storeSpooled(
    delivery: SpooledDelivery,
    content: SpooledContent,
    handlers: string[],
    options?: SpooledStoreOptions,
  ): Promise<SpooledStoreResult>;

  /**
   * Readiness: throws StoreUnavailableError when the store is unreachable or cannot store a delivery
   * now (SQLite: its write lock cannot be taken; PostgreSQL: the session is read-only).
   */
  ping(): Promise<void>;

  /**
   * Optional: prepares now what the first write needs, so it does not fall on the first delivery's time
   * (SQLite: starts its writer thread). The receiver calls it once the schema is migrated.
   */
  warmUp?(): void;
  /**
   * Resolves once the background rebuild of search texts an older search text rule composed is done
   * (search-text-rebuild.ts; started by migrate): what it did, or null when the store was at the newest rule.
   */
  searchTextsRebuilt?(): Promise<SearchTextRebuildResult | null>;

  /** Finishes pending commits, then releases the database. Later calls reject with StoreUnavailableError. */
  close(): Promise<void>;
  /**
   * Optional (PostgreSQL): the receiver's shutdown has begun (its first step, before the job worker and
   * recovery stop). From now on the calls of {@link forBackgroundWork}'s view are bounded.
   */
  beginShutdown?(): void;

  /**
   * Optional (PostgreSQL): this store as the receiver's background work (the job worker, recovery passes)
   * uses it — once {@link beginShutdown} was called, a call its server does not answer within the store's
   * close grace is given up (StoreShutdownWaitError), so a link gone silent cannot hold the shutdown for a
   * query timeout (store/shutdown-bounded-store.ts). Absent (SQLite: a local file always answers): the
   * store itself.
   */
  forBackgroundWork?(): Store;

  /**
   * Optional (PostgreSQL): this store as the admin API's and the inspector's requests use it — bounded as
   * {@link forBackgroundWork}'s view once {@link beginShutdown} was called; a call given up rejects with a
   * StoreShutdownWaitError whose message says the receiver is stopping (answered 503 store_unavailable).
   * Not for deliveries: one in flight is answered only once committed, or spooled. Absent: the store itself.
   */
  forRequests?(): Store;

  /**
   * Optional (PostgreSQL): `other`, a store of its own on this store's server (app mode's shop records,
   * with a pool of their own), bounded as this store's views are once {@link beginShutdown} was called —
   * `caller` says as whose (the background work's, {@link forBackgroundWork}; a request's, {@link forRequests}).
   * A call given up counts as this store's: the server is silent, and close cuts at once. `except`: methods
   * left unbounded (one whose promise also covers the caller's own work, e.g. a lock held while it runs).
   * Absent: `other`.
   */
  shutdownBoundViewOf?<S extends object>(
    other: S,
    caller: ShutdownBoundCaller,
    except?: readonly (keyof S)[],
  ): S;

  // --- read API ---------------------------------------------------------------------------------
  listDeliveries(filter?: DeliveryFilter): Promise<Page<DeliverySummary>>;
  /** Null when there is no such delivery. */
  getDelivery(id: string): Promise<DeliveryDetail | null>;
  listEvents(filter?: EventFilter): Promise<Page<WithHandlerStates<EventSummary>>>;
  /** The event with its jobs and their attempt logs; null when there is no such event. */
  getEvent(id: string): Promise<EventDetail | null>;

  // --- jobs -------------------------------------------------------------------------------------
  /**
   * Leases up to `limit` runnable jobs to `workerId`: pending ones whose runAt has come, and running ones
   * whose lease expired (crash recovery: their open attempt is logged as `expired`). Never returns a job
   * that succeeded or is dead, a job of a disabled handler, or a job of a held event. Two concurrent
   * claimers never get the same job (SQLite: writes serialised; PostgreSQL: FOR UPDATE SKIP LOCKED).
   */
  claimJobs(options: ClaimOptions): Promise<ClaimedJob[]>;
  /**
   * Marks the job succeeded when this attempt still holds it (running under this attempt, also after its
   * lease expired as long as nobody claimed it since), or when nobody holds it (pending, waiting for a
   * retry another attempt scheduled; the handler did succeed, so it must not run again). Never applied
   * while another attempt holds the job (taken over), to a finished job, or after a replay: a stale
   * attempt does not decide the job; its attempt stays `expired`, with what it reported in its error.
   */
  completeJob(jobId: string, options: CompleteJobOptions): Promise<JobTransition>;
  /**
   * Schedules a retry at `retryAt`, or dead-letters the job. Ignored (applied: false) for a stale attempt
   * (its attempt stays `expired` when the job was taken over, with what it reported in its error).
   */
  failJob(jobId: string, options: FailJobOptions): Promise<JobTransition>;
  /**
   * Hands a claimed job back unrun (its handler was disabled, its event was just held: outcome `held`);
   * does not count as a failure.
   */
  releaseJob(jobId: string, options: ReleaseJobOptions): Promise<JobTransition>;
  /** Extends the lease of a long-running attempt (heartbeat). */
  extendLease(
    jobId: string,
    options: { attempt: number; leaseMs: number; now?: Date },
  ): Promise<JobTransition>;
  /**
   * Extends every given lease by leaseMs from now in one store call (the worker's heartbeat for all the
   * jobs it holds: prefetched, running, settling), and says which were lost. "Now" is the store's lease
   * clock: PostgreSQL's server clock when it received the call, SQLite the `now` passed.
   */
  extendLeases(leases: readonly LeaseRef[], options: { leaseMs: number; now?: Date }): Promise<LeaseRenewal>;
  /**
   * The worker called the handler of these claimed attempts: `claimed` → `running`, `started_at` = now
   * (a claim writes the attempt as `claimed`, started_at = claim time: a job claimed ahead waits for a
   * slot). Attempts no longer `claimed` (already reported, expired) are left alone.
   */
  markStarted(leases: readonly LeaseRef[], options?: { now?: Date }): Promise<void>;
  /** Dead-lettered jobs whose dead-letter time lies in the range, newest first. */
  listDeadLetters(filter?: DeadLetterFilter): Promise<DeadLetter[]>;
  /** How many dead letters match the filter (handler and window; cursor and limit ignored). */
  countDeadLetters(filter?: DeadLetterFilter): Promise<number>;
  /** Resets the event's jobs (or only `handler`'s, creating that job if missing) to run now; releases a hold. */
  replayEvent(eventId: string, options?: { handler?: string; now?: Date }): Promise<ReplayResult>;
  /**
   * Resets the dead letters the filter lists (range, handler; newest first, after `cursor`, at most
   * `limit`) to run now.
   */
  replayDeadLetters(filter?: DeadLetterFilter & { now?: Date }): Promise<DeadLetterReplayResult>;
  /**
   * Turns a quarantined delivery into events after a decoder fix: same dedupe and outbox rules as ingest,
   * jobs runnable from `now`. The delivery becomes `reprocessed`. StoreConflictError if not quarantined.
   * With `fileAs`, the delivery and its events are filed under that shop and event instead of those it was
   * quarantined under (a Payment API notification quarantined under `payment-api` as `unknown_shop`, filed
   * under its shop once the app is installed there); dedupe is that shop's.
   */
  reprocessQuarantined(
    deliveryId: string,
    events: NewEvent[],
    handlers: string[],
    options?: ReprocessOptions,
  ): Promise<IngestResult>;
  /**
   * A re-process that still does not decode: the quarantined delivery's failure (code, message, part,
   * path, value) becomes today's decoder's. StoreNotFoundError / StoreConflictError (not quarantined).
   */
  recordDecodeFailure(deliveryId: string, failure: DecodeFailure): Promise<void>;
  /** Records the `verify` result; a mismatched event is held (its jobs are not claimed) unless hold: false. */
  setEventVerification(eventId: string, update: VerificationUpdate): Promise<void>;
  /**
   * "410 disables the target" (`by: 'target'`, the default) or an operator pauses the handler
   * (`by: 'operator'`): either way its jobs stay pending and are not claimed until enabled; new events
   * still get jobs for it. True when the state changed; false when an operator's disable met a handler
   * already disabled (left as it was: its reason and who disabled it are kept).
   */
  disableHandler(
    handler: string,
    options: { reason: string; by?: HandlerDisabledBy; now?: Date },
  ): Promise<boolean>;
  enableHandler(handler: string, options?: { now?: Date }): Promise<void>;
  listHandlerStates(): Promise<HandlerState[]>;
  /** Jobs per status (for metrics and health). */
  countJobs(): Promise<JobCounts>;
  /** Per handler with any: waiting (pending) jobs and dead letters, in handler order (metrics gauges). */
  handlerBacklog(): Promise<HandlerBacklog[]>;
  /** Per shop with any: waiting (pending) jobs and dead letters, in shop order (the inspector's shops page). */
  shopBacklog(): Promise<ShopBacklog[]>;
  /**
   * Logout: the admin session id is refused by every instance on this store until `expiresAt` (when its
   * cookie would have expired anyway). Idempotent; expired revocations are cleaned up on the way.
   */
  revokeAdminSession(sessionId: string, expiresAt: Date, options?: { now?: Date }): Promise<void>;
  /** Whether the session was revoked (and its revocation has not expired). */
  isAdminSessionRevoked(sessionId: string, options?: { now?: Date }): Promise<boolean>;
  /**
   * Retention: deletes the deliveries received before `before` with their events, jobs and attempts, in
   * chunks (one transaction each). Keeps those with unfinished jobs (and dead letters unless
   * `includeDeadLetters`) and originals that kept duplicates refer to (see prune-plan.ts). Then (not in a
   * dry run) the charge bindings of app mode that are as old and that nothing left refers to
   * (payment-binding-prune.ts). PostgreSQL: one run at a time per schema; PruneInProgressError (nothing
   * deleted) while another instance's run holds the schema's prune lock.
   */
  prune(options: PruneOptions): Promise<PruneCounts>;

  /**
   * Personal data erasure (GDPR art. 17; erase-plan.ts): finds the events and deliveries holding the
   * e-mail address or order of `options`, and (unless a dry run, or `blocked` by unfinished jobs without
   * `includeUnfinished`) clears their payloads, raw bodies, search texts and handler error texts in one
   * transaction, keeping ids, dedupe keys and job statuses. SQLite: with `secure_delete` and a TRUNCATE
   * checkpoint of the WAL afterwards (`walCheckpointed`); PostgreSQL: old row versions stay in the table
   * files until VACUUM reuses them (docs/operations.md).
   */
  erasePersonalData(options: ErasureOptions): Promise<ErasureResult & { walCheckpointed?: boolean }>;

  // --- recovery (fetching missed orders from the shop's API) ------------------------------------------
  /** The shop's watermark and last pass; null before its first pass. */
  getRecoveryState(shop: string): Promise<RecoveryState | null>;
  listRecoveryStates(): Promise<RecoveryState[]>;
  /** Records a pass; the watermark only moves forward. A failed pass counts a failure in a row, an ok one resets it. */
  recordRecoveryPass(shop: string, record: RecoveryPassRecord): Promise<void>;
  /** Which of these dedupe keys the shop already has an event for (of this event name), in any order. */
  knownDedupeKeys(shop: string, event: WebhookEvent, keys: readonly string[]): Promise<string[]>;
  /** Which of these subject ids (order inner id, subscriber id) the shop already has an event of this name for. */
  knownSubjects(shop: string, event: WebhookEvent, subjectIds: readonly string[]): Promise<string[]>;
  /** When the newest delivery from the shop (not a recovery record) arrived; null when none is stored. */
  lastDeliveryAt(shop: string): Promise<Date | null>;
  /**
   * Runs `work` only when no other instance on this store runs a pass for the shop (PostgreSQL: a session
   * advisory lock held for the pass; SQLite: one receiver process per file, enforced by its lock file; a lock in this process). `false` when
   * another holds it.
   */
  withRecoveryLock<T>(
    shop: string,
    work: () => Promise<T>,
  ): Promise<{ acquired: true; value: T } | { acquired: false }>;

  /**
   * Runs `work` (the start-up reconcile of the shop's subscriptions) when no other instance on this store
   * reconciles that shop, waiting for one that does: several receivers started together then subscribe
   * each event once, and the later ones find the subscriptions made (PostgreSQL: a session advisory lock
   * per schema and shop on a connection of its own, released when `work` settles or that connection ends,
   * the process included; waited for at most `waitMs`, default RECONCILE_LOCK_WAIT_MS, then
   * ReconcileLockBusyError and nothing run. SQLite: one receiver process per file, enforced by its lock
   * file; a queue in this process).
   */
  withReconcileLock<T>(shop: string, work: () => Promise<T>, options?: { waitMs?: number }): Promise<T>;

  // --- change feed, stats -------------------------------------------------------------------------
  /**
   * Called after each commit made by this process and, with PostgreSQL (unless `shareChanges` is false),
   * a moment after the commits of other instances on the same database and schema (best effort, see
   * PgChangeRelay). Returns an unsubscribe function.
   */
  onChange(listener: StoreChangeListener): () => void;
  /**
   * PostgreSQL: called when `onChange` may have missed other instances' commits — the relay's listening
   * connection was lost and listens again — so what shows them must be read again. Absent where every
   * change reaches `onChange` (SQLite: one process). Returns an unsubscribe function.
   */
  onChangeGap?(listener: () => void): () => void;
  stats(): StoreStats;

  /**
   * After a burst, when the process is quiet: frees what the store's own threads still hold of it (SQLite:
   * the writer thread's heap keeps the bodies it stored until its next garbage collection). The work runs
   * on those threads; resolves when it is done. A store without threads of its own has nothing to do.
   */
  releaseMemory(): Promise<void>;
}

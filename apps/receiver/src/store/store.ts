/**
 * The receiver's storage contract. Two engines implement it (`SqliteStore`, `PgStore`) and one shared
 * contract suite (`test-support/store-contract.ts`) runs against both.
 *
 * Data model: a *delivery* is one authentic HTTP request as received (raw body, headers, decode status);
 * it holds zero (quarantined) or more *events* (one per order / subscriber, deduplicated per
 * shop+event+dedupe key); every new, non-duplicate event gets one *job* per handler, written in the same
 * transaction (outbox); every run of a job is an *attempt*.
 */

import type { AppEvent, WebhookEvent } from '@srhooks/contracts';
import type { PaymentBindingTouch, PaymentClaimWrite } from './payment-claim.js';
import type { PruneCounts } from './prune-plan.js';
import type { EventSource, RecoveryPassRecord, RecoveryState } from './recovery-records.js';

export type { EventSource, RecoveryPass, RecoveryPassRecord, RecoveryState } from './recovery-records.js';
export {
  PaymentClaimConflictError,
  PruneInProgressError,
  type ReceiverLockHolder,
  StoreConfigError,
  StoreConflictError,
  StoreError,
  StoreInUseError,
  StoreNotFoundError,
  StoreUnavailableError,
} from './store-errors.js';
export type { WebhookEvent };

// ---------------------------------------------------------------------------------------------
// Writes from the ingest path
// ---------------------------------------------------------------------------------------------

export interface NewDelivery {
  /** From the signed URL. */
  shop: string;
  event: WebhookEvent;
  receivedAt: Date;
  remoteAddress: string;
  /** Already stripped of secrets. */
  headers: Record<string, string>;
  contentType: string;
  rawBody: Buffer;
  /** `recovery` for the record of a recovery pass (its events were read back from the API); default `webhook`. */
  source?: EventSource;
}

export interface NewEvent {
  /** contracts' `dedupeKey(shop, event, item)`. */
  dedupeKey: string;
  /** Order innerId / subscriber id. */
  subjectId: string | null;
  /** Normalised item (JSON-serialisable). */
  payload: unknown;
}

export interface IngestedEvent {
  id: string;
  dedupeKey: string;
  /** Id of the earlier event with the same dedupe key, or null for a new event. */
  duplicateOf: string | null;
}

export interface IngestResult {
  deliveryId: string;
  events: IngestedEvent[];
  duplicates: number;
}

export type { PaymentBindingTouch, PaymentClaimWrite };

/** Options of `Store.ingest`. */
export interface IngestOptions {
  /**
   * A Payment API notification's claim on its charge (payment-claim.ts), written in the same transaction:
   * PaymentClaimConflictError (nothing stored) when the charge is bound to another shop by then.
   */
  paymentClaim?: PaymentClaimWrite;
}

/** Options of `Store.quarantine`. */
export interface QuarantineOptions {
  /**
   * A Payment API notification quarantined for its charge's binding (`shop_mismatch`, `unknown_shop` of a
   * bound charge): the binding is touched in the same transaction (payment-claim.ts `touchPaymentBinding`),
   * so retention cannot prune it under the quarantined notification; PaymentClaimConflictError (nothing
   * stored) when it is gone or bound to another shop by then.
   */
  paymentBinding?: PaymentBindingTouch;
}

/** Options of `Store.reprocessQuarantined`. */
export interface ReprocessOptions {
  now?: Date;
  /** File the delivery and its events under this shop and event (default: those it was quarantined under). */
  fileAs?: { shop: string; event: string };
  /** As for `ingest`: the claim is written in the same transaction. */
  paymentClaim?: PaymentClaimWrite;
}

export interface DecodeFailure {
  code: string;
  message: string;
}

// ---------------------------------------------------------------------------------------------
// Read model
// ---------------------------------------------------------------------------------------------

/** `stored`: decoded into events; `quarantined`: authentic but undecodable; `reprocessed`: was quarantined, decoded later. */
export type DeliveryStatus = 'stored' | 'quarantined' | 'reprocessed';

/**
 * Derived from the event's jobs, kept up to date by every job transition:
 * `duplicate` (no jobs, see duplicateOf) · `held` (verification mismatched; jobs wait) · `dead` (some job
 * dead-lettered) · `retrying` (some job failed and waits for its next run) · `pending` (jobs waiting or
 * running) · `succeeded` (every job succeeded) · `stored` (no handler configured).
 */
export type EventStatus = 'stored' | 'pending' | 'retrying' | 'succeeded' | 'dead' | 'duplicate' | 'held';

/** `pending`: waiting for runAt; `running`: leased by a worker; `succeeded` and `dead` are final until a replay. */
export type JobStatus = 'pending' | 'running' | 'succeeded' | 'dead';

/**
 * `claimed`: claimed by a worker (its lease is held) but its handler not called yet (claimed ahead, waiting
 * for a slot, or being verified; `startedAt` is then when it was claimed); `running`: its handler was
 * called at `startedAt`, until the worker reports; `expired`: lease ran out and the job was claimed again (a report the
 * worker made after that is kept in the attempt's error and status code, but the attempt stays `expired`:
 * it no longer decides the job); `released`: handed back unrun (its handler was disabled, the worker was
 * shutting down, or its lease could not be confirmed), to run again soon; `held`: handed back unrun because
 * its event's verification mismatched, so it waits until someone releases (replays) the event.
 */
export type AttemptOutcome =
  | 'claimed'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'dead'
  | 'expired'
  | 'released'
  | 'held';

/** The outcome `releaseJob` records for the attempt it hands back. */
export type HandBackOutcome = Extract<AttemptOutcome, 'released' | 'held'>;

/** `releaseJob`'s options: the attempt, why it is handed back, and (default `released`) its outcome. */
export interface ReleaseJobOptions {
  attempt: number;
  reason: string;
  outcome?: HandBackOutcome;
  now?: Date;
}

/** Result of the optional `verify` step (fetch the order back from the shop). */
export type VerificationStatus = 'unverified' | 'verified' | 'mismatched';

export interface EventSummary {
  id: string;
  deliveryId: string;
  shop: string;
  event: WebhookEvent;
  receivedAt: Date;
  dedupeKey: string;
  subjectId: string | null;
  duplicateOf: string | null;
  /** Order number (order innerId) for order events, null for newsletter events. */
  orderNumber: string | null;
  /** The name family name first, "Lastname Firstname" (contracts' `fullName`; unmasked: mask it when displaying). */
  customerName: string | null;
  /** Gross total as delivered (string, e.g. "11206"), null when not delivered. */
  grossTotal: string | null;
  currency: string | null;
  status: EventStatus;
  verification: VerificationStatus;
  /** True while the event's jobs are held back (verification mismatched); replayEvent releases it. */
  held: boolean;
  /** Delivered by the shop (`webhook`) or read back from its API (`recovery`). */
  source: EventSource;
}

export interface EventRecord extends EventSummary {
  payload: unknown;
  verificationDetail: string | null;
}

export interface DeliverySummary {
  id: string;
  receivedAt: Date;
  shop: string;
  event: WebhookEvent;
  remoteAddress: string;
  contentType: string;
  status: DeliveryStatus;
  bodyBytes: number;
  decodeError: DecodeFailure | null;
  reprocessedAt: Date | null;
  /** `recovery`: not a delivery from the shop but the record of a recovery pass. */
  source: EventSource;
  /** Events of this delivery in delivery order (duplicates included). */
  events: EventSummary[];
}

export interface DeliveryDetail extends Omit<DeliverySummary, 'events'> {
  headers: Record<string, string>;
  rawBody: Buffer;
  events: EventRecord[];
}

export interface JobRecord {
  /** Stable across retries and replays: handlers use it as the idempotency key (Standard Webhooks `webhook-id`). */
  id: string;
  eventId: string;
  handler: string;
  status: JobStatus;
  /** How many times the job was claimed (attempt numbers run 1..attempts, never reused). */
  attempts: number;
  /** Failed attempts since the job was created or last replayed (drives the retry schedule). */
  failures: number;
  /** When it is (or was) due: on PostgreSQL on the database server's clock (PgStoreOptions.jobClock). */
  runAt: Date;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  lastError: string | null;
  lastStatusCode: number | null;
  createdAt: Date;
  updatedAt: Date;
  /** When it succeeded or was dead-lettered. */
  finishedAt: Date | null;
}

export interface AttemptRecord {
  jobId: string;
  attempt: number;
  workerId: string;
  startedAt: Date;
  finishedAt: Date | null;
  outcome: AttemptOutcome;
  statusCode: number | null;
  error: string | null;
}

export interface JobDetail extends JobRecord {
  /** Every attempt, oldest first. */
  attemptLog: AttemptRecord[];
}

export interface EventDetail extends EventRecord {
  jobs: JobDetail[];
}

export interface TimeRange {
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

export interface PageRequest {
  /** Default 50, at most 500. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface DeliveryFilter extends TimeRange, PageRequest {
  shop?: string;
  /** A webhook event or, in app mode, an app event (both are stored). */
  event?: WebhookEvent | AppEvent;
  status?: DeliveryStatus;
  /** Deliveries having at least one event in this status. */
  eventStatus?: EventStatus;
  /** Text search (`search-text.ts`): order number, customer name, e-mail address, phone number in any form. */
  q?: string;
  source?: EventSource;
}

export interface EventFilter extends TimeRange, PageRequest {
  shop?: string;
  /** A webhook event or, in app mode, an app event (both are stored). */
  event?: WebhookEvent | AppEvent;
  status?: EventStatus;
  deliveryId?: string;
  /** Text search (`search-text.ts`): order number, customer name, e-mail address, phone number in any form. */
  q?: string;
  source?: EventSource;
}

/** Newest first. `nextCursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

// ---------------------------------------------------------------------------------------------
// Jobs (issue 6)
// ---------------------------------------------------------------------------------------------

export interface ClaimOptions {
  workerId: string;
  /** Only jobs of these handlers (e.g. to respect a per-handler concurrency limit). Default: all. */
  handlers?: string[];
  limit: number;
  /**
   * The caller's time: stamps the attempt. On SQLite it also decides which pending jobs are due and
   * times the lease; PostgreSQL does both on the database server's clock (PgStoreOptions.jobClock).
   */
  now?: Date;
  leaseMs: number;
}

/** A job leased to one worker until `leaseExpiresAt`, with everything a handler needs about its event. */
export interface ClaimedJob {
  id: string;
  handler: string;
  /** This run's attempt number; pass it back to complete/fail/release/extend. */
  attempt: number;
  /** Failed attempts before this one since creation or the last replay. */
  failures: number;
  /**
   * The first attempt number since the job was created or last replayed: 1 for a job never replayed.
   * Retries and re-runs after a crash keep it; an explicit replay changes it. Broker handlers derive
   * their message id from it (the event id, plus a replay mark after a replay). The stores always set it.
   */
  firstAttempt?: number;
  /**
   * When the lease ends, on the store's lease clock (PostgreSQL: the database server's; SQLite: the
   * claim's `now` + leaseMs). Not to be compared with another host's clock.
   */
  leaseExpiresAt: Date;
  eventId: string;
  deliveryId: string;
  shop: string;
  event: WebhookEvent;
  receivedAt: Date;
  dedupeKey: string;
  subjectId: string | null;
  payload: unknown;
  verification: VerificationStatus;
  source: EventSource;
}

export interface CompleteJobOptions {
  attempt: number;
  statusCode?: number;
  now?: Date;
}

interface FailJobBase {
  attempt: number;
  error: string;
  statusCode?: number;
  now?: Date;
  /**
   * Default true: the attempt adds one to the job's `failures`, which the retry schedule counts. False
   * for an answer that is no failure of this job (a 410 disables the handler: its jobs wait, and this
   * one keeps its whole schedule for when the handler is enabled again); the attempt is still logged.
   */
  countsAsFailure?: boolean;
}
/**
 * `retryAt` is on the caller's clock, like `now`: SQLite stores it as the job's due time; PostgreSQL
 * makes the job due as long after the server received the call as `retryAt` lies after `now` (the
 * backoff), on the database server's clock (PgStoreOptions.jobClock).
 */
export type FailJobOptions = FailJobBase & ({ retryAt: Date; deadLetter?: false } | { deadLetter: true });

/** One lease a worker holds: the job and the attempt it claimed. */
export interface LeaseRef {
  jobId: string;
  attempt: number;
}

/** What `extendLeases` did with each lease it was given (job ids). */
export interface LeaseRenewal {
  /** Extended: the job is still running under this attempt, leased for leaseMs more (on the store's lease clock). */
  renewed: string[];
  /** Lost: the job is no longer running under this attempt (taken over, replayed, settled, unknown). */
  lost: string[];
  /** Neither (PostgreSQL: the row is locked by another transaction right now); ask again shortly. */
  busy: string[];
}

export interface JobTransition {
  /** False when the attempt was stale (lease lost, or job replayed meanwhile): only the attempt log changed. */
  applied: boolean;
  status: JobStatus;
}

export interface DeadLetterFilter extends TimeRange {
  handler?: string;
  limit?: number;
  /** Only dead letters after this one in the list's order (`deadLetterCursor` of the previous page's last). */
  cursor?: string;
}

export interface DeadLetter {
  job: JobRecord;
  event: EventSummary;
}

export interface ReplayResult {
  /** Jobs reset to pending or newly created, now runnable. */
  jobs: JobRecord[];
}

export interface DeadLetterReplayResult extends ReplayResult {
  /**
   * `deadLetterCursor` of the last (oldest) dead letter replayed, null when none was: the next batch of a
   * replay in batches starts after it (the jobs themselves no longer carry their dead-letter time).
   */
  cursor: string | null;
}

/** Who disabled a handler: its forward target (answered HTTP 410) or an operator (`handlers disable`). */
export type HandlerDisabledBy = 'target' | 'operator';

export interface HandlerState {
  handler: string;
  disabled: boolean;
  /** Null while enabled. */
  disabledBy: HandlerDisabledBy | null;
  reason: string | null;
  changedAt: Date;
}

export interface VerificationUpdate {
  status: 'verified' | 'mismatched';
  detail?: string;
  /** Hold the event's jobs back. Default: true for `mismatched`, false for `verified`. */
  hold?: boolean;
}

export type JobCounts = Record<JobStatus, number>;

/** One handler's open work: jobs waiting (pending: runnable now or at their retry time) and dead letters. */
export interface HandlerBacklog {
  handler: string;
  waiting: number;
  dead: number;
}

// ---------------------------------------------------------------------------------------------
// Change feed, stats
// ---------------------------------------------------------------------------------------------

export type StoreChange =
  | { kind: 'delivery'; deliveryId: string; shop: string; event: WebhookEvent; status: DeliveryStatus }
  | { kind: 'job'; jobId: string; eventId: string; handler: string; status: JobStatus }
  | { kind: 'event'; eventId: string; status: EventStatus };

export interface PruneOptions {
  before: Date;
  /** Delete deliveries whose only unfinished work is dead-lettered jobs too. Default false. */
  includeDeadLetters?: boolean;
  /** Deliveries per transaction. Default 500. */
  chunkSize?: number;
  /** Count what would be deleted (and kept), delete nothing. */
  dryRun?: boolean;
  /** Stops between chunks (shutdown): what committed stays deleted, the rest waits for the next run. */
  signal?: AbortSignal;
  /** Called after each chunk committed, with its counts (progress). */
  onChunk?: (counts: PruneCounts) => void;
}

export type { PruneCounts };

export type StoreChangeListener = (change: StoreChange) => void;

export interface StoreStats {
  /**
   * Write transactions committed by this store instance. SQLite (WAL, synchronous=FULL): one fsync each,
   * every write goes through group commit. PostgreSQL: one per ingest/quarantine batch (group commit) or
   * job transition.
   */
  commits: number;
  /** Write operations (ingest, quarantine, job transitions…) those transactions carried. */
  items: number;
  /** Most items one transaction carried. */
  largestBatch: number;
  /**
   * Commits that took longer than {@link SLOW_COMMIT_MS}. SQLite: the COMMIT statement, i.e. the WAL
   * write and its fsync (a slow one is the disk). PostgreSQL: an ingest batch's round trip, or a job
   * transition's transaction.
   */
  slowCommits: number;
  /** The longest of those commit times, in milliseconds (0 before the first commit). */
  longestCommitMs: number;
}

/** A commit slower than this counts in {@link StoreStats.slowCommits}. */
export const SLOW_COMMIT_MS = 5;

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
   * Readiness: throws StoreUnavailableError when the store is unreachable or cannot store a delivery
   * now (SQLite: its write lock cannot be taken; PostgreSQL: the session is read-only).
   */
  ping(): Promise<void>;

  /** Finishes pending commits, then releases the database. Later calls reject with StoreUnavailableError. */
  close(): Promise<void>;

  // --- read API ---------------------------------------------------------------------------------
  listDeliveries(filter?: DeliveryFilter): Promise<Page<DeliverySummary>>;
  /** Null when there is no such delivery. */
  getDelivery(id: string): Promise<DeliveryDetail | null>;
  listEvents(filter?: EventFilter): Promise<Page<EventSummary>>;
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

  // --- change feed, stats -------------------------------------------------------------------------
  /**
   * Called after each commit made by this process and, with PostgreSQL (unless `shareChanges` is false),
   * a moment after the commits of other instances on the same database and schema (best effort, see
   * PgChangeRelay). Returns an unsubscribe function.
   */
  onChange(listener: StoreChangeListener): () => void;
  stats(): StoreStats;

  /**
   * After a burst, when the process is quiet: frees what the store's own threads still hold of it (SQLite:
   * the writer thread's heap keeps the bodies it stored until its next garbage collection). The work runs
   * on those threads; resolves when it is done. A store without threads of its own has nothing to do.
   */
  releaseMemory(): Promise<void>;
}

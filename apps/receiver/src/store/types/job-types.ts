/** The Store's jobs: claims, leases, outcomes, dead letters, replays and handler states. */

import type { WebhookEvent } from '@srhooks/contracts';
import type { EventSource } from '../recovery-records.js';
import type { JobChangeCause } from './feed-types.js';
import type { EventSummary, JobRecord, JobStatus, TimeRange, VerificationStatus } from './read-types.js';

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
   * Earlier attempts since the job was created or last replayed whose handler was running when their
   * lease ran out (`interrupted`: the receiver stopped, crashed — possibly because of this handler — or
   * lost the store meanwhile). The worker dead-letters a job at MAX_INTERRUPTIONS instead of running it
   * again. The stores always set it.
   */
  interruptions?: number;
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
  /**
   * The receiver's own words about the failure (`connection refused by erp.example.com:443`), with no
   * text from the target or the handler in them: stored beside `error` and shown unmasked where `error`
   * is hidden until revealed. Absent when the handler gave none (a module handler's message).
   */
  errorSummary?: string;
  statusCode?: number;
  now?: Date;
  /**
   * Default true: the attempt adds one to the job's `failures`, which the retry schedule counts. False
   * for an answer that is no failure of this job (a 410 disables the handler: its jobs wait, and this
   * one keeps its whole schedule for when the handler is enabled again); the attempt is still logged.
   */
  countsAsFailure?: boolean;
  /**
   * Announced with the job's change on the feed (StoreChange `cause`): `handler-disabled` when the attempt
   * disabled the job's handler (with `countsAsFailure: false`), so the job that is `pending` again waits for
   * the handler rather than for a retry.
   */
  cause?: Extract<JobChangeCause, 'handler-disabled'>;
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
  /**
   * App mode: left out are the dead letters of these shops' webhook events (shops that uninstalled the app:
   * their jobs are cancelled at their turn); those of the app's own events (`app_uninstalled`, Payment API
   * notifications) stay in.
   */
  exceptShops?: readonly string[];
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
  /** Pending jobs (including those waiting for a retry). */
  waiting: number;
  /** Jobs a worker holds a lease on now (any receiver on this store). */
  running: number;
  dead: number;
}

/**
 * One shop's open work: its jobs waiting (pending: runnable now or at their retry time, also those of
 * disabled handlers and held events) and its dead letters, whatever the handler (the inspector's shops page).
 */
export interface ShopBacklog {
  shop: string;
  waiting: number;
  dead: number;
}

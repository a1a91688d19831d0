/** The job worker's options and what it reports per attempt (worker.ts). */
import type { Logger } from 'pino';
import type { ClaimedJob, JobTransition, Store } from '../store/store.js';
import type { RecordedDecision } from './attempt-decision.js';
import type { EventVerifier } from './attempt-verification.js';
import type { Clock } from './clock.js';
import type { HandlerOutcome } from './handler-outcome.js';
import type { HandlerRunner } from './handler-runner.js';
import type { UninstalledNow } from './uninstalled-shop-jobs.js';
import type { JobWorkerFaults } from './worker-faults.js';

export const DEFAULT_POLL_INTERVAL_MS = 1000;
export const DEFAULT_LEASE_MS = 60_000;

/** What happened to one attempt; for metrics and tests. */
export interface SettledAttempt {
  job: ClaimedJob;
  handler: string;
  outcome: HandlerOutcome | { status: 'held'; detail: string };
  /** The job's status afterwards, null when the write was not applied (stale attempt) or failed. */
  jobStatus: JobTransition['status'] | null;
}

export interface JobWorkerOptions {
  store: Store;
  runners: Iterable<HandlerRunner>;
  logger: Logger;
  /** Lease owner name; default host:pid:random. */
  workerId?: string;
  clock?: Clock;
  /** For retry jitter; default Math.random. */
  random?: () => number;
  /** How often to look for jobs without a wake-up (other instances' jobs); default 1 s. */
  pollIntervalMs?: number;
  /** Lease length; renewed while a job runs. Default 60 s. */
  leaseMs?: number;
  verifier?: EventVerifier;
  faults?: JobWorkerFaults;
  onSettled?: (attempt: SettledAttempt) => void;
  /**
   * Called once per handler attempt whose outcome the store answered (metrics): with the worker's final
   * decision (after the retry schedule: a `retry` outcome with no retry left is `dead`) once the store
   * applied it, or `stale` when it ignored it. Not called when the outcome could not be written at all
   * (the job runs again after its lease expired, and that attempt is counted).
   */
  onDecision?: (handler: HandlerRunner, decision: RecordedDecision) => void;
  /**
   * App mode: reads from the store whether a shop has uninstalled the app; its claimed jobs are cancelled,
   * not run (uninstalled-shop-jobs.ts).
   */
  uninstalledNow?: UninstalledNow;
}

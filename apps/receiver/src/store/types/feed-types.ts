/** The Store's change feed, prune options and write statistics. */

import type { WebhookEvent } from '@srhooks/contracts';
import type { PruneCounts } from '../prune-plan.js';
import type { DeliveryStatus, EventStatus, JobStatus } from './read-types.js';

export type StoreChange =
  | {
      kind: 'delivery';
      deliveryId: string;
      shop: string;
      event: WebhookEvent;
      status: DeliveryStatus;
      cause?: DeliveryChangeCause;
    }
  | {
      kind: 'job';
      jobId: string;
      eventId: string;
      handler: string;
      status: JobStatus;
      cause?: JobChangeCause;
    }
  | { kind: 'event'; eventId: string; status: EventStatus };

/**
 * Why a job changed, announced with the change where its status alone does not say it (absent otherwise):
 * `handler-disabled`: back to `pending` because its attempt disabled its handler (a forward target answered
 * 410 Gone), so it waits until the handler is enabled again — no failure, no retry scheduled;
 * `erased`: `dead` because an erasure of its event's personal data cancelled it (`includeUnfinished`),
 * not because of an attempt.
 */
export type JobChangeCause = 'handler-disabled' | 'erased';

/**
 * Why a delivery changed where it is no arrival (absent for an arrival or a re-process): `erased`, its
 * personal data (raw body, decode failure texts, headers) was erased on request — announced so an open
 * page or list shows it erased; readers that print arrivals (listen, events tail) leave it out.
 */
export type DeliveryChangeCause = 'erased';

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

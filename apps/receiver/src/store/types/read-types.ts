/** The Store's read model: deliveries, events, jobs and attempts as the inspector, admin API and CLI read them, with their filters and pages. */

import type { AppEvent, WebhookEvent } from '@srhooks/contracts';
import type { EventSource } from '../recovery-records.js';
import type { StoredDecodeFailure } from './ingest-types.js';

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
 * it no longer decides the job); `interrupted`: the same for an attempt whose handler was running — its
 * receiver stopped or crashed (perhaps because of the handler) or lost the store meanwhile; a report made
 * after all turns it into `expired`; `released`: handed back unrun (its handler was disabled, the worker was
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
  | 'interrupted'
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
  /** Present when the event's personal data was erased (its payload is then `{}`, its customer name null). */
  erasure?: Erasure;
}

/** One handler's job of an event, as the delivery list gives it: which handler a `dead` or `retrying` event is about. */
export interface EventHandlerState {
  handler: string;
  status: JobStatus;
  /** Failed attempts so far (a `pending` job with failures is retrying). */
  failures: number;
}

/** An event as a delivery (listed or whole) gives it: with its jobs' states, by handler name. */
export type WithHandlerStates<T extends EventSummary> = T & { handlers: EventHandlerState[] };

export interface EventRecord extends EventSummary {
  payload: unknown;
  verificationDetail: string | null;
}

/** When a row's personal data was erased (GDPR art. 17) and the operator's request reference. */
export interface Erasure {
  at: Date;
  reason: string;
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
  decodeError: StoredDecodeFailure | null;
  reprocessedAt: Date | null;
  /**
   * When the delivery entered the store, if not as it arrived: drained from the spool (the store was
   * unavailable when it came), or found stored by the drain (its own write committed after the receiver
   * had given up on it and spooled it: by then). `receivedAt` stays its arrival. Null: stored as it arrived.
   */
  storedAt: Date | null;
  /** `recovery`: not a delivery from the shop but the record of a recovery pass. */
  source: EventSource;
  /** Present when the delivery's raw body was erased with personal data (it is then empty). */
  erasure?: Erasure;
  /** Events of this delivery in delivery order (duplicates included), each with its jobs' states. */
  events: WithHandlerStates<EventSummary>[];
}

export interface DeliveryDetail extends Omit<DeliverySummary, 'events'> {
  headers: Record<string, string>;
  rawBody: Buffer;
  events: WithHandlerStates<EventRecord>[];
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
  /** The receiver's own words about the last error, shown unmasked (see FailJobOptions.errorSummary). */
  lastErrorSummary: string | null;
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
  /** The receiver's own words about `error`, shown unmasked (see FailJobOptions.errorSummary). */
  errorSummary: string | null;
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
  /** Deliveries with at least one event that has a job for this handler. */
  handler?: string;
  /** `true`: only deliveries whose personal data was erased (`erasure` set); `false`: only the others. */
  erased?: boolean;
  /**
   * `waiting`: deliveries with at least one job waiting to run (pending: not run yet, waiting for a retry
   * or for a disabled handler), whatever their events' status: the jobs the shops page counts as waiting.
   */
  jobs?: 'waiting';
  /**
   * Deliveries that changed at or after this time: received, stored later than it arrived
   * (`storedAt`: drained from the spool), re-processed (`reprocessedAt`), or with a job
   * of one of their events created, run, retried, finished, replayed or cancelled then (the job's
   * `updatedAt`). Times are the receivers' clocks, as stored. For a client that follows the store (`events
   * tail` after a lost live stream): what it missed since a time it knows.
   */
  changedSince?: Date;
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
  /** Events that have a job for this handler. */
  handler?: string;
  /** `true`: only events whose personal data was erased (`erasure` set); `false`: only the others. */
  erased?: boolean;
}

/** Newest first. `nextCursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * Rows → records, shared by both engines. Both schemas use the same table and column names; only value
 * representations differ (SQLite: epoch ms, 0/1, JSON text; PostgreSQL: Date, boolean, parsed json),
 * which the engine's `RowCodec` absorbs.
 */
import type { WebhookEvent } from '@srhooks/contracts';
import type { EventSource } from './recovery-records.js';
import type {
  AttemptOutcome,
  AttemptRecord,
  ClaimedJob,
  DecodeFailure,
  DecodeFailureDetail,
  DeliveryStatus,
  DeliverySummary,
  Erasure,
  EventRecord,
  EventStatus,
  EventSummary,
  JobRecord,
  JobStatus,
  VerificationStatus,
  WithHandlerStates,
} from './store.js';

export type Row = Record<string, unknown>;

/**
 * `deliveries.decode_error_detail` as written, JSON text (both engines): a quarantined delivery's part,
 * path and value (`{}` when its failure has none); null for a stored delivery. A quarantined delivery
 * with null there was quarantined before the column existed (read as `detail: null`, "not recorded").
 */
export function decodeDetailColumn(failure: DecodeFailure | null): string | null {
  return failure === null ? null : JSON.stringify(failure.detail ?? {});
}

/** The column after a re-process stored the delivery: part and path kept, the value dropped. */
export function detailWithoutValue(detail: DecodeFailureDetail | null): string | null {
  if (detail === null) return null;
  const { value: _value, ...kept } = detail;
  return JSON.stringify(kept);
}

export interface RowCodec {
  date(value: unknown): Date;
  json(value: unknown): unknown;
  bool(value: unknown): boolean;
}

/** An event as lists give it (toEventSummary), its erasure included. */
export const EVENT_SUMMARY_COLUMNS =
  'e.id, e.delivery_id, e.shop, e.event, e.received_at, e.dedupe_key, e.subject_id, e.duplicate_of, e.order_number, e.customer_name, e.gross_total, e.currency, e.status, e.verification, e.held, e.source, e.erased_at, e.erase_reason';
export const EVENT_RECORD_COLUMNS = `${EVENT_SUMMARY_COLUMNS}, e.payload, e.verification_detail`;
/** A delivery as lists give it (toDeliveryBase), its erasure included. */
export const DELIVERY_SUMMARY_COLUMNS =
  'd.id, d.received_at, d.shop, d.event, d.remote_address, d.content_type, d.status, d.decode_error_code, d.decode_error_message, d.decode_error_detail, d.reprocessed_at, d.stored_at, d.source, d.erased_at, d.erase_reason';
export const JOB_COLUMNS =
  'j.id, j.event_id, j.handler, j.status, j.attempts, j.failures, j.run_at, j.lease_owner, j.lease_expires_at, j.last_error, j.last_error_summary, j.last_status_code, j.created_at, j.updated_at, j.finished_at';
export const ATTEMPT_COLUMNS =
  'a.job_id, a.attempt, a.worker_id, a.started_at, a.finished_at, a.outcome, a.status_code, a.error, a.error_summary';

function str(value: unknown): string {
  return String(value);
}

function optionalStr(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

function optionalNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function optionalDate(codec: RowCodec, value: unknown): Date | null {
  return value === null || value === undefined ? null : codec.date(value);
}

export function toEventSummary(row: Row, codec: RowCodec): EventSummary {
  return {
    id: str(row.id),
    deliveryId: str(row.delivery_id),
    shop: str(row.shop),
    event: str(row.event) as WebhookEvent,
    receivedAt: codec.date(row.received_at),
    dedupeKey: str(row.dedupe_key),
    subjectId: optionalStr(row.subject_id),
    duplicateOf: optionalStr(row.duplicate_of),
    orderNumber: optionalStr(row.order_number),
    customerName: optionalStr(row.customer_name),
    grossTotal: optionalStr(row.gross_total),
    currency: optionalStr(row.currency),
    status: str(row.status) as EventStatus,
    verification: str(row.verification) as VerificationStatus,
    held: codec.bool(row.held),
    source: toSource(row.source),
    ...erasureOf(row, codec),
  };
}

function toSource(value: unknown): EventSource {
  return value === 'recovery' ? 'recovery' : 'webhook';
}

export function toEventRecord(row: Row, codec: RowCodec): EventRecord {
  return {
    ...toEventSummary(row, codec),
    payload: codec.json(row.payload),
    verificationDetail: optionalStr(row.verification_detail),
  };
}

/** `erasure` of an erased row (its `erased_at` and `erase_reason`); nothing for a row never erased. */
function erasureOf(row: Row, codec: RowCodec): { erasure?: Erasure } {
  if (row.erased_at === null || row.erased_at === undefined) return {};
  return { erasure: { at: codec.date(row.erased_at), reason: str(row.erase_reason) } };
}

/** Without `events` (the engine fills them from a second query) and without body size (engine-specific expression). */
export function toDeliveryBase(row: Row, codec: RowCodec): Omit<DeliverySummary, 'events' | 'bodyBytes'> {
  const code = optionalStr(row.decode_error_code);
  return {
    id: str(row.id),
    receivedAt: codec.date(row.received_at),
    shop: str(row.shop),
    event: str(row.event) as WebhookEvent,
    remoteAddress: str(row.remote_address),
    contentType: str(row.content_type),
    status: str(row.status) as DeliveryStatus,
    decodeError:
      code === null
        ? null
        : {
            code,
            message: str(row.decode_error_message),
            detail:
              row.decode_error_detail === null || row.decode_error_detail === undefined
                ? null
                : (codec.json(row.decode_error_detail) as DecodeFailureDetail),
          },
    reprocessedAt: optionalDate(codec, row.reprocessed_at),
    storedAt: optionalDate(codec, row.stored_at),
    source: toSource(row.source),
    ...erasureOf(row, codec),
  };
}

export function toJobRecord(row: Row, codec: RowCodec): JobRecord {
  return {
    id: str(row.id),
    eventId: str(row.event_id),
    handler: str(row.handler),
    status: str(row.status) as JobStatus,
    attempts: Number(row.attempts),
    failures: Number(row.failures),
    runAt: codec.date(row.run_at),
    leaseOwner: optionalStr(row.lease_owner),
    leaseExpiresAt: optionalDate(codec, row.lease_expires_at),
    lastError: optionalStr(row.last_error),
    lastErrorSummary: optionalStr(row.last_error_summary),
    lastStatusCode: optionalNumber(row.last_status_code),
    createdAt: codec.date(row.created_at),
    updatedAt: codec.date(row.updated_at),
    finishedAt: optionalDate(codec, row.finished_at),
  };
}

export function toAttemptRecord(row: Row, codec: RowCodec): AttemptRecord {
  return {
    jobId: str(row.job_id),
    attempt: Number(row.attempt),
    workerId: str(row.worker_id),
    startedAt: codec.date(row.started_at),
    finishedAt: optionalDate(codec, row.finished_at),
    outcome: str(row.outcome) as AttemptOutcome,
    statusCode: optionalNumber(row.status_code),
    error: optionalStr(row.error),
    errorSummary: optionalStr(row.error_summary),
  };
}

/** An event's jobs as the delivery list gives them (`j` = jobs), ordered by handler name. */
export const EVENT_HANDLER_STATE_COLUMNS = 'j.event_id, j.handler, j.status, j.failures';

/** The listed events, each with its jobs' states from `jobRows` (rows of EVENT_HANDLER_STATE_COLUMNS). */
export function withHandlerStates<T extends EventSummary>(
  events: readonly T[],
  jobRows: readonly Row[],
): WithHandlerStates<T>[] {
  const byEvent = groupBy(jobRows, (row) => str(row.event_id));
  return events.map((event) => ({
    ...event,
    handlers: (byEvent.get(event.id) ?? []).map((row) => ({
      handler: str(row.handler),
      status: str(row.status) as JobStatus,
      failures: Number(row.failures),
    })),
  }));
}

/** Groups rows by a key, keeping first-seen order. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  return groups;
}

/**
 * Columns of a claimed job joined with its event (`j` = jobs, `e` = events). `interruptions`: attempts
 * since the job was created or replayed whose handler was running when their lease ran out — recorded
 * `interrupted`, or still `running` in the claim's own snapshot (PostgreSQL reads the attempts as they
 * were before the claim's statement marked the taken-over one).
 */
export const CLAIMED_JOB_COLUMNS = `j.id AS job_id, j.handler, j.attempts, j.failures, j.min_attempt, j.lease_expires_at, e.id AS event_id, e.delivery_id, e.shop, e.event, e.received_at, e.dedupe_key, e.subject_id, e.payload, e.verification, e.source,
  (SELECT COUNT(*) FROM job_attempts a WHERE a.job_id = j.id AND a.attempt >= j.min_attempt AND a.attempt < j.attempts AND a.outcome IN ('interrupted', 'running')) AS interruptions`;

export function toClaimedJob(row: Row, codec: RowCodec): ClaimedJob {
  return {
    id: str(row.job_id),
    handler: str(row.handler),
    attempt: Number(row.attempts),
    failures: Number(row.failures),
    firstAttempt: Number(row.min_attempt),
    interruptions: Number(row.interruptions),
    leaseExpiresAt: codec.date(row.lease_expires_at),
    eventId: str(row.event_id),
    deliveryId: str(row.delivery_id),
    shop: str(row.shop),
    event: str(row.event) as WebhookEvent,
    receivedAt: codec.date(row.received_at),
    dedupeKey: str(row.dedupe_key),
    subjectId: optionalStr(row.subject_id),
    payload: codec.json(row.payload),
    verification: str(row.verification) as VerificationStatus,
    source: toSource(row.source),
  };
}

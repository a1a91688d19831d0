/**
 * The SQLite engine's ingest writes: storing a delivery with its prepared events and their pending jobs,
 * quarantining a delivery that did not decode, and re-processing a quarantined delivery. Each write goes
 * through the connection's group commit and notifies the change feed after commit; the events arrive
 * already prepared (`prepareEvents`) and the handler names already checked, so this module only writes.
 */
import type { WebhookEvent } from '@srhooks/contracts';
import {
  type PaymentBindingTouch,
  type PaymentClaimWrite,
  touchPaymentBinding,
  writePaymentClaim,
} from '../payment-claim.js';
import type { PreparedEvent } from '../prepared-event.js';
import { runPlanSync, type SqlStep } from '../prune-plan.js';
import { decodeDetailColumn, type Row } from '../row-mapping.js';
import { newId } from '../sortable-id.js';
import type {
  DecodeFailure,
  DeliveryStatus,
  EventStatus,
  IngestedEvent,
  IngestResult,
  NewDelivery,
  ReprocessOptions,
  SpooledDelivery,
  SpooledStoreOptions,
  SpooledStoreResult,
} from '../store.js';
import { StoreConflictError, StoreNotFoundError } from '../store-errors.js';
import { dialect, ms, type SqliteConnection } from './sqlite-connection.js';

const INSERT_EVENT = `INSERT INTO events (id, delivery_id, shop, event, received_at, dedupe_key, subject_id, payload,
    duplicate_of, order_number, customer_name, gross_total, currency, search_text, status, source)
  VALUES (@id, @deliveryId, @shop, @event, @receivedAt, @dedupeKey, @subjectId, @payload,
    @duplicateOf, @orderNumber, @customerName, @grossTotal, @currency, @searchText, @status, @source)
  ON CONFLICT (shop, event, dedupe_key) WHERE duplicate_of IS NULL DO NOTHING`;

const INSERT_DELIVERY = `INSERT INTO deliveries (id, received_at, shop, event, remote_address, headers, content_type,
    raw_body, status, decode_error_code, decode_error_message, decode_error_detail, source, stored_at)
  VALUES (@id, @receivedAt, @shop, @event, @remoteAddress, @headers, @contentType, @rawBody, @status, @errorCode, @errorMessage,
    @errorDetail, @source, @storedAt)`;

/** The SQL that inserts one pending job (ingest, and replay of a handler the event has no job for). */
export const INSERT_PENDING_JOB =
  "INSERT INTO jobs (id, event_id, handler, status, run_at, created_at, updated_at) VALUES (?, ?, ?, 'pending', ?, ?, ?)";

function deliveryRow(
  delivery: NewDelivery,
  id: string,
  status: 'stored' | 'quarantined',
  error: DecodeFailure | null,
) {
  return {
    id,
    receivedAt: delivery.receivedAt.getTime(),
    shop: delivery.shop,
    event: delivery.event,
    remoteAddress: delivery.remoteAddress,
    headers: JSON.stringify(delivery.headers),
    contentType: delivery.contentType,
    rawBody: delivery.rawBody,
    status,
    errorCode: error?.code ?? null,
    errorMessage: error?.message ?? null,
    errorDetail: decodeDetailColumn(error),
    source: delivery.source ?? 'webhook',
    /** Set by a drain from the spool (storeSpooledPrepared), at its write. */
    storedAt: null as number | null,
  };
}

/** A payment notification's claim (payment-claim.ts), inside the write that stores the notification. */
function writeClaim(db: SqliteConnection, claim: PaymentClaimWrite): void {
  runSqlPlan(db, writePaymentClaim(dialect, claim));
}

function runSqlPlan(db: SqliteConnection, plan: Generator<SqlStep, void, Row[]>): void {
  runPlanSync(plan, (step) => {
    const statement = db.stmt(step.sql);
    if (statement.reader) return statement.all(...step.values) as Row[];
    statement.run(...step.values);
    return [];
  });
}

/**
 * `Store.ingest` with the events already prepared (`prepareEvents`) and the handler names checked
 * (`uniqueHandlers`) by the caller, so this thread only writes. A payment claim is written first, in the
 * same savepoint: it fails the write, or is stored with it.
 */
export function ingestPrepared(
  db: SqliteConnection,
  delivery: NewDelivery,
  prepared: PreparedEvent[],
  jobHandlers: string[],
  paymentClaim?: PaymentClaimWrite,
): Promise<IngestResult> {
  const deliveryId = delivery.id ?? newId('dlv', delivery.receivedAt.getTime());
  const row = deliveryRow(delivery, deliveryId, 'stored', null);
  return db.write((context) => {
    if (paymentClaim) writeClaim(db, paymentClaim);
    db.stmt(INSERT_DELIVERY).run(row);
    const stored = storeDeliveryEvents(db, delivery, row, prepared, jobHandlers);
    db.notify(context, [
      { kind: 'delivery', deliveryId, shop: delivery.shop, event: delivery.event, status: 'stored' },
    ]);
    return { deliveryId, events: stored, duplicates: stored.filter((e) => e.duplicateOf !== null).length };
  });
}

/**
 * `Store.quarantine`. With `paymentBinding`, the binding is touched first in the same write (one writer:
 * a retention chunk pruning bindings runs wholly before it — the touch then finds no binding and throws
 * PaymentClaimConflictError — or wholly after, and then sees the quarantined notification).
 */
export function quarantine(
  db: SqliteConnection,
  delivery: NewDelivery,
  error: DecodeFailure,
  paymentBinding?: PaymentBindingTouch,
): Promise<{ deliveryId: string }> {
  const deliveryId = delivery.id ?? newId('dlv', delivery.receivedAt.getTime());
  const row = deliveryRow(delivery, deliveryId, 'quarantined', error);
  return db.write((context) => {
    if (paymentBinding) runSqlPlan(db, touchPaymentBinding(dialect, paymentBinding));
    db.stmt(INSERT_DELIVERY).run(row);
    db.notify(context, [
      { kind: 'delivery', deliveryId, shop: delivery.shop, event: delivery.event, status: 'quarantined' },
    ]);
    return { deliveryId };
  });
}

/**
 * `Store.storeSpooled` with the events prepared by the caller (null: quarantined with `failure`). When
 * the delivery's id is taken already, nothing is written; otherwise the payment claim / binding (a
 * spooled payment notification), the delivery row, its events and jobs, in one write.
 */
export function storeSpooledPrepared(
  db: SqliteConnection,
  delivery: SpooledDelivery,
  prepared: PreparedEvent[] | null,
  failure: DecodeFailure | null,
  jobHandlers: string[],
  options: SpooledStoreOptions = {},
): Promise<SpooledStoreResult> {
  const deliveryId = delivery.id;
  const status = prepared === null ? 'quarantined' : 'stored';
  const row = deliveryRow(delivery, deliveryId, status, prepared === null ? failure : null);
  return db.write((context) => {
    const storedAt = ms(options.now ?? new Date());
    // one writer: nothing can store this id between the check and the insert
    const found = db
      .stmt('SELECT shop, event, status, stored_at FROM deliveries WHERE id = ?')
      .get(deliveryId) as
      | { shop: string; event: WebhookEvent; status: DeliveryStatus; stored_at: number | null }
      | undefined;
    if (found !== undefined) {
      // Stored by its own ingest call, which committed after the receiver gave up on it and spooled the
      // delivery: it entered the store late, by now. Said once (a drain after a crash finds it said).
      if (found.stored_at === null) {
        db.stmt('UPDATE deliveries SET stored_at = ? WHERE id = ?').run(storedAt, deliveryId);
        db.notify(context, [
          { kind: 'delivery', deliveryId, shop: found.shop, event: found.event, status: found.status },
        ]);
      }
      return { deliveryId, alreadyStored: true, events: [], duplicates: 0 };
    }
    if (options.paymentBinding) runSqlPlan(db, touchPaymentBinding(dialect, options.paymentBinding));
    if (options.paymentClaim) writeClaim(db, options.paymentClaim);
    // the time of this write, not of the call: a call that waited for the store is stored when it commits
    db.stmt(INSERT_DELIVERY).run({ ...row, storedAt });
    const stored = prepared === null ? [] : storeDeliveryEvents(db, delivery, row, prepared, jobHandlers);
    db.notify(context, [
      { kind: 'delivery', deliveryId, shop: delivery.shop, event: delivery.event, status },
    ]);
    return {
      deliveryId,
      alreadyStored: false,
      events: stored,
      duplicates: stored.filter((e) => e.duplicateOf !== null).length,
    };
  });
}

/** The event a delivery was received for (it never changes), or null when there is no such delivery. */
export function deliveryEvent(db: SqliteConnection, deliveryId: string): WebhookEvent | null {
  const row = db.read(() => db.stmt('SELECT event FROM deliveries WHERE id = ?').get(deliveryId)) as
    | { event: WebhookEvent }
    | undefined;
  return row?.event ?? null;
}

/** `Store.reprocessQuarantined` with the events prepared for the delivery's event by the caller. */
export function reprocessPrepared(
  db: SqliteConnection,
  deliveryId: string,
  prepared: PreparedEvent[],
  jobHandlers: string[],
  options: ReprocessOptions,
): Promise<IngestResult> {
  const now = ms(options.now);
  return db.write((context) => {
    const delivery = db
      .stmt('SELECT id, shop, event, status, received_at FROM deliveries WHERE id = ?')
      .get(deliveryId) as
      | { shop: string; event: WebhookEvent; status: string; received_at: number }
      | undefined;
    if (delivery === undefined) throw new StoreNotFoundError('delivery', deliveryId);
    if (delivery.status !== 'quarantined') {
      throw new StoreConflictError(
        `Delivery ${deliveryId} is ${delivery.status}, not quarantined: only quarantined deliveries can be re-processed.`,
      );
    }
    if (options.paymentClaim) writeClaim(db, options.paymentClaim);
    const shop = options.fileAs?.shop ?? delivery.shop;
    const event = (options.fileAs?.event ?? delivery.event) as WebhookEvent;
    const stored = storeEvents(
      db,
      { deliveryId, shop, event, receivedAt: delivery.received_at, source: 'webhook' },
      now,
      prepared,
      jobHandlers,
    );
    // The failure stays as the record of why it was quarantined, without the value (a copy from the body).
    db.stmt(
      `UPDATE deliveries SET status = 'reprocessed', reprocessed_at = ?, shop = ?, event = ?,
         decode_error_detail = json_remove(decode_error_detail, '$.value') WHERE id = ?`,
    ).run(now, shop, event, deliveryId);
    db.notify(context, [{ kind: 'delivery', deliveryId, shop, event, status: 'reprocessed' }]);
    return { deliveryId, events: stored, duplicates: stored.filter((e) => e.duplicateOf !== null).length };
  });
}

/** `Store.recordDecodeFailure`: a quarantined delivery's failure replaced by today's decoder's. */
export function recordDecodeFailure(
  db: SqliteConnection,
  deliveryId: string,
  failure: DecodeFailure,
): Promise<void> {
  return db.write(() => {
    const found = db.stmt('SELECT status FROM deliveries WHERE id = ?').get(deliveryId) as
      | { status: string }
      | undefined;
    if (found === undefined) throw new StoreNotFoundError('delivery', deliveryId);
    if (found.status !== 'quarantined') {
      throw new StoreConflictError(
        `Delivery ${deliveryId} is ${found.status}, not quarantined: its decode failure is not recorded again.`,
      );
    }
    db.stmt(
      'UPDATE deliveries SET decode_error_code = ?, decode_error_message = ?, decode_error_detail = ? WHERE id = ?',
    ).run(failure.code, failure.message, decodeDetailColumn(failure), deliveryId);
  });
}

/** Inserts events (duplicates linked to the earlier event) and one pending job per new event and handler. */
/** The events of the delivery in `row` (just inserted), with their jobs runnable from its arrival. */
function storeDeliveryEvents(
  db: SqliteConnection,
  delivery: NewDelivery,
  row: ReturnType<typeof deliveryRow>,
  prepared: PreparedEvent[],
  jobHandlers: string[],
): IngestedEvent[] {
  const target = {
    deliveryId: row.id,
    shop: delivery.shop,
    event: delivery.event,
    receivedAt: row.receivedAt,
    source: row.source,
  };
  return storeEvents(db, target, row.receivedAt, prepared, jobHandlers);
}

function storeEvents(
  db: SqliteConnection,
  target: { deliveryId: string; shop: string; event: string; receivedAt: number; source: string },
  jobsAt: number,
  events: PreparedEvent[],
  handlers: string[],
): IngestedEvent[] {
  const insertEvent = db.stmt(INSERT_EVENT);
  const findOriginal = db.stmt(
    'SELECT id FROM events WHERE shop = ? AND event = ? AND dedupe_key = ? AND duplicate_of IS NULL',
  );
  const insertJob = db.stmt(INSERT_PENDING_JOB);
  return events.map((item) => {
    const id = newId('evt', target.receivedAt);
    const row = {
      id,
      deliveryId: target.deliveryId,
      shop: target.shop,
      event: target.event,
      receivedAt: target.receivedAt,
      dedupeKey: item.dedupeKey,
      subjectId: item.subjectId,
      payload: item.payloadJson,
      duplicateOf: null as string | null,
      orderNumber: item.orderNumber,
      customerName: item.customerName,
      grossTotal: item.grossTotal,
      currency: item.currency,
      searchText: item.searchText,
      status: (handlers.length > 0 ? 'pending' : 'stored') as EventStatus,
      source: target.source,
    };
    if (insertEvent.run(row).changes === 1) {
      for (const handler of handlers)
        insertJob.run(newId('job', jobsAt), id, handler, jobsAt, jobsAt, jobsAt);
      return { id, dedupeKey: item.dedupeKey, duplicateOf: null };
    }
    const original = findOriginal.get(target.shop, target.event, item.dedupeKey) as { id: string };
    insertEvent.run({ ...row, duplicateOf: original.id, status: 'duplicate' });
    return { id, dedupeKey: item.dedupeKey, duplicateOf: original.id };
  });
}

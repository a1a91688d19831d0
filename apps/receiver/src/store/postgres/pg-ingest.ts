/**
 * The PostgreSQL ingest path: deliveries go through a group commit (an adaptive batcher; deliveries
 * arriving while a call runs share the next call, one round trip and one transaction), a lost call is
 * settled by pg-ingest-recovery.ts, and the rare paths that take a plain transaction instead live here
 * too (a recovery pass's delivery, a quarantined delivery, re-processing a quarantined delivery).
 */
import type { WebhookEvent } from '@srhooks/contracts';
import type pg from 'pg';
import { type PaymentClaimWrite, touchPaymentBinding, writePaymentClaim } from '../payment-claim.js';
import { type PreparedEvent, prepareEvents, uniqueHandlers } from '../prepared-event.js';
import { runPlan } from '../prune-plan.js';
import { decodeDetailColumn, detailWithoutValue, type Row } from '../row-mapping.js';
import { newId } from '../sortable-id.js';
import type {
  DecodeFailure,
  DecodeFailureDetail,
  IngestedEvent,
  IngestOptions,
  IngestResult,
  NewDelivery,
  NewEvent,
  QuarantineOptions,
  ReprocessOptions,
  StoreChange,
} from '../store.js';
import { StoreConflictError, StoreNotFoundError } from '../store-errors.js';
import { AdaptiveBatcher, type ItemOutcome } from './adaptive-batcher.js';
import { at, cleanTextRunner, dialect, type PgConnection, type SqlRunner } from './pg-connection.js';
import { isPgUnavailable, mapPgError } from './pg-errors.js';
import type { DeliveryOutcome, DeliveryWrite } from './pg-ingest-batch.js';
import { callIngest, recoverIngest, recoverLostWrites } from './pg-ingest-recovery.js';

const DEFAULT_INGEST_CONCURRENCY = 2;

/** Deadlock and serialization failures: the delivery's subtransaction rolled back and can simply run again. */
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);

/** Outcome rows of `srhooks_store_events` / the batch → the IngestResult events. */
export function toIngested(
  eventIds: readonly string[],
  events: readonly PreparedEvent[],
  duplicates: ReadonlyArray<string | null>,
): IngestedEvent[] {
  return eventIds.map((id, index) => ({
    id,
    dedupeKey: events[index]?.dedupeKey ?? '',
    duplicateOf: duplicates[index] ?? null,
  }));
}

/**
 * The events of a delivery stored as it arrives (ingested, or drained from the spool): their time is
 * the delivery's arrival. Returns, per event, the id of the event it duplicates (or null).
 */
export async function storeArrivedEvents(
  client: SqlRunner,
  delivery: { id: string; shop: string; event: WebhookEvent; receivedAt: Date },
  eventIds: readonly string[],
  prepared: readonly PreparedEvent[],
  jobHandlers: readonly string[],
): Promise<Array<string | null>> {
  const result = await storeEvents(client, {
    deliveryId: delivery.id,
    shop: delivery.shop,
    event: delivery.event,
    deliveryReceivedAt: delivery.receivedAt,
    now: delivery.receivedAt,
    eventIds,
    prepared,
    jobHandlers,
  });
  return (result.rows[0]?.duplicates as Array<string | null>) ?? [];
}

/** One delivery's events and their jobs through `srhooks_store_events` (its result row holds `duplicates`). */
export function storeEvents(
  client: SqlRunner,
  call: {
    deliveryId: string;
    shop: string;
    event: WebhookEvent;
    deliveryReceivedAt: Date;
    /** The events' time, and the time in their job ids. */
    now: Date;
    eventIds: readonly string[];
    prepared: readonly PreparedEvent[];
    jobHandlers: readonly string[];
  },
) {
  const { prepared, jobHandlers, now } = call;
  return client.query(
    `SELECT srhooks_store_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) AS duplicates`,
    [
      call.deliveryId,
      call.shop,
      call.event,
      call.deliveryReceivedAt,
      now,
      call.eventIds,
      prepared.map((e) => e.dedupeKey),
      prepared.map((e) => e.subjectId),
      prepared.map((e) => e.orderNumber),
      prepared.map((e) => e.customerName),
      prepared.map((e) => e.grossTotal),
      prepared.map((e) => e.currency),
      prepared.map((e) => e.searchText),
      prepared.map((e) => e.payloadJson),
      jobHandlers,
      prepared.flatMap(() => jobHandlers.map(() => newId('job', now.getTime()))),
    ],
  );
}

/** A payment notification's claim (payment-claim.ts), inside the transaction that stores the notification. */
async function writeClaim(client: SqlRunner, claim: PaymentClaimWrite): Promise<void> {
  await runPlan(
    writePaymentClaim(dialect, claim),
    async (step) => (await client.query(step.sql, step.values)).rows as Row[],
  );
}

/**
 * A delivery's own transaction sent once more on the recovery's connection (pg-ingest-recovery.ts): its
 * outcome, or a 23505 on deliveries_pkey when the interrupted transaction committed it meanwhile. Other
 * errors (a claim that conflicts now, the connection lost again) are thrown.
 */
async function resendAlone(
  client: pg.Client,
  write: (runner: SqlRunner) => Promise<Array<string | null>>,
): Promise<DeliveryOutcome[]> {
  try {
    await client.query('BEGIN');
    const duplicates = await write(cleanTextRunner(client));
    await client.query('COMMIT');
    return [{ ok: true, duplicates }];
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    const { code, constraint, message } = error as {
      code?: unknown;
      constraint?: unknown;
      message?: unknown;
    };
    if (code === '23505' && constraint === 'deliveries_pkey') {
      return [{ ok: false, code, message: `${String(message)} (deliveries_pkey)` }];
    }
    throw error;
  }
}

export interface PgIngestOptions {
  poolSize?: number;
  ingestConcurrency?: number;
  maxBatch?: number;
}

/** A delivery as the batched ingest functions write it (pg-ingest-batch.ts), with its new event and job ids. */
export function deliveryWrite(
  delivery: NewDelivery,
  status: 'stored' | 'quarantined',
  error: DecodeFailure | null,
  events: PreparedEvent[],
  handlers: string[],
): DeliveryWrite {
  const receivedAt = delivery.receivedAt.getTime();
  return {
    id: delivery.id ?? newId('dlv', receivedAt),
    receivedAt: delivery.receivedAt,
    shop: delivery.shop,
    event: delivery.event,
    remoteAddress: delivery.remoteAddress,
    headers: delivery.headers,
    contentType: delivery.contentType,
    rawBody: delivery.rawBody,
    status,
    error,
    events,
    eventIds: events.map(() => newId('evt', receivedAt)),
    handlers,
    jobIds: events.flatMap(() => handlers.map(() => newId('job', receivedAt))),
  };
}

/** Ingest, quarantine and re-processing of deliveries for one PgStore. */
export class PgIngest {
  readonly #conn: PgConnection;
  readonly #ingestBatcher: AdaptiveBatcher<DeliveryWrite, Array<string | null>>;

  constructor(conn: PgConnection, options: PgIngestOptions) {
    this.#conn = conn;
    const poolSize = options.poolSize ?? 10;
    this.#ingestBatcher = new AdaptiveBatcher<DeliveryWrite, Array<string | null>>(
      (writes) => this.#sendIngestBatch(writes),
      {
        maxInFlight: options.ingestConcurrency ?? Math.min(DEFAULT_INGEST_CONCURRENCY, poolSize),
        maxBatch: options.maxBatch ?? 256,
        maxRetries: 3,
      },
      (size, durationMs) => conn.committed(size, durationMs),
    );
  }

  async ingest(
    delivery: NewDelivery,
    events: NewEvent[],
    handlers: string[],
    options: IngestOptions = {},
  ): Promise<IngestResult> {
    if (delivery.source === 'recovery' || options.paymentClaim) {
      return this.#ingestAlone(delivery, events, handlers, options.paymentClaim);
    }
    const prepared = prepareEvents(delivery.event, events);
    const write = deliveryWrite(delivery, 'stored', null, prepared, uniqueHandlers(handlers));
    return this.#conn.run(async () => {
      const duplicates = await this.#ingestBatcher.submit(write);
      const stored = toIngested(write.eventIds, prepared, duplicates);
      this.#conn.emit([
        {
          kind: 'delivery',
          deliveryId: write.id,
          shop: delivery.shop,
          event: delivery.event,
          status: 'stored',
        },
      ]);
      return {
        deliveryId: write.id,
        events: stored,
        duplicates: stored.filter((e) => e.duplicateOf !== null).length,
      };
    });
  }

  /**
   * A delivery and its events in a transaction of their own: the record of a recovery pass (marked
   * `source = 'recovery'`), or a Payment API notification with its claim on the charge (written first, so
   * the claim is stored with the notification or not at all). Both are rare and small, so they take the
   * plain path rather than the batched ingest functions. A lost connection is settled as the batched
   * ingest's is (pg-ingest-recovery.ts): on a fresh connection the delivery's id tells whether it
   * committed (then that is the answer), else the transaction runs once more there — the claim's upsert
   * tolerates it, and a claim that conflicts now throws PaymentClaimConflictError, so the filing rules
   * run again.
   */
  async #ingestAlone(
    delivery: NewDelivery,
    events: NewEvent[],
    handlers: string[],
    paymentClaim: PaymentClaimWrite | undefined,
  ): Promise<IngestResult> {
    const source = delivery.source ?? 'webhook';
    const prepared = prepareEvents(delivery.event, events);
    const jobHandlers = uniqueHandlers(handlers);
    const receivedAt = delivery.receivedAt;
    const deliveryId = delivery.id ?? newId('dlv', receivedAt.getTime());
    const eventIds = prepared.map(() => newId('evt', receivedAt.getTime()));
    const change: StoreChange = {
      kind: 'delivery',
      deliveryId,
      shop: delivery.shop,
      event: delivery.event,
      status: 'stored',
    };
    const write = async (client: SqlRunner): Promise<Array<string | null>> => {
      if (paymentClaim) await writeClaim(client, paymentClaim);
      await client.query(
        `INSERT INTO deliveries (id, received_at, shop, event, remote_address, headers, content_type, raw_body, status, source)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'stored', $9)`,
        [
          deliveryId,
          receivedAt,
          delivery.shop,
          delivery.event,
          delivery.remoteAddress,
          JSON.stringify(delivery.headers),
          delivery.contentType,
          delivery.rawBody,
          source,
        ],
      );
      const duplicates = await storeArrivedEvents(
        client,
        { id: deliveryId, shop: delivery.shop, event: delivery.event, receivedAt },
        eventIds,
        prepared,
        jobHandlers,
      );
      if (source !== 'webhook') {
        await client.query('UPDATE events SET source = $2 WHERE delivery_id = $1', [deliveryId, source]);
      }
      return duplicates;
    };
    const stored = toIngested(
      eventIds,
      prepared,
      await this.#transactionAlone(deliveryId, eventIds, change, write),
    );
    return { deliveryId, events: stored, duplicates: stored.filter((e) => e.duplicateOf !== null).length };
  }

  /**
   * Runs `write` (one delivery's statements) in a transaction of its own and announces `change` after it
   * committed. A lost connection is settled as the batched ingest's is (pg-ingest-recovery.ts): on a
   * fresh connection the delivery's id tells whether it committed (then that is the answer, its events'
   * duplicates), else the transaction runs once more there.
   */
  async #transactionAlone(
    deliveryId: string,
    eventIds: readonly string[],
    change: StoreChange,
    write: (client: SqlRunner) => Promise<Array<string | null>>,
  ): Promise<Array<string | null>> {
    try {
      return await this.#conn.transaction(async ({ client, changes }) => {
        const value = await write(client);
        changes.push(change);
        return value;
      });
    } catch (error) {
      if (this.#conn.closed || !isPgUnavailable(error)) throw error;
      return this.#conn.run(async () => {
        const [outcome] = await recoverLostWrites(
          this.#conn,
          [{ id: deliveryId, eventIds }],
          error,
          (_missing, client) => resendAlone(client, write),
        );
        if (outcome?.ok !== true) {
          throw mapPgError(
            Object.assign(new Error(outcome?.message ?? 'the retried ingest returned no outcome'), {
              code: outcome?.code,
            }),
          );
        }
        this.#conn.emit([change]);
        return outcome.duplicates;
      });
    }
  }

  /**
   * A quarantined delivery in a transaction of its own, not through the batched ingest functions: their
   * parameters (fixed by schema versions 1-10, which receivers of earlier versions still call during a
   * rolling update) have no place for the failure's part, path and value. Quarantines are rare (an
   * authentic delivery that does not decode). With `paymentBinding` (a payment notification quarantined
   * for its charge's binding, `shop_mismatch` / `unknown_shop` of a bound charge), the binding is touched
   * in the same transaction (payment-claim.ts `touchPaymentBinding`): the binding's row is locked and its
   * last notification moved, so a retention chunk deleting it either ran before (the touch finds no
   * binding: PaymentClaimConflictError, the filing rules run again) or waits and then keeps it (its
   * re-check of the last notification fails).
   */
  async quarantine(
    delivery: NewDelivery,
    error: DecodeFailure,
    options: QuarantineOptions = {},
  ): Promise<{ deliveryId: string }> {
    const binding = options.paymentBinding;
    const deliveryId = delivery.id ?? newId('dlv', delivery.receivedAt.getTime());
    const change: StoreChange = {
      kind: 'delivery',
      deliveryId,
      shop: delivery.shop,
      event: delivery.event,
      status: 'quarantined',
    };
    await this.#transactionAlone(deliveryId, [], change, async (client) => {
      if (binding) {
        await runPlan(
          touchPaymentBinding(dialect, binding),
          async (step) => (await client.query(step.sql, step.values)).rows as Row[],
        );
      }
      await client.query(
        `INSERT INTO deliveries (id, received_at, shop, event, remote_address, headers, content_type, raw_body, status,
           decode_error_code, decode_error_message, decode_error_detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'quarantined', $9, $10, $11)`,
        [
          deliveryId,
          delivery.receivedAt,
          delivery.shop,
          delivery.event,
          delivery.remoteAddress,
          JSON.stringify(delivery.headers),
          delivery.contentType,
          delivery.rawBody,
          error.code,
          error.message,
          decodeDetailColumn(error),
        ],
      );
      return [];
    });
    return { deliveryId };
  }

  /**
   * One call of srhooks_ingest_set (set-based; on any error it falls back, in the same call, to the
   * per-delivery path) or, for a small batch, of srhooks_ingest_batch (per-delivery); a delivery that
   * failed inside it is retried (deadlock) or rejected alone.
   */
  async #sendIngestBatch(writes: DeliveryWrite[]): Promise<Array<ItemOutcome<Array<string | null>>>> {
    let outcomes: DeliveryOutcome[];
    try {
      outcomes = await callIngest(writes, this.#conn.pool);
    } catch (error) {
      if (this.#conn.closed || !isPgUnavailable(error)) throw error;
      outcomes = await recoverIngest(this.#conn, writes, error);
    }
    return outcomes.map((outcome) =>
      outcome.ok
        ? { ok: true, value: outcome.duplicates }
        : {
            ok: false,
            error: mapPgError(Object.assign(new Error(outcome.message), { code: outcome.code })),
            retry: RETRYABLE_SQLSTATES.has(outcome.code),
          },
    );
  }

  async reprocessQuarantined(
    deliveryId: string,
    events: NewEvent[],
    handlers: string[],
    options: ReprocessOptions = {},
  ): Promise<IngestResult> {
    const jobHandlers = uniqueHandlers(handlers);
    const now = at(options.now);
    return this.#conn.transaction(async ({ client, changes }) => {
      const found = await client.query(
        'SELECT shop, event, status, received_at, decode_error_detail FROM deliveries WHERE id = $1 FOR UPDATE',
        [deliveryId],
      );
      const delivery = found.rows[0] as
        | {
            shop: string;
            event: WebhookEvent;
            status: string;
            received_at: Date;
            decode_error_detail: DecodeFailureDetail | null;
          }
        | undefined;
      if (delivery === undefined) throw new StoreNotFoundError('delivery', deliveryId);
      if (delivery.status !== 'quarantined') {
        throw new StoreConflictError(
          `Delivery ${deliveryId} is ${delivery.status}, not quarantined: only quarantined deliveries can be re-processed.`,
        );
      }
      if (options.paymentClaim) await writeClaim(client, options.paymentClaim);
      const shop = options.fileAs?.shop ?? delivery.shop;
      const event = (options.fileAs?.event ?? delivery.event) as WebhookEvent;
      const prepared = prepareEvents(event, events);
      const receivedAt = delivery.received_at.getTime();
      const eventIds = prepared.map(() => newId('evt', receivedAt));
      const result = await storeEvents(client, {
        deliveryId,
        shop,
        event,
        deliveryReceivedAt: delivery.received_at,
        now,
        eventIds,
        prepared,
        jobHandlers,
      });
      // The failure stays as the record of why it was quarantined, without the value (a copy from the
      // body). Dropped here, not by SQL: jsonb (its `-`) refuses the \u0000 a json value may hold.
      await client.query(
        `UPDATE deliveries SET status = 'reprocessed', reprocessed_at = $2, shop = $3, event = $4,
           decode_error_detail = $5 WHERE id = $1`,
        [deliveryId, now, shop, event, detailWithoutValue(delivery.decode_error_detail)],
      );
      changes.push({ kind: 'delivery', deliveryId, shop, event, status: 'reprocessed' });
      const stored = toIngested(
        eventIds,
        prepared,
        (result.rows[0]?.duplicates as Array<string | null>) ?? [],
      );
      return { deliveryId, events: stored, duplicates: stored.filter((e) => e.duplicateOf !== null).length };
    });
  }

  /** `Store.recordDecodeFailure`: a quarantined delivery's failure replaced by today's decoder's. */
  async recordDecodeFailure(deliveryId: string, failure: DecodeFailure): Promise<void> {
    await this.#conn.transaction(async ({ client }) => {
      const found = await client.query('SELECT status FROM deliveries WHERE id = $1 FOR UPDATE', [
        deliveryId,
      ]);
      const status = (found.rows[0] as { status: string } | undefined)?.status;
      if (status === undefined) throw new StoreNotFoundError('delivery', deliveryId);
      if (status !== 'quarantined') {
        throw new StoreConflictError(
          `Delivery ${deliveryId} is ${status}, not quarantined: its decode failure is not recorded again.`,
        );
      }
      await client.query(
        `UPDATE deliveries SET decode_error_code = $2, decode_error_message = $3, decode_error_detail = $4
         WHERE id = $1`,
        [deliveryId, failure.code, failure.message, decodeDetailColumn(failure)],
      );
    });
  }
}

/**
 * `Store.storeSpooled` on PostgreSQL: a delivery the receiver spooled while the store was unavailable
 * (spool/), stored under the id it was acknowledged with. Calls go through a group commit
 * (`PgSpooledIngest`, the ingest path's AdaptiveBatcher with one call at a time, so they are written in
 * the order they were made): the calls made while a transaction runs share the next one, each delivery
 * in a savepoint of its own — the drainer hands a batch of spooled deliveries over at once, and they cost
 * one commit instead of one each. The delivery row is inserted with ON CONFLICT (id) DO NOTHING: when the
 * id is taken (a drain interrupted after this commit, or the ingest call that failed committed after
 * all), nothing else is written. A spooled payment notification's binding touch / claim (`options`) is
 * written in the same savepoint, after the row: when it throws (PaymentClaimConflictError), the savepoint
 * rolls back and nothing of that delivery is stored; the others of the transaction are. A lost connection
 * fails every call of the transaction (StoreUnavailableError, nothing committed); the drainer calls again
 * later, and the id keeps the second call from storing it twice.
 */

import { touchPaymentBinding, writePaymentClaim } from '../payment-claim.js';
import { prepareEvents, uniqueHandlers } from '../prepared-event.js';
import { runPlan, type SqlStep } from '../prune-plan.js';
import { decodeDetailColumn, type Row } from '../row-mapping.js';
import { newId } from '../sortable-id.js';
import type {
  SpooledContent,
  SpooledDelivery,
  SpooledStoreOptions,
  SpooledStoreResult,
  StoreChange,
} from '../store.js';
import { AdaptiveBatcher, type ItemOutcome } from './adaptive-batcher.js';
import { dialect, type PgConnection, type SqlRunner } from './pg-connection.js';
import { isPgUnavailable, mapPgError } from './pg-errors.js';
import { storeArrivedEvents, toIngested } from './pg-ingest.js';

/** One `storeSpooled` call. */
interface SpooledCall {
  delivery: SpooledDelivery;
  content: SpooledContent;
  handlers: string[];
  options: SpooledStoreOptions;
}

/** Most spooled deliveries in one transaction. */
const MAX_SPOOLED_BATCH = 256;

export class PgSpooledIngest {
  readonly #conn: PgConnection;
  readonly #batcher: AdaptiveBatcher<SpooledCall, SpooledStoreResult>;

  constructor(conn: PgConnection) {
    this.#conn = conn;
    // one transaction at a time: the deliveries are written in the order the calls were made
    this.#batcher = new AdaptiveBatcher((calls) => this.#storeAll(calls), {
      maxInFlight: 1,
      maxBatch: MAX_SPOOLED_BATCH,
      maxRetries: 0,
    });
  }

  storeSpooled(
    delivery: SpooledDelivery,
    content: SpooledContent,
    handlers: string[],
    options: SpooledStoreOptions = {},
  ): Promise<SpooledStoreResult> {
    return this.#batcher.submit({ delivery, content, handlers, options });
  }

  /** The calls in one transaction, each in a savepoint: a refused one is rolled back alone. */
  #storeAll(calls: SpooledCall[]): Promise<Array<ItemOutcome<SpooledStoreResult>>> {
    return this.#conn.transaction(async ({ client, changes }) => {
      const outcomes: Array<ItemOutcome<SpooledStoreResult>> = [];
      for (const call of calls) {
        const own: StoreChange[] = [];
        await client.query('SAVEPOINT spooled');
        try {
          const value = await storeOne(client, own, call);
          await client.query('RELEASE SAVEPOINT spooled');
          changes.push(...own);
          outcomes.push({ ok: true, value });
        } catch (error) {
          if (isPgUnavailable(error)) throw error;
          await client.query('ROLLBACK TO SAVEPOINT spooled');
          outcomes.push({ ok: false, error: mapPgError(error), retry: false });
        }
      }
      return outcomes;
    });
  }
}

async function storeOne(
  client: SqlRunner,
  changes: StoreChange[],
  { delivery, content, handlers, options }: SpooledCall,
): Promise<SpooledStoreResult> {
  const deliveryId = delivery.id;
  const failure = 'failure' in content ? content.failure : null;
  const prepared = 'events' in content ? prepareEvents(delivery.event, content.events) : [];
  const jobHandlers = uniqueHandlers(handlers);
  const receivedAt = delivery.receivedAt;
  const eventIds = prepared.map(() => newId('evt', receivedAt.getTime()));
  const status = failure === null ? 'stored' : 'quarantined';
  {
    const inserted = await client.query(
      `INSERT INTO deliveries (id, received_at, shop, event, remote_address, headers, content_type, raw_body, status,
         decode_error_code, decode_error_message, decode_error_detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [
        deliveryId,
        receivedAt,
        delivery.shop,
        delivery.event,
        delivery.remoteAddress,
        JSON.stringify(delivery.headers),
        delivery.contentType,
        delivery.rawBody,
        status,
        failure?.code ?? null,
        failure?.message ?? null,
        decodeDetailColumn(failure),
      ],
    );
    if (inserted.rowCount === 0) return { deliveryId, alreadyStored: true, events: [], duplicates: 0 };
    if (options.paymentBinding)
      await runSqlPlan(client, touchPaymentBinding(dialect, options.paymentBinding));
    if (options.paymentClaim) await runSqlPlan(client, writePaymentClaim(dialect, options.paymentClaim));
    let duplicates: Array<string | null> = [];
    if (failure === null) {
      duplicates = await storeArrivedEvents(
        client,
        { id: deliveryId, shop: delivery.shop, event: delivery.event, receivedAt },
        eventIds,
        prepared,
        jobHandlers,
      );
    }
    changes.push({ kind: 'delivery', deliveryId, shop: delivery.shop, event: delivery.event, status });
    const stored = toIngested(eventIds, prepared, duplicates);
    return {
      deliveryId,
      alreadyStored: false,
      events: stored,
      duplicates: stored.filter((e) => e.duplicateOf !== null).length,
    };
  }
}

async function runSqlPlan(client: SqlRunner, plan: Generator<SqlStep, void, Row[]>): Promise<void> {
  await runPlan(plan, async (step) => (await client.query(step.sql, step.values)).rows as Row[]);
}

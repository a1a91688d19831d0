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
  DeliveryStatus,
  SpooledContent,
  SpooledDelivery,
  SpooledStoreOptions,
  SpooledStoreResult,
  StoreChange,
  WebhookEvent,
} from '../store.js';
import { AdaptiveBatcher, type ItemOutcome } from './adaptive-batcher.js';
import { dialect, type PgConnection, type SqlRunner, type WriteContext } from './pg-connection.js';
import { isPgUnavailable, mapPgError } from './pg-errors.js';
import { deliveryWrite, storeArrivedEvents, toIngested } from './pg-ingest.js';
import type { DeliveryWrite } from './pg-ingest-batch.js';
import { callIngest } from './pg-ingest-recovery.js';

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

  /**
   * The calls of one batch, in order. Decoded webhook deliveries without a payment claim or binding (the
   * drain's usual delivery) go through the ingest path's batched ingest function (`callIngest`: one
   * statement, set-based from 4 deliveries, each delivery in a subtransaction of its own), minus the ids
   * stored already; the others, and any the ingest function refused, one by one in savepoints.
   */
  async #storeAll(calls: SpooledCall[]): Promise<Array<ItemOutcome<SpooledStoreResult>>> {
    const viaIngest = calls.filter(
      (call) => 'events' in call.content && !call.options.paymentClaim && !call.options.paymentBinding,
    );
    const ingested = await this.#storeThroughIngest(viaIngest);
    const alone = calls.filter((call) => !ingested.has(call));
    const outcomes = new Map<SpooledCall, ItemOutcome<SpooledStoreResult>>(ingested);
    if (alone.length > 0) {
      const stored = await this.#storeInSavepoints(alone);
      alone.forEach((call, index) => {
        outcomes.set(call, stored[index] as ItemOutcome<SpooledStoreResult>);
      });
    }
    return calls.map((call) => outcomes.get(call) as ItemOutcome<SpooledStoreResult>);
  }

  /**
   * The calls whose deliveries the batched ingest function stored (or found stored already), with their
   * results. One transaction: the ingest call, then the stored deliveries' `stored_at` (the function
   * writes a delivery as it arrives), so a delivery is never committed without the time it was drained.
   */
  async #storeThroughIngest(
    calls: SpooledCall[],
  ): Promise<Map<SpooledCall, ItemOutcome<SpooledStoreResult>>> {
    const done = new Map<SpooledCall, ItemOutcome<SpooledStoreResult>>();
    if (calls.length === 0) return done;
    // one write per delivery stored or found stored, for the store stats
    await this.#conn.transaction((context) => this.#ingestBatch(context, calls, done), {
      items: () => done.size,
    });
    return done;
  }

  /** {@link storeThroughIngest}'s transaction: fills `done` with the calls it settled. */
  async #ingestBatch(
    { client, changes }: WriteContext,
    calls: SpooledCall[],
    done: Map<SpooledCall, ItemOutcome<SpooledStoreResult>>,
  ): Promise<void> {
    const taken = await client.query('SELECT id FROM deliveries WHERE id = ANY($1)', [
      calls.map((call) => call.delivery.id),
    ]);
    const storedAlready = new Set(taken.rows.map((row) => String(row.id)));
    const fresh: Array<{ call: SpooledCall; write: DeliveryWrite }> = [];
    const found: StoredAt[] = [];
    for (const call of calls) {
      const deliveryId = call.delivery.id;
      if (storedAlready.has(deliveryId)) {
        found.push({ id: deliveryId, at: call.options.now ?? new Date() });
        done.set(call, { ok: true, value: { deliveryId, alreadyStored: true, events: [], duplicates: 0 } });
      } else if ('events' in call.content) {
        const prepared = prepareEvents(call.delivery.event, call.content.events);
        const write = deliveryWrite(call.delivery, 'stored', null, prepared, uniqueHandlers(call.handlers));
        fresh.push({ call, write });
      }
    }
    await stampFoundStored(client, found, changes);
    if (fresh.length === 0) return;
    const results = await callIngest(
      fresh.map(({ write }) => write),
      client,
    );
    const drained: StoredAt[] = [];
    fresh.forEach(({ call, write }, index) => {
      const result = results[index];
      // refused inside the function (or the id taken meanwhile): tried again alone, in a savepoint
      if (result?.ok !== true) return;
      const events = toIngested(write.eventIds, write.events, result.duplicates);
      const { shop, event } = call.delivery;
      drained.push({ id: write.id, at: call.options.now ?? new Date() });
      changes.push({ kind: 'delivery', deliveryId: write.id, shop, event, status: 'stored' });
      done.set(call, {
        ok: true,
        value: {
          deliveryId: write.id,
          alreadyStored: false,
          events,
          duplicates: events.filter((e) => e.duplicateOf !== null).length,
        },
      });
    });
    await setStoredAt(client, drained);
  }

  /** The calls in one transaction, each in a savepoint: a refused one is rolled back alone. */
  #storeInSavepoints(calls: SpooledCall[]): Promise<Array<ItemOutcome<SpooledStoreResult>>> {
    return this.#conn.transaction(
      async ({ client, changes }) => {
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
      },
      { items: (outcomes) => outcomes.filter((outcome) => outcome.ok).length },
    );
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
         decode_error_code, decode_error_message, decode_error_detail, stored_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
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
        options.now ?? new Date(),
      ],
    );
    if (inserted.rowCount === 0) {
      await stampFoundStored(client, [{ id: deliveryId, at: options.now ?? new Date() }], changes);
      return { deliveryId, alreadyStored: true, events: [], duplicates: 0 };
    }
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

/** A delivery's `stored_at`: when a drain stored it, or found it stored. */
interface StoredAt {
  id: string;
  at: Date;
}

/** Sets `stored_at` of the deliveries not stamped yet; the rows it set. */
async function setStoredAt(client: SqlRunner, items: readonly StoredAt[]): Promise<Row[]> {
  if (items.length === 0) return [];
  const { rows } = await client.query(
    `UPDATE deliveries d SET stored_at = v.at FROM unnest($1::text[], $2::timestamptz[]) AS v(id, at)
      WHERE d.id = v.id AND d.stored_at IS NULL RETURNING d.id, d.shop, d.event, d.status`,
    [items.map((item) => item.id), items.map((item) => item.at)],
  );
  return rows;
}

/**
 * Deliveries a drain found stored by their own ingest call, which committed after the receiver gave up
 * on it and spooled the delivery: they entered the store late, by now (`stored_at`), and are announced
 * once (a drain after a crash finds them stamped).
 */
async function stampFoundStored(
  client: SqlRunner,
  found: readonly StoredAt[],
  changes: StoreChange[],
): Promise<void> {
  for (const row of await setStoredAt(client, found)) {
    changes.push({
      kind: 'delivery',
      deliveryId: String(row.id),
      shop: String(row.shop),
      event: String(row.event) as WebhookEvent,
      status: String(row.status) as DeliveryStatus,
    });
  }
}

async function runSqlPlan(client: SqlRunner, plan: Generator<SqlStep, void, Row[]>): Promise<void> {
  await runPlan(plan, async (step) => (await client.query(step.sql, step.values)).rows as Row[]);
}

/**
 * `Store.storeSpooled` on PostgreSQL: a delivery the receiver spooled while the store was unavailable
 * (spool/), stored under the id it was acknowledged with, in a transaction of its own (a drain is one
 * delivery at a time, after an outage: no group commit needed). The delivery row is inserted with
 * ON CONFLICT (id) DO NOTHING: when the id is taken (a drain interrupted after this commit, or the
 * ingest call that failed committed after all), nothing else is written. A spooled payment notification's
 * binding touch / claim (`options`) is written in the same transaction, after the row: when it throws
 * (PaymentClaimConflictError), the transaction rolls back and nothing is stored. A lost connection fails the
 * call (StoreUnavailableError); the drainer calls again later, and the id keeps the second call from
 * storing it twice.
 */
import { touchPaymentBinding, writePaymentClaim } from '../payment-claim.js';
import { prepareEvents, uniqueHandlers } from '../prepared-event.js';
import { runPlan, type SqlStep } from '../prune-plan.js';
import { decodeDetailColumn, type Row } from '../row-mapping.js';
import { newId } from '../sortable-id.js';
import type { SpooledContent, SpooledDelivery, SpooledStoreOptions, SpooledStoreResult } from '../store.js';
import { dialect, type PgConnection, type SqlRunner } from './pg-connection.js';
import { storeArrivedEvents, toIngested } from './pg-ingest.js';

export async function storeSpooled(
  conn: PgConnection,
  delivery: SpooledDelivery,
  content: SpooledContent,
  handlers: string[],
  options: SpooledStoreOptions = {},
): Promise<SpooledStoreResult> {
  const deliveryId = delivery.id;
  const failure = 'failure' in content ? content.failure : null;
  const prepared = 'events' in content ? prepareEvents(delivery.event, content.events) : [];
  const jobHandlers = uniqueHandlers(handlers);
  const receivedAt = delivery.receivedAt;
  const eventIds = prepared.map(() => newId('evt', receivedAt.getTime()));
  const status = failure === null ? 'stored' : 'quarantined';
  return conn.transaction(async ({ client, changes }) => {
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
  });
}

async function runSqlPlan(client: SqlRunner, plan: Generator<SqlStep, void, Row[]>): Promise<void> {
  await runPlan(plan, async (step) => (await client.query(step.sql, step.values)).rows as Row[]);
}

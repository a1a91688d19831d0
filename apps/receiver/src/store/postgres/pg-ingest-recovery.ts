/**
 * One ingest call to PostgreSQL and what happens when its connection is lost mid-call: the call picks
 * the set-based or the per-delivery ingest function by batch size, and a lost call is settled on a
 * fresh connection by checking which deliveries committed (their committed outcome is the answer) and
 * sending the others once more. Used by the ingest group commit in pg-ingest.ts and by the deliveries
 * stored in a transaction of their own there (a payment notification with its claim, a recovery pass's
 * delivery).
 */
import type pg from 'pg';
import type { Row } from '../row-mapping.js';
import { newStoreClient, type PgConnection, type SqlRunner } from './pg-connection.js';
import {
  type DeliveryOutcome,
  type DeliveryWrite,
  INGEST_BATCH_SQL,
  INGEST_SET_SQL,
  ingestBatchArguments,
  toOutcomes,
} from './pg-ingest-batch.js';

/**
 * Batches this large go to the set-based srhooks_ingest_set; smaller ones to the per-delivery
 * srhooks_ingest_batch, whose fixed cost per call is lower (PostgreSQL backend CPU per delivery,
 * batches of 1 / 2 / 4 / 6 / 10: per-delivery ≈ 280-390 / 210 / 150-175 / 160 / 128-133 µs,
 * set-based ≈ 400-470 / 240 / 156-175 / 130-150 / 100-120 µs).
 */
const SET_BASED_MIN_BATCH = 4;

/** A resent delivery refused because its own id is stored now: the interrupted call committed it. */
function committedMeanwhile(outcome: DeliveryOutcome | undefined): boolean {
  return outcome?.ok === false && outcome.code === '23505' && outcome.message.includes('deliveries_pkey');
}

/** One call of the ingest function on `runner` (a transaction's runner: inside that transaction). */
export async function callIngest(
  writes: readonly DeliveryWrite[],
  runner: pg.Pool | pg.Client | SqlRunner,
): Promise<DeliveryOutcome[]> {
  const setBased = writes.length >= SET_BASED_MIN_BATCH;
  const query = {
    name: setBased ? 'srhooks_ingest_set' : 'srhooks_ingest_batch',
    text: setBased ? INGEST_SET_SQL : INGEST_BATCH_SQL,
    values: ingestBatchArguments(writes),
  };
  const result = 'connect' in runner ? await runner.query<Row>(query) : await runner.query(query);
  return toOutcomes(result.rows, writes.length);
}

/**
 * The connection was lost while an ingest call ran (backend terminated, connection cut). The call is
 * one statement, so the batch committed entirely or not at all, and the answer does not say which.
 * Settled by recoverLostWrites, sending the missing deliveries once more through the same call.
 */
export function recoverIngest(
  conn: PgConnection,
  writes: readonly DeliveryWrite[],
  lost: unknown,
): Promise<DeliveryOutcome[]> {
  return recoverLostWrites(conn, writes, lost, callIngest);
}

/** What recovering a lost write needs to know of each delivery: its client-generated ids. */
export interface LostWrite {
  id: string;
  eventIds: readonly string[];
}

/**
 * Settles writes whose connection was lost before their answer came (the ingest call, or a delivery's
 * own transaction in pg-ingest.ts: each commits entirely or not at all). On a fresh connection:
 * deliveries found stored get the outcome they committed with (an ambiguous commit is never written
 * twice); the others are sent once more with `resend` (which reports a delivery whose own id is stored
 * meanwhile as a 23505 on deliveries_pkey, and may throw the store's own errors). If the server cannot
 * be reached either, the original error stands (the caller answers 503).
 */
export async function recoverLostWrites<W extends LostWrite>(
  conn: PgConnection,
  writes: readonly W[],
  lost: unknown,
  resend: (missing: readonly W[], client: pg.Client) => Promise<DeliveryOutcome[]>,
): Promise<DeliveryOutcome[]> {
  // A connection of its own, not the pool's: when every backend was terminated at once, the pool may
  // still hold idle connections whose loss it has not noticed yet.
  const client = newStoreClient(conn.clientConfig);
  try {
    let committed: Map<string, Array<string | null>>;
    try {
      await client.connect();
      committed = await committedOutcomes(writes, client);
    } catch {
      throw lost;
    }
    const missing = writes.filter((write) => !committed.has(write.id));
    const resent = missing.length === 0 ? [] : await resend(missing, client);
    // The first call's backend may still have been running when it was checked (a cut connection:
    // the server notices only when it answers) and committed since: the resent delivery then meets
    // its own row. That commit is the outcome.
    const overtaken = missing.filter((_write, index) => committedMeanwhile(resent[index]));
    if (overtaken.length > 0) {
      for (const [id, duplicates] of await committedOutcomes(overtaken, client)) {
        committed.set(id, duplicates);
      }
    }
    return mergeOutcomes(writes, committed, missing, resent);
  } finally {
    void client.end().catch(() => {});
  }
}

function mergeOutcomes(
  writes: readonly LostWrite[],
  committed: Map<string, Array<string | null>>,
  missing: readonly LostWrite[],
  resent: readonly DeliveryOutcome[],
): DeliveryOutcome[] {
  const byId = new Map(missing.map((write, index) => [write.id, resent[index]]));
  return writes.map((write): DeliveryOutcome => {
    const duplicates = committed.get(write.id);
    if (duplicates !== undefined) return { ok: true, duplicates };
    return (
      byId.get(write.id) ?? { ok: false, code: 'XX000', message: 'the retried ingest returned no outcome' }
    );
  });
}

/** Delivery id → duplicate_of of its events (in write order), for the writes that are stored. */
async function committedOutcomes(
  writes: readonly LostWrite[],
  client: pg.Client,
): Promise<Map<string, Array<string | null>>> {
  const stored = await client.query<{ id: string }>('SELECT id FROM deliveries WHERE id = ANY ($1::text[])', [
    writes.map((write) => write.id),
  ]);
  const storedIds = new Set(stored.rows.map((row) => row.id));
  const eventIds = writes.filter((write) => storedIds.has(write.id)).flatMap((write) => write.eventIds);
  const events =
    eventIds.length === 0
      ? []
      : (
          await client.query<{ id: string; duplicate_of: string | null }>(
            'SELECT id, duplicate_of FROM events WHERE id = ANY ($1::text[])',
            [eventIds],
          )
        ).rows;
  const duplicateOf = new Map(events.map((event) => [event.id, event.duplicate_of]));
  const outcomes = new Map<string, Array<string | null>>();
  for (const write of writes) {
    if (storedIds.has(write.id)) {
      outcomes.set(
        write.id,
        write.eventIds.map((id) => duplicateOf.get(id) ?? null),
      );
    }
  }
  return outcomes;
}

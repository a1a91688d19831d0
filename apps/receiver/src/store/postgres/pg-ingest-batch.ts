import type { PreparedEvent } from '../prepared-event.js';
import type { DecodeFailure } from '../store.js';
import { pgValues } from './pg-text.js';

/** One delivery (stored with events, or quarantined) as written by `srhooks_ingest_set` / `srhooks_ingest_batch`. */
export interface DeliveryWrite {
  id: string;
  receivedAt: Date;
  shop: string;
  event: string;
  remoteAddress: string;
  headers: Record<string, string>;
  contentType: string;
  rawBody: Buffer;
  status: 'stored' | 'quarantined';
  error: DecodeFailure | null;
  events: readonly PreparedEvent[];
  eventIds: readonly string[];
  handlers: readonly string[];
  /** Event-major: job of event i and handler h at i * handlers.length + h. */
  jobIds: readonly string[];
}

/** Per delivery: duplicate_of of each event in input order, or the SQLSTATE and message it failed with. */
export type DeliveryOutcome =
  | { ok: true; duplicates: Array<string | null> }
  | { ok: false; code: string; message: string };

const ARGUMENT_COUNT = 25;

const PLACEHOLDERS = Array.from({ length: ARGUMENT_COUNT }, (_, i) => `$${i + 1}`).join(', ');

/** The per-delivery path (one subtransaction per delivery); kept as the set-based path's fallback. */
export const INGEST_BATCH_SQL = `SELECT out_index, out_duplicates, out_error_code, out_error_message
  FROM srhooks_ingest_batch(${PLACEHOLDERS})`;

/** The set-based path (migration 2): same arguments, same rows; falls back to srhooks_ingest_batch inside. */
export const INGEST_SET_SQL = `SELECT out_index, out_duplicates, out_error_code, out_error_message
  FROM srhooks_ingest_set(${PLACEHOLDERS})`;

/**
 * A json parameter made of JSON texts (a JSON array of them), as UTF-8 bytes: pg sends a Buffer in binary
 * format, which for `json` is the text itself. The bytes live outside V8's heap, so a batch's payloads,
 * held by the query until its commit, are not copied by every young-generation collection meanwhile, and
 * the texts are written straight into them, not joined into one more string first. (JSON texts hold no
 * raw U+0000, so pgText has nothing to do for them.)
 */
export function jsonArrayBytes(texts: readonly string[]): Buffer {
  let length = texts.length === 0 ? 2 : texts.length + 1; // the brackets and the commas
  for (const text of texts) length += Buffer.byteLength(text, 'utf8');
  const bytes = Buffer.allocUnsafe(length);
  let offset = 0;
  bytes[offset++] = 0x5b; // [
  for (let index = 0; index < texts.length; index++) {
    if (index > 0) bytes[offset++] = 0x2c; // ,
    offset += bytes.write(texts[index] as string, offset, 'utf8');
  }
  bytes[offset] = 0x5d; // ]
  return bytes;
}

/** The 25 arguments of `srhooks_ingest_set` and `srhooks_ingest_batch` (same list), in order (see the migrations). */
export function ingestBatchArguments(writes: readonly DeliveryWrite[]): unknown[] {
  const events = writes.flatMap((write) => write.events);
  return pgValues([
    writes.map((w) => w.id),
    writes.map((w) => w.receivedAt),
    writes.map((w) => w.shop),
    writes.map((w) => w.event),
    writes.map((w) => w.remoteAddress),
    jsonArrayBytes(writes.map((w) => JSON.stringify(w.headers))),
    writes.map((w) => w.contentType),
    Buffer.concat(writes.map((w) => w.rawBody)),
    writes.map((w) => w.rawBody.length),
    writes.map((w) => w.status),
    writes.map((w) => w.error?.code ?? null),
    writes.map((w) => w.error?.message ?? null),
    writes.map((w) => w.events.length),
    writes.flatMap((w) => w.eventIds),
    events.map((e) => e.dedupeKey),
    events.map((e) => e.subjectId),
    events.map((e) => e.orderNumber),
    events.map((e) => e.customerName),
    events.map((e) => e.grossTotal),
    events.map((e) => e.currency),
    events.map((e) => e.searchText),
    jsonArrayBytes(events.map((e) => e.payloadJson)),
    writes.map((w) => w.handlers.length),
    writes.flatMap((w) => w.handlers),
    writes.flatMap((w) => w.jobIds),
  ]);
}

export function toOutcomes(rows: ReadonlyArray<Record<string, unknown>>, count: number): DeliveryOutcome[] {
  const outcomes: DeliveryOutcome[] = Array.from({ length: count }, () => ({
    ok: false,
    code: 'XX000',
    message: 'the ingest function returned no row for this delivery',
  }));
  for (const row of rows) {
    const index = Number(row.out_index) - 1;
    outcomes[index] =
      row.out_error_code === null
        ? { ok: true, duplicates: (row.out_duplicates as Array<string | null>) ?? [] }
        : { ok: false, code: String(row.out_error_code), message: String(row.out_error_message) };
  }
  return outcomes;
}

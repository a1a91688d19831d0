/**
 * One spool file holds one delivery: a first line naming the format, a second line of JSON (the
 * delivery's id, shop, event, arrival time, remote address, Content-Type, stored headers, and the body's
 * length and SHA-256), then the raw body byte for byte. The length and digest catch a truncated or
 * damaged file: it is never mistaken for a delivery.
 *
 *     srhooks-spool 1\n
 *     {"deliveryId":"dlv_…","shop":"demo","event":"order_confirm",…,"bodyBytes":1234,"bodySha256":"…"}\n
 *     <raw body>
 *
 * Format 1 is a webhook delivery (POST /hooks). Format 2 adds `"source"` to the header: a Payment API
 * notification (`payment_notification`, its event `payment_status` / `payment_card_change`, its hmac
 * verified before it was spooled; the shop is the one its URL claims, filed when drained), or an app
 * uninstall call (`app_uninstall`, its event `app_uninstalled`, its hmac and timestamp verified before
 * it was spooled; the body is the call's query string, the arrival time the call's time). A file is
 * written in the oldest format that holds it — webhook deliveries stay format 1, byte for byte as
 * before — and both are read, so the files an earlier version left drain, and an earlier version moves
 * only the others aside (unreadable/, kept: `"source"` it does not know) rather than every file.
 */
import { createHash } from 'node:crypto';
import { isWebhookEvent, PAYMENT_EVENTS, type WebhookEvent } from '@srhooks/contracts';
import { z } from 'zod';
import { isId } from '../store/sortable-id.js';
import type { SpooledDelivery } from '../store/store.js';
import { SpoolFileUnreadableError } from './spool-errors.js';

const MAGIC_V1 = 'srhooks-spool 1\n';
const MAGIC_V2 = 'srhooks-spool 2\n';

/** What was spooled: a webhook delivery (format 1), a Payment API notification or an app uninstall call (format 2). */
export type SpoolSource = 'webhook' | 'payment_notification' | 'app_uninstall';

/** A spool file's content. */
export interface SpoolEntry {
  readonly source: SpoolSource;
  readonly delivery: SpooledDelivery;
}

const isPaymentEvent = (event: string) => (PAYMENT_EVENTS as readonly string[]).includes(event);
/** The header line is small (headers are bounded by the HTTP server's header limit): more means damage. */
const MAX_HEADER_BYTES = 1024 * 1024;

const SpoolHeaderSchema = z.object({
  deliveryId: z.string().refine((id) => isId(id, 'dlv'), 'not a delivery id'),
  shop: z.string().min(1),
  event: z.string(),
  receivedAt: z.iso.datetime(),
  remoteAddress: z.string(),
  contentType: z.string(),
  headers: z.record(z.string(), z.string()),
  bodyBytes: z.int().min(0),
  bodySha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** Format 1: a webhook delivery. */
const SpoolHeaderV1Schema = SpoolHeaderSchema.extend({
  event: z.string().refine(isWebhookEvent, 'not a webhook event'),
});

/** Format 2: the source named, the event one of that source's. */
const SpoolHeaderV2Schema = z.discriminatedUnion('source', [
  SpoolHeaderSchema.extend({
    source: z.literal('payment_notification'),
    event: z.string().refine(isPaymentEvent, 'not a payment notification event'),
  }),
  SpoolHeaderSchema.extend({
    source: z.literal('app_uninstall'),
    event: z.literal('app_uninstalled'),
  }),
]);

function sha256(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/** The file's bytes as two buffers (header lines, body), so the body is written without a copy. */
export function encodeSpoolFile(
  delivery: SpooledDelivery,
  source: SpoolSource = 'webhook',
): [Buffer, Buffer] {
  const header: z.input<typeof SpoolHeaderSchema> & { source?: SpoolSource } = {
    ...(source === 'webhook' ? {} : { source }),
    deliveryId: delivery.id,
    shop: delivery.shop,
    event: delivery.event,
    receivedAt: delivery.receivedAt.toISOString(),
    remoteAddress: delivery.remoteAddress,
    contentType: delivery.contentType,
    headers: delivery.headers,
    bodyBytes: delivery.rawBody.length,
    bodySha256: sha256(delivery.rawBody),
  };
  const magic = source === 'webhook' ? MAGIC_V1 : MAGIC_V2;
  return [Buffer.from(`${magic}${JSON.stringify(header)}\n`, 'utf8'), delivery.rawBody];
}

/** The format a file's first line names (both lines have one length); null when none. */
function formatOf(file: Buffer): 1 | 2 | null {
  const line = file.subarray(0, MAGIC_V1.length);
  if (line.equals(Buffer.from(MAGIC_V1, 'utf8'))) return 1;
  if (line.equals(Buffer.from(MAGIC_V2, 'utf8'))) return 2;
  return null;
}

/** The delivery a spool file holds; SpoolFileUnreadableError when it is not a complete one. */
export function decodeSpoolFile(file: Buffer): SpoolEntry {
  const format = formatOf(file);
  if (format === null) {
    throw new SpoolFileUnreadableError('it does not start with the spool format line');
  }
  const headerEnd = file.indexOf(0x0a, MAGIC_V1.length);
  if (headerEnd < 0 || headerEnd - MAGIC_V1.length > MAX_HEADER_BYTES) {
    throw new SpoolFileUnreadableError('its header line is incomplete');
  }
  let json: unknown;
  try {
    json = JSON.parse(file.subarray(MAGIC_V1.length, headerEnd).toString('utf8'));
  } catch {
    throw new SpoolFileUnreadableError('its header line is not JSON');
  }
  const parsed = (format === 1 ? SpoolHeaderV1Schema : SpoolHeaderV2Schema).safeParse(json);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || 'header'))];
    throw new SpoolFileUnreadableError(`its header has invalid fields: ${fields.join(', ')}`);
  }
  const header = parsed.data;
  const rawBody = file.subarray(headerEnd + 1);
  if (rawBody.length !== header.bodyBytes) {
    throw new SpoolFileUnreadableError(
      `its body is ${rawBody.length} bytes, the header says ${header.bodyBytes} (truncated?)`,
    );
  }
  if (sha256(rawBody) !== header.bodySha256) {
    throw new SpoolFileUnreadableError("its body does not match the header's SHA-256");
  }
  const delivery: SpooledDelivery = {
    id: header.deliveryId,
    shop: header.shop,
    event: header.event as WebhookEvent,
    receivedAt: new Date(header.receivedAt),
    remoteAddress: header.remoteAddress,
    contentType: header.contentType,
    headers: header.headers,
    rawBody,
  };
  return { source: 'source' in header ? header.source : 'webhook', delivery };
}

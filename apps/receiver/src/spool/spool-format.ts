/**
 * One spool file holds one delivery: a first line naming the format, a second line of JSON (the
 * delivery's id, shop, event, arrival time, remote address, Content-Type, stored headers, and the body's
 * length and SHA-256), then the raw body byte for byte. The length and digest catch a truncated or
 * damaged file: it is never mistaken for a delivery.
 *
 *     srhooks-spool 1\n
 *     {"deliveryId":"dlv_…","shop":"demo","event":"order_confirm",…,"bodyBytes":1234,"bodySha256":"…"}\n
 *     <raw body>
 */
import { createHash } from 'node:crypto';
import { isWebhookEvent, type WebhookEvent } from '@srhooks/contracts';
import { z } from 'zod';
import { isId } from '../store/sortable-id.js';
import type { SpooledDelivery } from '../store/store.js';
import { SpoolFileUnreadableError } from './spool-errors.js';

const MAGIC = 'srhooks-spool 1\n';
/** The header line is small (headers are bounded by the HTTP server's header limit): more means damage. */
const MAX_HEADER_BYTES = 1024 * 1024;

const SpoolHeaderSchema = z.object({
  deliveryId: z.string().refine((id) => isId(id, 'dlv'), 'not a delivery id'),
  shop: z.string().min(1),
  event: z.string().refine(isWebhookEvent, 'not a webhook event'),
  receivedAt: z.iso.datetime(),
  remoteAddress: z.string(),
  contentType: z.string(),
  headers: z.record(z.string(), z.string()),
  bodyBytes: z.int().min(0),
  bodySha256: z.string().regex(/^[0-9a-f]{64}$/),
});

function sha256(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/** The file's bytes as two buffers (header lines, body), so the body is written without a copy. */
export function encodeSpoolFile(delivery: SpooledDelivery): [Buffer, Buffer] {
  const header: z.input<typeof SpoolHeaderSchema> = {
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
  return [Buffer.from(`${MAGIC}${JSON.stringify(header)}\n`, 'utf8'), delivery.rawBody];
}

/** The delivery a spool file holds; SpoolFileUnreadableError when it is not a complete one. */
export function decodeSpoolFile(file: Buffer): SpooledDelivery {
  if (!file.subarray(0, MAGIC.length).equals(Buffer.from(MAGIC, 'utf8'))) {
    throw new SpoolFileUnreadableError('it does not start with the spool format line');
  }
  const headerEnd = file.indexOf(0x0a, MAGIC.length);
  if (headerEnd < 0 || headerEnd - MAGIC.length > MAX_HEADER_BYTES) {
    throw new SpoolFileUnreadableError('its header line is incomplete');
  }
  let json: unknown;
  try {
    json = JSON.parse(file.subarray(MAGIC.length, headerEnd).toString('utf8'));
  } catch {
    throw new SpoolFileUnreadableError('its header line is not JSON');
  }
  const parsed = SpoolHeaderSchema.safeParse(json);
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
  return {
    id: header.deliveryId,
    shop: header.shop,
    event: header.event as WebhookEvent,
    receivedAt: new Date(header.receivedAt),
    remoteAddress: header.remoteAddress,
    contentType: header.contentType,
    headers: header.headers,
    rawBody,
  };
}

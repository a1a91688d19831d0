import { z } from 'zod';
import { PAYMENT_NOTIFICATION_TEXTS_MAY_BE_NULL } from '../assumptions.js';
import { unsupportedContentCoding } from '../codec/content-coding.js';
import { JsonReadError, readJsonDocument } from '../codec/json-document.js';

/**
 * Payment API notification bodies (FACTS.md §8; `paymentapi/docs/l_notifications.md`; OpenAPI
 * `components.schemas.PaymentStatusNotification` / `PaymentCardChangeNotification`, tied to these
 * schemas by schemas.test-d.ts). Ids are documented as numbers; numeric strings are accepted too
 * (assumed: PHP senders mix them; `"2"` and `2` give the same dedupe key). `time` is documented as Unix
 * seconds, a JSON number, and only that is accepted: a string time is not the documented body (an
 * authentic one is quarantined as `invalid_notification`, FACTS.md §8). The optional texts (`reason`,
 * `paymentStatus`, `message`) may be `null` (assumed, [A43] in assumptions.ts). Unknown properties are kept.
 */
const IdSchema = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/).transform(Number)]);
/** [A43] An optional text of a notification: absent, a string, or `null` (kept as received). */
const OptionalTextSchema = PAYMENT_NOTIFICATION_TEXTS_MAY_BE_NULL
  ? z.string().nullish()
  : z.string().optional();
const UnixSecondsSchema = z.number({ error: 'must be Unix seconds as a JSON number' }).int().positive();

/** One-time or recurring charge: `{id, status, time, reason?}` (`reason` may be null, [A43]). */
export const PaymentStatusNotificationSchema = z.looseObject({
  id: IdSchema,
  status: z.string().min(1),
  time: UnixSecondsSchema,
  reason: OptionalTextSchema,
});

/** Card (funding source) change: `{changeId, subscriptionId, status, paymentStatus?, message?, time}` (texts may be null, [A43]). */
export const PaymentCardChangeNotificationSchema = z.looseObject({
  changeId: IdSchema,
  subscriptionId: IdSchema,
  status: z.string().min(1),
  paymentStatus: OptionalTextSchema,
  message: OptionalTextSchema,
  time: UnixSecondsSchema,
});

export type PaymentStatusNotification = z.infer<typeof PaymentStatusNotificationSchema>;
export type PaymentCardChangeNotification = z.infer<typeof PaymentCardChangeNotificationSchema>;

export type DecodedPaymentNotification =
  | { event: 'payment_status'; notification: PaymentStatusNotification; dedupeKey: string }
  | { event: 'payment_card_change'; notification: PaymentCardChangeNotification; dedupeKey: string };

/**
 * Reads a notification body: a card change when it has `changeId`, a charge otherwise. The dedupe
 * key is `payment:<id>:<status>:<time>` or `card-change:<changeId>:<status>:<time>`: the same
 * notification sent twice is a duplicate, a later status of the same payment is new.
 * Returns the zod error's first issue as text when the body is not one of the two shapes.
 */
export function decodePaymentNotification(
  body: unknown,
): { ok: true; value: DecodedPaymentNotification } | { ok: false; reason: string } {
  const isCardChange = typeof body === 'object' && body !== null && 'changeId' in body;
  const parsed = isCardChange
    ? PaymentCardChangeNotificationSchema.safeParse(body)
    : PaymentStatusNotificationSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: `${isCardChange ? 'card change' : 'payment status'} notification: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`,
    };
  }
  if (isCardChange) {
    const n = parsed.data as PaymentCardChangeNotification;
    return {
      ok: true,
      value: {
        event: 'payment_card_change',
        notification: n,
        dedupeKey: `card-change:${n.changeId}:${n.status}:${n.time}`,
      },
    };
  }
  const n = parsed.data as PaymentStatusNotification;
  return {
    ok: true,
    value: { event: 'payment_status', notification: n, dedupeKey: `payment:${n.id}:${n.status}:${n.time}` },
  };
}

/**
 * Reads a notification's raw body (already verified), as sent (`contentEncoding`, the request's
 * Content-Encoding: any coding but identity is refused, never misread): UTF-8 JSON, each key once in an object (a key
 * given twice, which PHP's `json_encode` cannot write, would be read as its last value alone:
 * refused naming it, as in deliveries), then {@link decodePaymentNotification}. The one reader of the
 * client's verification and of the receiver's filing and re-processing, so they cannot disagree.
 */
export function readPaymentNotificationBody(
  rawBody: string | Uint8Array,
  contentEncoding?: string,
): { ok: true; value: DecodedPaymentNotification } | { ok: false; reason: string } {
  const coding = unsupportedContentCoding(contentEncoding);
  if (coding !== undefined) {
    return {
      ok: false,
      reason: `the body is sent with Content-Encoding "${coding}"; notifications are read as sent, without a content coding (assumed: ShopRenter sends them uncompressed), so it is not read as JSON — send it without Content-Encoding`,
    };
  }
  let body: unknown;
  try {
    const text =
      typeof rawBody === 'string' ? rawBody : new TextDecoder('utf-8', { fatal: true }).decode(rawBody);
    body = readJsonDocument(text, { maxDepth: 16 });
  } catch (error) {
    if (error instanceof JsonReadError && error.code === 'duplicate_key')
      return { ok: false, reason: error.message };
    return { ok: false, reason: 'the body is not JSON' };
  }
  return decodePaymentNotification(body);
}

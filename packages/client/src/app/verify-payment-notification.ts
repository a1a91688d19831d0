import { timingSafeEqual } from 'node:crypto';
import {
  type DecodedPaymentNotification,
  readPaymentNotificationBody,
  signPaymentNotification,
} from '@srhooks/contracts';
import { optionKeys } from '../option-checks.js';
import { hexDigest, type QueryInput, queryValues } from './app-query.js';
import { AppRequestError } from './app-request-error.js';
import type { ReplayGuard } from './replay-guard.js';
import { appSecret, checkAppOptionKeys, toleranceOption } from './verify-app-request.js';

/**
 * Verifies a Payment API notification (FACTS.md §8): a POST to the app's `notificationUrl` with
 * `?hmac=<hex HMAC-SHA256(WebhookSecretKey, raw body)>`.
 *
 * 1. `hmac` present once, 64 hex characters (either case);
 * 2. it matches the raw body's HMAC, compared in constant time — on the bytes as received, never
 *    on re-serialised JSON;
 * 3. the body is sent without a content coding (`contentEncoding`), is JSON (each key once in an object) and one of the two documented shapes; an authentic body that is not gives
 *    `invalid_notification` with `authentic: true` (quarantine it, do not drop it);
 * 4. the body's `time` is within `toleranceSeconds` (default 300) of `now()`;
 * 5. with a `replayGuard`, the same signature seen before is refused (`replayed`).
 *
 * Other query parameters (an app may put its own into `notificationUrl`) are not signed; they
 * come back in `unsigned`.
 */
export interface VerifyPaymentNotificationOptions {
  now?: () => number;
  toleranceSeconds?: number;
  replayGuard?: ReplayGuard;
  /**
   * The request's Content-Encoding when `rawBody` is the bytes as sent: an authentic body sent with a
   * coding other than identity gives `invalid_notification` (authentic) naming it, never a misread. Leave
   * it out for a body something already decoded (express.raw() inflates a gzip body).
   */
  contentEncoding?: string | undefined;
}

/** The options, and `secretKey` and `maxBytes`, which the handlers pass in the same object. */
const VERIFY_PAYMENT_OPTION_KEYS = [
  ...optionKeys<VerifyPaymentNotificationOptions>()([
    'now',
    'toleranceSeconds',
    'replayGuard',
    'contentEncoding',
  ]),
  'secretKey',
  'maxBytes',
];

export type VerifiedPaymentNotification = DecodedPaymentNotification & {
  ok: true;
  /** The other query parameters (first value each). Not signed. */
  unsigned: Record<string, string>;
  /** The key a `replayGuard` recorded for this notification (`replayGuard.forget(replayKey)` if it was not handled). */
  replayKey: string;
};

export type PaymentNotificationResult = VerifiedPaymentNotification | { ok: false; error: AppRequestError };

export function verifyPaymentNotification(
  rawBody: string | Uint8Array,
  query: QueryInput,
  secretKey: string,
  options: VerifyPaymentNotificationOptions = {},
): PaymentNotificationResult {
  appSecret('verifyPaymentNotification', 'secretKey', 'WebhookSecretKey', secretKey);
  checkAppOptionKeys(options, VERIFY_PAYMENT_OPTION_KEYS, 'verifyPaymentNotification()');
  const tolerance = toleranceOption(options.toleranceSeconds);
  const values = paymentNotificationQuery(query);
  const hmacs = values.get('hmac') ?? [];
  if (hmacs.length === 0 || hmacs[0] === '')
    return refuse('missing_parameter', 'the hmac parameter is missing');
  if (hmacs.length > 1) return refuse('malformed_parameter', 'the hmac parameter is given more than once');
  const given = hexDigest(hmacs[0] as string);
  if (!given) return refuse('malformed_parameter', 'hmac must be 64 hexadecimal characters');
  const expected = Buffer.from(signPaymentNotification(rawBody, secretKey), 'hex');
  if (!timingSafeEqual(expected, given)) {
    return refuse(
      'bad_signature',
      'hmac does not match the body: it was not signed with this app’s WebhookSecretKey — check that this server has the key ShopRenter issued for the app (the new one after a change), and that nothing between ShopRenter and it rewrites the body (a proxy re-encoding JSON breaks the signature)',
    );
  }

  // Each key once in an object (PHP's json_encode cannot write one twice), then the documented shapes.
  const decoded = readPaymentNotificationBody(rawBody, options.contentEncoding);
  if (!decoded.ok) return invalid(decoded.reason);

  const nowMs = (options.now ?? Date.now)();
  const skew = Math.abs(nowMs / 1000 - decoded.value.notification.time);
  if (skew > tolerance) {
    return refuse(
      'stale',
      `the notification's time is ${Math.round(skew)} s away from now (tolerance ${tolerance} s): check this server's clock (NTP); a genuine notification held up longer than that needs a larger toleranceSeconds`,
    );
  }
  const replayKey = `payment:${expected.toString('hex')}`;
  if (options.replayGuard?.seen(replayKey, nowMs)) {
    return refuse('replayed', 'this notification was already received');
  }
  const unsigned: Record<string, string> = {};
  for (const [key, list] of values) if (key !== 'hmac' && list[0] !== undefined) unsigned[key] = list[0];
  return { ok: true, ...decoded.value, unsigned, replayKey };
}

/**
 * A notification's query parameters, each with all its values. The Payment API appends `?hmac=<hex>` to
 * the `notificationUrl` (FACTS.md §8: "the hmac query parameter added to the sent url"); whether a URL with a query of its own (`?shop=my-shop`) gets `&hmac=` or
 * a second `?hmac=` is not documented (A54, assumed either). A second `?` is no separator, so the hmac
 * would be read as part of the parameter before it (`shop` = `my-shop?hmac=…`) and the notification
 * refused as unsigned: without an `hmac` parameter, a value holding `?hmac=` is split back into that
 * value and the parameters after its `?`. Use it for the shop claim too (the receiver's payment route
 * does), so `shop` is `my-shop`.
 */
export function paymentNotificationQuery(query: QueryInput): Map<string, string[]> {
  const values = queryValues(query);
  if (values.has('hmac')) return values;
  const split = new Map<string, string[]>();
  const add = (key: string, value: string) => split.set(key, [...(split.get(key) ?? []), value]);
  for (const [key, list] of values) {
    for (const value of list) {
      const at = value.indexOf('?hmac=');
      if (at < 0) {
        add(key, value);
        continue;
      }
      add(key, value.slice(0, at));
      for (const [appendedKey, appendedValue] of new URLSearchParams(value.slice(at + 1)))
        add(appendedKey, appendedValue);
    }
  }
  return split;
}

function refuse(code: AppRequestError['code'], message: string): { ok: false; error: AppRequestError } {
  return { ok: false, error: new AppRequestError(code, message) };
}

function invalid(reason: string): { ok: false; error: AppRequestError } {
  return {
    ok: false,
    error: new AppRequestError(
      'invalid_notification',
      `authentic notification that cannot be read: ${reason}`,
      {
        status: 400,
        authentic: true,
      },
    ),
  };
}

/**
 * The contracts' side of srhooks' assumptions about ShopRenter: what the documentation does not
 * say and the contracts had to choose. Each carries the id of its row in the assumptions table of
 * `packages/contracts/README.md` (`[A…]`), the one list of every statement srhooks makes about
 * ShopRenter as documented, shown in the documentation's screenshot, or assumed. The sandbox's
 * counterpart is `apps/sandbox/src/assumptions.ts`; a sandbox test checks that every assumed row of
 * the table is named in one of the two files and every name there is an assumed row.
 */

/**
 * [A1] An error body may carry the inner code as `error` beside `message`
 * (`{"error": 40005, "message": "The given data is wrong!"}`). The only documented body is
 * message-only; readers must cope with both (`ApiErrorBodySchema` makes `error` optional), and
 * with an XML or empty body.
 */
export const ERROR_BODY_INNER_CODE_KEY = 'error';

/**
 * [A4] A token without the scope an operation needs is answered 401/40101 "You have no permission
 * for this operation!" (the documentation's only permission text; its 403 "Forbidden" has no inner
 * code and no case). The client reports such a 401 as the missing scope when the token's claims
 * show it is missing.
 */
export const MISSING_SCOPE_ANSWER = { status: 401, innerCode: 40101 } as const;

/**
 * [A16] The shop does not retry a delivery that failed (not documented): a receiver that answered
 * an error, or was down, may have lost that order for good. Nor does the Payment API send a
 * notification again that the app refused or did not answer (not documented either): the sandbox
 * sends each once.
 */
export const SHOP_DELIVERY_RETRIES = 0;

/**
 * [A17] The XML delivery (a subscription with `type: "xml"`) has the same tree as the JSON one
 * (`<orders><order>…`, one element per field, lists as repeated elements); see `codec/xml.ts`.
 */
export { XML_LIST_ELEMENTS } from './codec/xml-lists.js';

/**
 * [A18] Outer ids: which characters ShopRenter accepts is not documented; srhooks allows 1–200
 * URL-safe ones (letters, digits, `-`, `_`, `.`, `~`), so an outer id travels in a path unencoded.
 */
export const OUTER_ID_PATTERN = /^[A-Za-z0-9._~-]{1,200}$/;

/**
 * [A19] Where the selectable fields whose blocks no documented delivery shows land in a delivery
 * (`orderCreditCard_*`, `orderProductOption_*`, `orderProductExtra`, `orderProductAddon`); see
 * `catalogue/payload-path.ts`.
 */
export { PAYLOAD_PATH_RULES } from './catalogue/payload-path.js';

/**
 * [A20] The newsletter delivery fixtures are built from the documented subscriber fields in the
 * captured order delivery's wire form; no real newsletter delivery was captured.
 */
export const BUILT_DELIVERY_FIXTURES = [
  'deliveries/newsletter_subscribe.json',
  'deliveries/newsletter_subscribe.multipart.http',
] as const;

/**
 * [A10] `webHookDelay` is a list, but the documentation only ever shows one entry: several entries
 * add up, and the delivery is still sent once. The delay of a subscription, in hours (the sandbox
 * waits this long; recovery waits as long before it stores the event).
 * [A41] The delay counts from the event's time: the time the event carries
 * (`orderHistory.dateAdded`; for an order or abandoned cart without a status history, its
 * `dateCreated`; a subscriber's `subscribe_date`). The documentation says only "absent or empty =
 * send at once".
 */
export function delayHours(delays: readonly { delay: number; delayUnit: 'day' | 'hour' }[]): number {
  return delays.reduce((sum, d) => sum + d.delay * (d.delayUnit === 'day' ? 24 : 1), 0);
}

/**
 * [A24] The longest `webHookDelay` a webHook may have: its entries add up (A10) to at most 100
 * years (36,500 days), each entry a whole number of 1 or more. ShopRenter documents no limit (nor
 * whether `"0"` is taken: absent or empty is the documented "send at once"); a longer delay (e.g.
 * `"99999999999"` days) cannot be scheduled as a date. The contracts' `WebhookInputSchema` carries
 * the rule, so the client refuses such a body before sending it and the sandbox answers it 40005
 * "The given data is wrong!", as it does other wrong values.
 */
export const MAX_WEBHOOK_DELAY_HOURS = 36_500 * 24;

/**
 * [A43] A Payment API notification's optional texts — a charge's `reason`, a card change's
 * `paymentStatus` and `message` — may be `null`. The documentation shows them as strings or leaves
 * them out (`{"id":69,"status":"pending","time":…}`); a PHP sender's `json_encode` writes a text it
 * does not have as `null`. An authentic notification is read with that `null` (kept as received)
 * rather than quarantined, since its id, status and time are all the app needs. `false` makes
 * `null` there a body that is not a notification again.
 */
export const PAYMENT_NOTIFICATION_TEXTS_MAY_BE_NULL = true;

/**
 * [A44] An order's status history entries get inner ids that grow with each entry (`orderHistories`'
 * `innerId`): within the hour the shop's clock is turned back (02:00–03:00 twice, A11), where
 * `dateAdded` cannot tell which came first, recovery orders the entries by it.
 */
export { statusesFromHistory } from './recovery/recovered-events.js';

/*
 * [A52] `GET /orderProducts?orderId=` (the order's documented `orderProducts` link) pages like every
 * collection and needs `order.order:read`; its items carry the delivery's `orderProduct` fields by the
 * same names (`innerId`, `name`, `sku`, `price`, `currency`, `taxRate`, `quantity`, …) beside the API's
 * `href`, `id` and links. None of it is documented. Recovery puts the items in a recovered order as the
 * delivery carries them: `orderProductsFromApi` (`OrderProductEntrySchema` reads an item loosely),
 * exported below with the currency's.
 */

/**
 * [A53] `GET /currencies/{id}` (the order's documented `currency` link) carries the code a delivery
 * writes as the order's `currency` (`HUF`) in the field `code`. Its scope is not documented either:
 * recovery reads each currency once per pass, and a refused read (401/403) leaves the recovered orders
 * without the code rather than failing the pass (any other failure fails it, as a products read does).
 */
export { CURRENCY_CODE_FIELD, currencyCodeOf, orderProductsFromApi } from './recovery/recovered-order.js';

/*
 * [A51] ShopRenter sends deliveries and Payment API notifications without a content coding (no
 * `Content-Encoding`; the documentation says nothing about compression). The readers take a body as
 * sent and refuse one with any coding but `identity` (`unsupported_content_encoding` for a delivery,
 * `invalid_notification` for a notification) rather than read compressed bytes as text:
 * `codec/content-coding.ts` `unsupportedContentCoding`, used by `decodeDelivery` and
 * `readPaymentNotificationBody`.
 */

/*
 * [A54] The Payment API appends `?hmac=<hex>` to the app's `notificationUrl` (FACTS.md §8: "the hmac
 * query parameter added to the sent url"). Whether a URL
 * with a query of its own (`?shop=my-shop`) gets `&hmac=` or a second `?hmac=` is not documented: both
 * are read (`@srhooks/client` `paymentNotificationQuery`, used by `verifyPaymentNotification` and the
 * receiver's payment route). The sandbox appends `&hmac=`.
 */

/**
 * [A49] A delivery's `email_hash` (field `order_email_hash`, documented only as "Customer email sha256
 * hash") is the hex SHA-256 of the customer's e-mail address trimmed and lower-cased. The sandbox writes
 * it so; the receiver's erasure by e-mail address matches this hash and, since ShopRenter may hash the
 * address as the customer wrote it, that one's too (`apps/receiver/src/store/email-match.ts`).
 */
export { customerEmailHash } from './customer-email-hash.js';

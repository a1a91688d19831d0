import { randomBytes } from 'node:crypto';
import {
  type ApiErrorBody,
  ERROR_BODY_INNER_CODE_KEY,
  encodePhpJson,
  type InnerErrorCode,
  MISSING_SCOPE_ANSWER,
  STATUS_TEXTS,
} from '@srhooks/contracts';

/**
 * Points where ShopRenter's documentation is silent and the sandbox had to choose.
 * They are kept here, in one place, so that changing one is a one-line edit. Each carries the id
 * of its row in the assumptions table of `packages/contracts/README.md` (`[A…]`), which lists every
 * statement srhooks makes about ShopRenter as documented, shown in the documentation's screenshot,
 * or assumed; a contracts test checks that every assumed row is named here or in
 * `packages/contracts/src/assumptions.ts`. The sandbox README lists the same points for users.
 */

/**
 * [A1] Error bodies. The only documented one is message-only (`{"message": "…"}`, the batch
 * page); the sandbox answers that form where no inner code applies (403, 404 for a URI that
 * names no resource, 405, 429, 5xx) and adds the inner code as `error` where one applies:
 * `{"error": 40005, "message": "The given data is wrong!"}`. XML: the same under `<response>`.
 */
export function errorBody(
  _status: number,
  innerCode: InnerErrorCode | undefined,
  message: string,
): ApiErrorBody {
  return innerCode === undefined ? { message } : { [ERROR_BODY_INNER_CODE_KEY]: innerCode, message };
}

/** [A2] A `POST /batch` call counts as this many requests against the rate limit, whatever it carries. */

/**
 * [A36] The rate limit's window: at most 3 accepted requests within any one second (a sliding
 * window; the documentation gives "3 requests per second" and "180/minute"), per API client and
 * shop; a request answered 429 does not use up the window. `limits/rate-limiter.ts`.
 */

/**
 * [A38] Paging: a `limit` outside 1..200, or a `page`, `limit` or `full` that is not a number, is
 * answered 400/40005 "The given data is wrong!" (the documentation says only "Maximum 200").
 * `resources/paging.ts`.
 */

/**
 * [A39] An abandoned cart has no order status history: `GET /orderHistories?orderId=` lists nothing
 * for it until it is completed (its `orderStatus` is null, which is documented: "If there is no
 * status, the order is not completed"). `simulator/order-history.ts`.
 */

/**
 * [A42] An abandoned cart that is completed later (gets its first status) is announced as a new
 * order: `order_confirm`, not `order_status_change` (the documentation is silent). Every later status
 * is an `order_status_change`. Recovery derives the same from the cart's history, whose first entry is
 * that status (contracts' `recoverOrderEvents`). `simulator/shop-simulator.ts` (`changeStatus`).
 */

/**
 * [A37] A batch's inner `uri` may be the absolute resource URL (as every documented example) or a
 * path `/api/…` below the shop's API base; a URI that names no resource of this shop's API answers
 * the inner 404 "Resource matching URI … not found". `resources/batch.ts`.
 */
export const BATCH_RATE_LIMIT_COST: (innerRequests: number) => number = () => 1;

/** [A3] Body limit for every API call but batch (not documented; 40013 past it). */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * [A4] A missing scope is answered 401/40101 "You have no permission for this operation!", the
 * documentation's only permission text (its 403 "Forbidden" has no inner code and no case);
 * contracts' `MISSING_SCOPE_ANSWER`. [A21] An invalid, expired, forged or other shop's token is
 * answered 401/40101 too (the documentation does not say what such a token gets).
 */
export const MISSING_SCOPE_STATUS: 401 | 403 = MISSING_SCOPE_ANSWER.status;

/**
 * [A5] `?emptyBody=1`: the documentation shows the JSON answer `[]`; the XML answer is assumed
 * to be the empty `<response/>` document.
 */
export const EMPTY_BODY_ANSWER: readonly never[] = [];

/**
 * [A6] An item keeps answering to its API id after it got an outer id (the outer-id page only
 * says its `id` and `href` change), and GET/DELETE of an id that names no item answer
 * 404/40401 (DELETE is documented "204 or 404"); PUT of an unknown outer id answers the
 * documented 40007 "The given OuterId is not exist: {id}!". PUT of a webHooks API id that names
 * no item answers 404/40401 too. What ShopRenter answers there is shown nowhere: the webHooks page
 * (`fixtures/api/webhook/data.json`) says PUT "is for modification" and POST "is used to create",
 * where e.g. the orders page says both are "used for both creation and modification"; the generic
 * outer-id page says a PUT with an API id may create ("unlike creation with an API_ID"). The
 * sandbox follows the webHooks page (no creation on PUT) and answers the documented code for a
 * missing resource, 40401.
 */
export const API_ID_WORKS_AFTER_OUTER_ID = true;

/**
 * [A7] The `{parameter}` of 40005 "The {parameter} parameter is an already exist OuterID." is
 * the parameter's name, `id`.
 */
export const OUTER_ID_PARAMETER_NAME = 'id';

/**
 * [A8] A batch may carry any number of inner requests: 200 is the documentation's
 * recommendation, not a documented error; the 32 MB body limit (documented) is the hard limit.
 */
export const BATCH_MAX_REQUESTS: number | undefined = undefined;

/**
 * [A9] Token signatures: the documented example token is RS256 (`{"typ":"JWT","alg":"RS256"}`).
 * ShopRenter documents no key set; the sandbox publishes its public key as a JWKS at this path
 * so that clients can check a token the way they would any RS256 JWT.
 */
export const JWKS_PATH = '/.well-known/jwks.json';

/**
 * [A10] `webHookDelay` is a list, but the documentation only ever shows one entry. The sandbox waits
 * for the sum of all entries (usually exactly one) before the single delivery: contracts'
 * `delayHours`, which recovery uses too.
 * [A24] The longest `webHookDelay` a webHook may have (36,500 days in all, each entry 1 or more) is
 * the contracts' rule, carried by their `WebhookInputSchema`, which the sandbox validates bodies
 * with: a longer one (or a `0`) is answered 40005 "The given data is wrong!".
 */
export { delayHours, MAX_WEBHOOK_DELAY_HOURS } from '@srhooks/contracts';

/**
 * [A22] Request bodies may also be urlencoded forms, and form fields use PHP bracket notation
 * (`webHookParameters[0][fields][]`, see `http/form-body.ts`); `multipart/form-data` itself is
 * documented. [A23] The order of checks on an API request: unknown
 * shop (404) → latency → authentication (401) → rate limit (429) → forced faults → body errors
 * → the resource (scope 401, validation 400, …); see `routes/api-routes.ts`.
 */

/**
 * [A11] ShopRenter shops live in Hungary; dates in deliveries are shop-local `YYYY-MM-DD HH:mm:ss`.
 * The zone itself is contracts' (recovery reads the order search's dates with the same one).
 */
export { SHOP_TIME_ZONE } from '@srhooks/contracts';

/**
 * [A12] Order status texts used when a status change does not bring its own text. ShopRenter shops
 * configure their own statuses; these match the statuses contracts' samples use.
 */
export const DEFAULT_ORDER_STATUS_TEXTS: Record<string, string> = {
  '1': 'Függőben',
  '2': 'Feldolgozás alatt',
  '3': 'Kiszállítás alatt',
  '4': 'Teljesítve',
  '5': 'Visszavonva',
};

/** [A13] Status of an order whose cart was abandoned (not documented; the shop's "missing order" state). */
export const ABANDONED_CART_STATUS = { status: '0', statusText: 'Elhagyott kosár' } as const;

/**
 * [A14] How long curl (which ShopRenter's delivery behaves like) waits for `100 Continue` before sending.
 * The multipart boundary is curl's style too (contracts' `randomBoundary`: 24 dashes and 16 hex digits):
 * the one captured delivery's boundary is not in the project's material.
 */
export const EXPECT_CONTINUE_TIMEOUT_MS = 1000;

/** [A15] Deliveries that get no answer within this time are recorded as failed (ShopRenter's own timeout is not documented). */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000;

/** Sandbox setting, not a statement about ShopRenter: delivery records kept per shop (oldest dropped first), so long benchmarks do not grow memory forever. */
export const MAX_DELIVERY_RECORDS_PER_SHOP = 2000;

/**
 * [A25] Selectable fields outside the default set (`simulator/order-extras.ts`): where the
 * documentation names a field but shows no value, the sandbox sends these. Codes are strings
 * (`shippingMethodCode` by shipping mode id, `paymentMethodCode` by payment method name), country
 * ids are the shop's country ids (Hungary 97, which `GET /orders/{id}` links too), amounts without
 * a sample are `"0"` (`shippingAdditionalCostNet` a number like `shippingNetPrice`), `newsletterChecked`
 * and `durableMediaDevice` are `"0"`/`"1"`, `customerId` is `"0"` (a guest, as `GET /orders/{id}`
 * says `customer: null`), `reloadLink` is set for an abandoned cart only, the card block is filled
 * for a card payment only, `expectedDeliveryDate` is `deliveryDays` after the order, each product
 * carries one option that does not change its price and the `productExtra` list below, and
 * `orderProductAddons` is `{orderProductAddon: []}` (the sample shop sells no addons).
 */
export const SELECTABLE_FIELD_SHAPES = {
  deliveryDays: 3,
  shippingMethodCodes: { '1': 'PERSONAL', '3': 'GLS', '5': 'MPL', '7': 'FOXPOST' } as Record<string, string>,
  paymentMethodCodes: {
    Utánvét: 'COD',
    'Bankkártyás fizetés (SimplePay)': 'SIMPLEPAY',
    'Banki átutalás': 'BANK_TRANSFER',
  } as Record<string, string>,
  countries: { Magyarország: { id: '97', iso2: 'HU', iso3: 'HUN' } } as Record<
    string,
    { id: string; iso2: string; iso3: string }
  >,
  cardApprovedText: 'Sikeres tranzakció',
  productOption: { name: 'Kivitel', valueName: 'Alap', price: '0.0000', prefix: '+' },
  productExtra: [{ name: 'Ajándékcsomagolás', value: 'nem' }],
  reloadLink: (storeName: string, cartToken: string) =>
    `https://${storeName}.shoprenter.hu/index.php?route=checkout/cart/reload&token=${cartToken}`,
} as const;

/**
 * [A26] `/{shop}/admin/oauth/access_credential` answers 403 (documented: the call is gone); its
 * body is not shown, so the sandbox answers the message-only error form of A1 with the HTTP
 * reason, `{"message": "Forbidden"}` (XML unless the request asks for JSON).
 */
export const ACCESS_CREDENTIAL_GONE_BODY: ApiErrorBody = errorBody(403, undefined, STATUS_TEXTS[403]);

/**
 * [A27] The `{parameter}` of 40009 "The given datetime parameter: {parameter} is invalid! …" and
 * 40017 "The given date parameter: {parameter} is invalid! …" is the parameter's name
 * (`createdAtMin`), as in A7; the documentation shows no filled-in example. `subscribedAt` (a day
 * or a time) answers 40009 for a value with a time part and 40017 otherwise.
 */
export const DATE_ERROR_PARAMETER: (name: string, value: string) => string = (name) => name;

/**
 * [A28] An inner batch answer without a body (DELETE, 204) carries an empty `body`: the
 * documentation's XML example shows `<body/>` for DELETE (documented); its JSON form is not shown,
 * and the sandbox answers the PHP empty array `[]`, as `?emptyBody=1` is documented to answer.
 * The inner `statusCode` is the resource's own 204 (documented, D26: webHooks DELETE "204 or 404",
 * and the batch page: "If request processing was correct, the value is 200, 201 or 204"); the
 * batch page's example shows 200 for a category DELETE, but the page calls its examples "only
 * illustrations" and the categories page documents that DELETE as 204.
 */
export const BATCH_EMPTY_BODY: readonly never[] = [];

/**
 * [A29] An app's uninstall revokes the tokens of that install (each install has its own id in its
 * tokens, so a token from before stays refused after a re-install) and deletes the webHooks the
 * app's client created on that shop; ShopRenter documents neither (only that recurring charges
 * are cancelled, FACTS.md §8). See `apps/app-flow.ts` `uninstallApp`.
 */
export const UNINSTALL_REMOVES_APP_SUBSCRIPTIONS = true;

/**
 * [A30] A platform app's ClientId gets a token only on shops where the app is installed; elsewhere
 * the token endpoint answers 401 `invalid_client`, as for any unknown client (not documented).
 * See `state/sandbox-state.ts` `clientsFor` and `auth/token-route.ts`.
 */

/**
 * [A32] An outer id that decodes like an API id (base64 of `<resource>-<table>_id=<n>`) is
 * refused with 40005 "The given data is wrong!", beyond A18's character set: it would be
 * ambiguous with the item ids the API hands out (the documentation does not say).
 */
export const REFUSE_OUTER_IDS_LIKE_API_IDS = true;

/**
 * [A33] Payment API notifications (FACTS.md §8): the documentation shows the signed body and the
 * `?hmac=` query, not the headers; the sandbox sends `Content-Type: application/json` and
 * `User-Agent: ShopRenter` (as deliveries, S2), and writes the body as PHP's `json_encode` does (the
 * documented example is a one-line payload signed with PHP's `hash_hmac`). Its `stale` fault dates `time` an hour back (the
 * documentation says only "close to the arrival time"), and a notification without a given body
 * is `{id, status: "active", time}`: "active", the status after a successful payment, is one of
 * the statuses the Payment API documents (`paymentapi/docs/k_statuses.md`: pending, accepted,
 * active, declined, expired, frozen, failed, cancelled); which one a notification of no given body
 * carries is the sandbox's choice.
 */
export const PAYMENT_NOTIFICATION = {
  headers: { 'content-type': 'application/json', 'user-agent': 'ShopRenter' },
  staleAgeSeconds: 3600,
  defaultStatus: 'active',
  /**
   * The body as PHP's `json_encode` writes it (`\/`, non-ASCII as `\u00e1`, compact), as deliveries
   * are (S3): the documentation signs the one-line payload with PHP's `hash_hmac`, so the sender is
   * PHP, and an app that verified a re-serialised body instead of the bytes it got would fail on the
   * first accented `reason`.
   */
  encode: (body: Record<string, unknown>): string => encodePhpJson(body),
} as const;

/**
 * [A34] A token request whose `grant_type` is not `client_credentials` is answered 400
 * `unsupported_grant_type` in the documented error body's shape (`error`, `error_description`,
 * `hint`, `message`, as the documented 400 `invalid_request`); the documentation lists no such case.
 */
export const UNSUPPORTED_GRANT_TYPE_BODY = {
  error: 'unsupported_grant_type',
  error_description: 'The authorization grant type is not supported by the authorization server.',
  hint: 'Check that all required parameters have been provided',
  message: 'The authorization grant type is not supported by the authorization server.',
} as const;

/**
 * [A35] A webHook's `url` must be an http:// or https:// URL: another scheme (`ftp://…`,
 * `javascript:…`) is refused with 400/40005 "The given data is wrong!", as a relative URL is. The
 * documentation says nothing about schemes; a URL the shop cannot POST to could only fail at
 * delivery.
 */
export const WEBHOOK_URL_PROTOCOLS: readonly string[] = ['http:', 'https:'];

/**
 * [A40] Each API takes one Authorization scheme. API2 (`https://{shop}.api2.myshoprenter.hu/api`)
 * takes the OAuth access token "using the Bearer scheme" (documented, D1); the legacy API
 * (`https://{shop}.api.myshoprenter.hu`) takes HTTP Basic auth (D19). What API2 answers to a Basic
 * header (and the legacy API to a Bearer token) is not documented: the sandbox refuses it as it
 * refuses a bad token, 401/40101 "You have no permission for this operation!" with
 * `WWW-Authenticate` naming the scheme the API takes.
 */
export const API_AUTH_SCHEME = { api2: 'bearer', legacy: 'basic' } as const;

/**
 * [A45] The order search's `updatedAtMin` / `updatedAtMax` (and `createdAtMin` / `createdAtMax`)
 * include their bounds and compare to the second in the shop's wall-clock time (A11); one answer is one
 * reading of the list (`resources/orders/order-search.ts`). Nothing is assumed about the order
 * `GET /orders` lists orders in: the sandbox lists by inner id unless its order-list setting says
 * otherwise (`resources/orders/order-list-settings.ts`), and recovery must not depend on it.
 */
export const ORDER_SEARCH_TIME_BOUNDS = { inclusive: true, precision: 'second' } as const;

/**
 * [A46] Every API answer carries a `Date` header from the clock that stamps the shop's orders
 * (`dateCreated`, `dateUpdated`, history `dateAdded`) and subscribers: RFC 9110 requires one of a server
 * with a clock; ShopRenter documents neither the header nor its clock. With `clockOffsetSeconds` the
 * sandbox's shops keep a clock that is off by that much (`SandboxState.now`, `routes/api-routes.ts`);
 * recovery reads by it (the receiver's `recovery/shop-clock.ts`). The token endpoint, another server at
 * ShopRenter, keeps this machine's time.
 */
export function shopDateHeader(shopNow: Date): string {
  return shopNow.toUTCString();
}

/**
 * [A47] The shop's calls to an app (install, EntryPoint, uninstall; Payment API notifications) wait at
 * most this long for the app's answer (the documentation gives no limit): a browser waits long for a
 * page, and an app install that registers its webhooks took over 10 s on a slow, loaded CI machine.
 * They are made with Node's fetch, which adds its own headers (`accept-language: *`, `sec-fetch-mode:
 * cors`, `user-agent: node` where no User-Agent is given): the documentation shows none of a real call's.
 */
export const APP_CALL_TIMEOUT_MS = 30_000;

/**
 * [A50] Every call the shop makes to an app (install, EntryPoint, uninstall) carries a `code` of its own,
 * so a `code` seen twice is a replay (the receiver's app mode and the client's replay guard refuse it).
 * The documentation says only "generated hash" (its example: `0907a61c0c8d55e99db179b68161bc00`, 32 hex
 * digits); the sandbox makes a fresh one of that form for each call.
 */
export function newAppCallCode(): string {
  return randomBytes(16).toString('hex');
}

/*
 * [A48] Where the documentation is silent on the API's answer, the sandbox chooses (kept here as a list of
 * where each choice lives): a method a resource does not take is 405 with `Allow` and a message-only body
 * (`errors.ts` `methodNotAllowed`); a query parameter a collection GET does not take (not `page`, `limit`,
 * `full` nor one of the collection's documented search parameters) is refused with the documented 40010
 * "The given parameter: {parameter} is not available!", whose occasion the documentation does not give,
 * rather than ignored: a misspelt filter (`updatedAtMn`) would otherwise answer the whole collection as
 * if it had filtered (`resources/api-dispatch.ts` `checkCollectionQuery`; item routes and POST/PUT
 * ignore unknown query parameters, `emptyBody` being the one POST/PUT takes); a body that is not JSON (malformed, no Content-Type, `text/plain`, XML) is
 * 40001 "Data parameter not found in POST/PUT!" (`http/request-body.ts`); the batch call itself needs no
 * scope, only its inner requests (the documented scope list has no batch entry; A4, `resources/batch.ts`);
 * an API order's `customer` and `shippingZone` links are `null` (the sandbox keeps no customer accounts
 * or zones: its orders are guests', `resources/orders/order-presenter.ts`); the `orderHistories`
 * collection's documented `pageCount` is the number of pages, 0 for an empty one (`resources/paging.ts`);
 * a webHooks body's properties it does not know are ignored (`resources/webhooks/webhook-input.ts`).
 */

import type { ApiErrorBody, InnerErrorCode } from '@srhooks/contracts';

/**
 * Points where ShopRenter's documentation is silent and the sandbox had to choose.
 * They are kept here, in one place, so that changing one is a one-line edit.
 * The README lists the same points for users.
 */

/**
 * Error bodies are not documented (FACTS.md §2). JSON errors look like `{"error": <code>, "message"}`,
 * XML errors like `<response><error>…</error><message>…</message></response>`. When the
 * documentation gives no inner code for a status (403, 405, 429, 500, 503) the HTTP status is used.
 */
export function errorBody(
  status: number,
  innerCode: InnerErrorCode | undefined,
  message: string,
): ApiErrorBody {
  return { error: innerCode ?? status, message };
}

/** A `POST /batch` call counts as this many requests against the rate limit, whatever it carries. */
export const BATCH_RATE_LIMIT_COST: (innerRequests: number) => number = () => 1;

/** The documentation gives a 32 MB body limit for batch calls. */
export const MAX_BATCH_BODY_BYTES = 32 * 1024 * 1024;

/** Body limit for every other API call (not documented; 40013 past it). */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * `webHookDelay` is a list, but the documentation only ever shows one entry. The sandbox waits
 * for the sum of all entries (usually exactly one) before the single delivery.
 */
export function delayHours(delays: readonly { delay: number; delayUnit: 'day' | 'hour' }[]): number {
  return delays.reduce((sum, d) => sum + d.delay * (d.delayUnit === 'day' ? 24 : 1), 0);
}

/** ShopRenter shops live in Hungary; dates in deliveries are shop-local `YYYY-MM-DD HH:mm:ss`. */
export const SHOP_TIME_ZONE = 'Europe/Budapest';

/**
 * Order status texts used when a status change does not bring its own text. ShopRenter shops
 * configure their own statuses; these match the statuses contracts' samples use.
 */
export const DEFAULT_ORDER_STATUS_TEXTS: Record<string, string> = {
  '1': 'Függőben',
  '2': 'Feldolgozás alatt',
  '3': 'Kiszállítás alatt',
  '4': 'Teljesítve',
  '5': 'Visszavonva',
};

/** Status of an order whose cart was abandoned (not documented; the shop's "missing order" state). */
export const ABANDONED_CART_STATUS = { status: '0', statusText: 'Elhagyott kosár' } as const;

/** How long curl (which ShopRenter's delivery behaves like) waits for `100 Continue` before sending. */
export const EXPECT_CONTINUE_TIMEOUT_MS = 1000;

/** Deliveries that get no answer within this time are recorded as failed. */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000;

/** Delivery records kept per shop (oldest dropped first), so long benchmarks do not grow memory forever. */
export const MAX_DELIVERY_RECORDS_PER_SHOP = 2000;

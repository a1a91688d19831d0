import { createHmac } from 'node:crypto';

/**
 * The two signatures a ShopRenter platform app checks (FACTS.md §7, §8). One home for how they
 * are computed, so the sandbox that signs and the client that verifies cannot drift apart.
 *
 * - App requests (install = RedirectUri, EntryPoint, UninstallUri): `hmac` is
 *   hex(HMAC-SHA256(ClientSecret, "shopname={shopname}&code={code}&timestamp={timestamp}")) — the
 *   order both of ShopRenter's demo apps use (documented by working code). The documentation's
 *   prose shows the pairs alphabetically ("code=…&shopname=…&timestamp=…"): `appRequestMessage`
 *   builds either.
 * - Payment API notifications: `?hmac=` hex(HMAC-SHA256(WebhookSecretKey, raw POST body)).
 */

export interface AppRequestParams {
  shopname: string;
  code: string;
  timestamp: string;
}

/** `demo`: the demo apps' order (what ShopRenter sends); `alphabetical`: the documentation's prose. */
export type AppMessageOrder = 'demo' | 'alphabetical';

/**
 * The name of the shop parameter. `shopname` everywhere in the app documentation (install,
 * EntryPoint, UninstallUri, both demo apps); the Payment API's page on deleting an app
 * (`paymentapi/docs/m_uninstall.md`) writes the uninstall call's as `shopName`.
 */
export type AppShopParameter = 'shopname' | 'shopName';

export function appRequestMessage(
  params: AppRequestParams,
  order: AppMessageOrder = 'demo',
  shopParameter: AppShopParameter = 'shopname',
): string {
  const { shopname, code, timestamp } = params;
  return order === 'demo'
    ? `${shopParameter}=${shopname}&code=${code}&timestamp=${timestamp}`
    : `code=${code}&${shopParameter}=${shopname}&timestamp=${timestamp}`;
}

/** Lowercase hex HMAC-SHA256 of an app request's signed parameters, as ShopRenter sends it. */
export function signAppRequest(
  params: AppRequestParams,
  clientSecret: string,
  order: AppMessageOrder = 'demo',
  shopParameter: AppShopParameter = 'shopname',
): string {
  return createHmac('sha256', clientSecret)
    .update(appRequestMessage(params, order, shopParameter))
    .digest('hex');
}

/** Lowercase hex HMAC-SHA256 of a Payment API notification's raw body (PHP's `hash_hmac`). */
export function signPaymentNotification(rawBody: string | Uint8Array, webhookSecretKey: string): string {
  return createHmac('sha256', webhookSecretKey).update(rawBody).digest('hex');
}

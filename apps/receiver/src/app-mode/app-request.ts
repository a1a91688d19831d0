/**
 * The check every app request gets (install, entry point, uninstall; FACTS.md §7): the client's
 * `verifyAppRequest` (hmac in constant time, both message orders, timestamp tolerance), then the
 * `code` is recorded in the store so the same request cannot be used twice, on any route or instance.
 * The two steps are apart too (`verifyAppQuery`, `useAppRequestCode`): an uninstall call verified while
 * the store is unavailable is spooled, and its code recorded when it is applied (spooled-uninstall.ts).
 */
import {
  type AppRequestError,
  AppRequestError as AppRequestErrorClass,
  type VerifiedAppRequest,
  verifyAppRequest,
} from '@srhooks/client';
import type { AppShopStore } from '../store/app-shops/app-shop-store.js';
import type { AppConfig } from './app-config.js';

type Query = Record<string, string | string[] | undefined>;

export async function checkAppRequest(
  query: Query,
  app: AppConfig,
  appShops: AppShopStore,
  now: () => number = Date.now,
): Promise<VerifiedAppRequest | { ok: false; error: AppRequestError }> {
  const result = verifyAppQuery(query, app, now);
  if (!result.ok) return result;
  return useAppRequestCode(result, app, appShops, now);
}

/** The hmac and timestamp check alone (no store). */
export function verifyAppQuery(
  query: Query,
  app: AppConfig,
  now: () => number = Date.now,
): VerifiedAppRequest | { ok: false; error: AppRequestError } {
  return verifyAppRequest(query, app.clientSecret, {
    now,
    toleranceSeconds: app.timestampToleranceSeconds,
  });
}

/**
 * The stored key of a request's code. One use per shop and code, whatever the route: install, entry point
 * and uninstall share the signature, so an entry-point link (the admin iframe's src, seen by staff,
 * history, proxies) must not pass as an uninstall, nor an uninstall call as an install. (Assumed:
 * ShopRenter gives each call a code of its own; FACTS.md §7 does not say.)
 */
export function requestCodeKey(shop: string, code: string): string {
  return `code:${shop}:${code}`;
}

/** A code is good until its timestamp goes stale; remembered a second longer than that. */
export function requestCodeExpiresAt(timestamp: number, app: AppConfig): Date {
  return new Date((timestamp + app.timestampToleranceSeconds + 1) * 1000);
}

/** Records a verified request's code: the request, or `replayed` when the code was used already. */
export async function useAppRequestCode(
  request: VerifiedAppRequest,
  app: AppConfig,
  appShops: AppShopStore,
  now: () => number = Date.now,
): Promise<VerifiedAppRequest | { ok: false; error: AppRequestError }> {
  const first = await appShops.useRequestCode(
    requestCodeKey(request.shop, request.code),
    requestCodeExpiresAt(request.timestamp, app),
    { now: new Date(now()) },
  );
  if (!first) {
    return {
      ok: false,
      error: new AppRequestErrorClass(
        'replayed',
        'this request was already used: open the app again from the shop admin',
      ),
    };
  }
  return request;
}

/**
 * The check every app request gets (install, entry point, uninstall; FACTS.md §7): the client's
 * `verifyAppRequest` (hmac in constant time, both message orders, timestamp tolerance), then the
 * `code` is recorded in the store so the same request cannot be used twice, on any route or instance.
 */
import {
  type AppRequestError,
  AppRequestError as AppRequestErrorClass,
  type VerifiedAppRequest,
  verifyAppRequest,
} from '@srhooks/client';
import type { AppShopStore } from '../store/app-shops/app-shop-store.js';
import type { AppConfig } from './app-config.js';

export async function checkAppRequest(
  query: Record<string, string | string[] | undefined>,
  app: AppConfig,
  appShops: AppShopStore,
  now: () => number = Date.now,
): Promise<VerifiedAppRequest | { ok: false; error: AppRequestError }> {
  const result = verifyAppRequest(query, app.clientSecret, {
    now,
    toleranceSeconds: app.timestampToleranceSeconds,
  });
  if (!result.ok) return result;
  // A code is good until its timestamp goes stale; remembered a second longer than that.
  const expiresAt = new Date((result.timestamp + app.timestampToleranceSeconds + 1) * 1000);
  // One use per shop and code, whatever the route: install, entry point and uninstall share the
  // signature, so an entry-point link (the admin iframe's src, seen by staff, history, proxies) must not
  // pass as an uninstall, nor an uninstall call as an install. (Assumed: ShopRenter gives each call a
  // code of its own; FACTS.md §7 does not say.)
  const first = await appShops.useRequestCode(`code:${result.shop}:${result.code}`, expiresAt, {
    now: new Date(now()),
  });
  if (!first) {
    return {
      ok: false,
      error: new AppRequestErrorClass(
        'replayed',
        'this request was already used: open the app again from the shop admin',
      ),
    };
  }
  return result;
}

/**
 * The check every app request gets (install, entry point, uninstall; FACTS.md §7): the client's
 * `verifyAppRequest` (hmac in constant time, both message orders, timestamp tolerance), then the
 * `code` is recorded in the store so the same request cannot be used twice, on any instance.
 */
import {
  type AppRequestError,
  AppRequestError as AppRequestErrorClass,
  type VerifiedAppRequest,
  verifyAppRequest,
} from '@srhooks/client';
import type { AppShopStore } from '../store/app-shops/app-shop-store.js';
import type { AppConfig } from './app-config.js';

export type AppRequestKind = 'install' | 'entry' | 'uninstall';

export async function checkAppRequest(
  kind: AppRequestKind,
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
  const first = await appShops.useRequestCode(`${kind}:${result.shop}:${result.code}`, expiresAt, {
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

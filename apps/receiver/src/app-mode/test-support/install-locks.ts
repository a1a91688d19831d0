import type { AppShopStore } from '../../store/app-shops/app-shop-store.js';

/** What `countLockHolders` has seen: the shops holding an install lock now, the most at once, the calls by shop. */
export interface LockHolders {
  holding: Set<string>;
  most: number;
  calls: Map<string, number>;
}

/**
 * Counts the holders of install locks of `appShops` (from the call until it settles), as
 * app-install-burst.test.ts: wraps its `withInstallLock`.
 */
export function countLockHolders(appShops: AppShopStore | null | undefined): LockHolders {
  if (!appShops) throw new Error('app mode is on in this fixture');
  const seen: LockHolders = { holding: new Set<string>(), most: 0, calls: new Map<string, number>() };
  let holding = 0;
  const withInstallLock = appShops.withInstallLock.bind(appShops);
  appShops.withInstallLock = (shop, work, options) => {
    holding += 1;
    seen.most = Math.max(seen.most, holding);
    seen.holding.add(shop);
    seen.calls.set(shop, (seen.calls.get(shop) ?? 0) + 1);
    return withInstallLock(shop, work, options).finally(() => {
      holding -= 1;
      seen.holding.delete(shop);
    });
  };
  return seen;
}

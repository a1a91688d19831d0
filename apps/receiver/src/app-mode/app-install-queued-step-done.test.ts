/**
 * An install call's step that waits its turn behind the receiver's bound on install steps (other shops' steps
 * hold every turn: their API is slow) while the background retry runs that shop's step first — on another
 * receiver sharing the PostgreSQL store (its own schema per run), which takes a recorded install over once
 * its next attempt is due. When the call's turn comes it holds the shop's lock, reads that the step is no
 * longer due (done meanwhile) and does nothing. Before, it ran the whole step again: a token and every
 * subscription read and written once more at the shop's 3 requests/s. Against the sandbox over real HTTP.
 */
import { describe, expect, it } from 'vitest';
import { MAX_CONCURRENT_INSTALL_STEPS } from './install-call-step.js';
import { APP_ID, eventually } from './test-support/app-mode-fixture.js';
import { useSharedStorePair } from './test-support/shared-store-pair.js';

const SLOW = Array.from({ length: MAX_CONCURRENT_INSTALL_STEPS }, (_, i) => `slow${i}`);

describe("an install call's step queued behind the bound, done by the background retry meanwhile", () => {
  const pair = useSharedStorePair('app_install_queued', [...SLOW, 'late'], {
    feedOnB: true,
    // the install calls redirect at once; a recorded install is the retry's after 2 s
    app: { retryIntervalSeconds: 2, installWaitSeconds: 0.5 },
  });

  it('does not repeat the shop API calls when its turn comes', async () => {
    const { a, b } = pair.receivers;
    const appShopsOfA = a.app.appShops;
    const appShopsOfB = b.app.appShops;
    if (!appShopsOfA || !appShopsOfB) throw new Error('app mode is on in this fixture');
    // A's lock holders, by shop (from the call until it settles), and the locks A took, by shop
    const holding = new Set<string>();
    const taken = new Map<string, number>();
    const withInstallLock = appShopsOfA.withInstallLock.bind(appShopsOfA);
    appShopsOfA.withInstallLock = (shop, work, options) => {
      holding.add(shop);
      taken.set(shop, (taken.get(shop) ?? 0) + 1);
      return withInstallLock(shop, work, options).finally(() => holding.delete(shop));
    };

    // Every turn on A taken by a shop whose API answers 20 s late. The slow shops uninstall at once (their
    // steps go on, holding the turns), before B's retry could take their recorded installs over.
    for (const shop of SLOW) pair.sandbox.setFaults(shop, { latencyMs: 20_000 });
    await Promise.all(
      SLOW.map(async (shop) => {
        expect((await pair.sandbox.apps.install(APP_ID, shop)).install.status).toBe(302);
        expect((await pair.sandbox.apps.uninstall(APP_ID, shop)).uninstall.status).toBe(200);
      }),
    );
    expect(SLOW.every((shop) => holding.has(shop))).toBe(true);
    // The install call reaches A, whose step waits its turn: the only due step in the store is the late shop's.
    expect((await pair.sandbox.apps.install(APP_ID, 'late')).install.status).toBe(302);
    expect(taken.has('late')).toBe(false);

    // B's background retry takes the recorded install over and installs the shop.
    const installed = await eventually(async () => {
      const record = await appShopsOfB.get('late');
      return record?.status === 'installed' ? record : undefined;
    }, 30_000);
    expect(installed.subscriptions).toHaveLength(1);
    const apiCalls = pair.sandbox.requestCount('late').total;
    expect(SLOW.every((shop) => holding.has(shop))).toBe(true);

    // A's slow steps end; the late shop's step gets its turn there, takes the lock and ends.
    await eventually(
      async () =>
        SLOW.every((shop) => !holding.has(shop)) && taken.has('late') && !holding.has('late')
          ? true
          : undefined,
      60_000,
    );
    expect(pair.sandbox.requestCount('late').total).toBe(apiCalls);
    expect(pair.sandbox.sandbox.findShop('late')?.data.webhooks ?? []).toHaveLength(1);
    expect((await appShopsOfA.get('late'))?.status).toBe('installed');
  }, 90_000);
});

/**
 * Many shops installing the app at once (a launch, a promotion), against a slow shop API so their steps
 * overlap. Each install step holds its shop's install lock — with PostgreSQL a connection of its own, outside
 * the receiver's pool — so the steps of install calls run a few at a time per receiver
 * (MAX_CONCURRENT_INSTALL_STEPS), the others waiting their turn, recorded pending (`installing`) meanwhile.
 * Before, every install call started its step at once: 40 at once opened 40 lock connections, past a server's
 * `max_connections` (30 in the check behind this test: 14 steps failed "too many clients" and 9 owners' entry
 * pages answered 503, the receiver's own pool refused too). Every shop still ends installed and subscribed,
 * and the owners are redirected after `installWaitSeconds` as before.
 */
import { describe, expect, it } from 'vitest';
import { MAX_CONCURRENT_INSTALL_STEPS } from './install-call-step.js';
import { APP_ID, appModeFixtureForAll } from './test-support/app-mode-fixture.js';
import { shopRowWhen } from './test-support/shop-rows.js';

const SHOPS = Array.from({ length: 12 }, (_, i) => `burst${i}`);

describe('app mode: many shops installing at once', () => {
  const f = appModeFixtureForAll({ shops: SHOPS, app: { installWaitSeconds: 0.5 } });

  it('runs the install steps a few at a time; every shop ends installed with its subscriptions', async () => {
    const appShops = f.receiver.appShops;
    if (!appShops) throw new Error('app mode is on in this fixture');
    let holding = 0;
    let most = 0;
    let finished = 0;
    const withInstallLock = appShops.withInstallLock.bind(appShops);
    appShops.withInstallLock = (shop, work, options) => {
      holding += 1;
      most = Math.max(most, holding);
      return withInstallLock(shop, work, options).finally(() => {
        holding -= 1;
        finished += 1;
      });
    };
    // Each API call of a step takes 1.5 s: a step takes about 3 s, the last of three turns ends about 9 s
    // after the calls, while an owner waits installWaitSeconds (0.5 s) and about 1.5 s in all on a quiet
    // machine.
    for (const shop of SHOPS) f.sandbox.setFaults(shop, { latencyMs: 1500 });

    const startedAt = Date.now();
    const reports = await Promise.all(SHOPS.map((shop) => f.sandbox.apps.install(APP_ID, shop)));
    expect(reports.map((report) => report.install.status)).toEqual(SHOPS.map(() => 302));
    // The owners wait installWaitSeconds at most, not for their steps nor the steps queued ahead of theirs:
    // when the last owner is answered, steps are still to finish (a count, not a time: a loaded machine
    // slows the answers, and a time bound close to the queue's length failed at load 18). A generous time
    // bound besides, for an owner kept waiting in some other way.
    expect(finished).toBeLessThan(SHOPS.length);
    expect(Date.now() - startedAt).toBeLessThan(30_000);

    for (const shop of SHOPS) {
      const row = await shopRowWhen(f.baseUrl, shop, (r) => r.status === 'installed', 60_000);
      expect(row.subscriptions).toHaveLength(2);
      expect(f.sandbox.sandbox.findShop(shop)?.data.webhooks ?? []).toHaveLength(2);
    }
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(MAX_CONCURRENT_INSTALL_STEPS);
  }, 120_000);
});

/**
 * The start-up re-registration (start-up-resubscribe.ts: installed shops whose subscriptions are not signed
 * with the newest URL secret, under another `publicUrl` or for other app subscriptions) runs its steps in
 * turns of the receiver's bound on install steps (MAX_CONCURRENT_INSTALL_STEPS, install-step-turns.ts),
 * shared with the background retry and the install calls: each step holds its shop's install lock, with
 * PostgreSQL a connection of its own. Before, it ran its step besides the bound: with four due retries at
 * start-up, five locks were held at once. And its summary line counts a step that ended unrecorded because
 * an install call for the shop came meanwhile (`superseded`: that call's step registers the shop) as handled,
 * not as a shop "retried in the background".
 * Against the sandbox over real HTTP; the receiver restarted on the same SQLite file with the secret rotated.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildReceiver } from '../app.js';
import { SqliteAppShopStore } from '../store/app-shops/sqlite-app-shop-store.js';
import { MAX_CONCURRENT_INSTALL_STEPS } from './install-step-turns.js';
import {
  APP_ID,
  type AppModeFixture,
  eventually,
  startAppModeFixture,
  withRotatedSecret,
} from './test-support/app-mode-fixture.js';
import { countLockHolders } from './test-support/install-locks.js';
import { shopRowWhen } from './test-support/shop-rows.js';

describe('app mode: the start-up re-registration', () => {
  let f: AppModeFixture | undefined;
  let restarted: FastifyInstance | undefined;
  let lines: string[] = [];
  afterEach(async () => {
    await restarted?.close();
    restarted = undefined;
    await f?.close();
    f = undefined;
  });

  /**
   * Stops the fixture's receiver and starts one on the same SQLite file with the secret rotated (`new,old`:
   * every installed shop is re-registered), counting its install lock holders from the start.
   */
  async function restartRotated(fixture: AppModeFixture) {
    await fixture.receiver.close();
    lines = [];
    restarted = await buildReceiver(withRotatedSecret(fixture.config), {
      defaultMetrics: false,
      processing: { logWrite: () => {} },
      logDestination: { write: (line: string) => void lines.push(line) },
    });
    const locks = countLockHolders(restarted.appShops);
    await restarted.listen({ port: fixture.config.port, host: '127.0.0.1' });
    return locks;
  }

  const summary = () =>
    lines
      .map((line) => JSON.parse(line) as { msg: string; shops?: number; reRegistered?: number })
      .filter((line) => line.msg.startsWith('installed shops re-subscribed'));

  it('takes turns with the due retries: at most MAX_CONCURRENT_INSTALL_STEPS locks at once', async () => {
    const DUE = ['d0', 'd1', 'd2', 'd3'];
    const fixture = await startAppModeFixture({ shops: ['rotated', ...DUE] });
    f = fixture;
    expect((await fixture.sandbox.apps.install(APP_ID, 'rotated')).install.status).toBe(302);
    await shopRowWhen(fixture.baseUrl, 'rotated', (row) => row.status === 'installed');
    for (const shop of DUE) {
      fixture.sandbox.setFaults(shop, { tokenEndpointDown: true });
      expect((await fixture.sandbox.apps.install(APP_ID, shop)).install.status).toBe(302);
      await shopRowWhen(fixture.baseUrl, shop, (row) => row.status === 'pending' && row.attempts > 0);
    }
    await fixture.receiver.close();
    // Due at the restart's first retry read (the backoff of the failures above may be longer).
    const appShops = new SqliteAppShopStore(fixture.config.db);
    try {
      for (const shop of DUE)
        await appShops.markStepFailed(shop, { reason: 'token endpoint down', nextAttemptAt: new Date() });
    } finally {
      await appShops.close();
    }
    // Every API answer 2 s late: the re-registration's step (token, list, two creates, two deletes) still
    // runs when the retry reads the due shops (5 s after the start) and starts their steps.
    for (const shop of ['rotated', ...DUE]) fixture.sandbox.setFaults(shop, { latencyMs: 2000 });

    const locks = await restartRotated(fixture);
    await eventually(async () => (locks.holding.has('rotated') ? true : undefined), 10_000);
    for (const shop of DUE)
      await shopRowWhen(fixture.baseUrl, shop, (row) => row.status === 'installed', 60_000);
    await eventually(async () => (summary().length > 0 ? true : undefined), 60_000);
    expect(summary()).toMatchObject([{ shops: 1, reRegistered: 1 }]);
    // before: the re-registration's step besides the retries' four
    expect(locks.most).toBe(MAX_CONCURRENT_INSTALL_STEPS);
  }, 120_000);

  it("counts a step superseded by an install call as handled by that call's step, not retried", async () => {
    const fixture = await startAppModeFixture({ shops: ['alpha'] });
    f = fixture;
    expect((await fixture.sandbox.apps.install(APP_ID, 'alpha')).install.status).toBe(302);
    await shopRowWhen(fixture.baseUrl, 'alpha', (row) => row.status === 'installed');
    // Every API answer 1.5 s late: the re-registration's step runs for seconds.
    fixture.sandbox.setFaults('alpha', { latencyMs: 1500 });
    const locks = await restartRotated(fixture);
    await eventually(async () => (locks.holding.has('alpha') ? true : undefined), 10_000);
    // The app installed on the shop again (its uninstall call lost) while the re-registration's step runs:
    // recorded at once; that call's step waits for the shop's lock.
    const reinstall = fixture.sandbox.apps.install(APP_ID, 'alpha');
    await shopRowWhen(fixture.baseUrl, 'alpha', (row) => row.pendingReason === 'installing', 10_000);
    expect(locks.holding.has('alpha')).toBe(true);
    expect((await reinstall).install.status).toBe(302);

    await eventually(async () => (summary().length > 0 ? true : undefined), 60_000);
    const [line] = summary();
    // before: reRegistered 0 and "but for some (the others are retried in the background)"
    expect(line).toMatchObject({ shops: 1, reRegistered: 0, superseded: 1, uninstalled: 0, retried: 0 });
    expect(line?.msg).not.toContain('retried in the background');
    expect(line?.msg).toContain("re-registered by that install call's step");
    // that call's step registered the shop (nothing left due for the background retry)
    const row = await shopRowWhen(fixture.baseUrl, 'alpha', (r) => r.pendingReason === null, 30_000);
    expect(row).toMatchObject({ status: 'installed', nextAttemptAt: null });
  }, 120_000);
});

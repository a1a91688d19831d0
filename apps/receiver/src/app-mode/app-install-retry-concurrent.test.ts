/**
 * The background retry of due install steps (pending installs, installed shops whose later step failed),
 * against the sandbox over real HTTP. The due shops' steps run at once, within the receiver's bound on
 * install steps that the install calls' steps share (MAX_CONCURRENT_INSTALL_STEPS: each holds its shop's
 * install lock, with PostgreSQL a connection of its own). Before, they ran one after the other: a shop whose
 * API hung held every other due shop back until its step ended (up to the lock's 120 s hold limit), and a
 * receiver closing waited for it with no limit; and the retry's step ran besides the install calls' four, so
 * a burst of both held one lock more than the bound.
 */

import { describe, expect, it } from 'vitest';
import { SqliteAppShopStore } from '../store/app-shops/sqlite-app-shop-store.js';
import { MAX_CONCURRENT_INSTALL_STEPS } from './install-call-step.js';
import {
  APP_ID,
  type AppModeFixture,
  appModeFixtureForAll,
  eventually,
} from './test-support/app-mode-fixture.js';
import { withAppModeFixtureToStop } from './test-support/fixture-to-stop.js';
import { countLockHolders } from './test-support/install-locks.js';
import { shopRow, shopRowWhen } from './test-support/shop-rows.js';

/** Installs the app on `shop` while ShopRenter's token endpoint is down: the step fails and is due again. */
async function installFailing(f: AppModeFixture, shop: string): Promise<void> {
  f.sandbox.setFaults(shop, { tokenEndpointDown: true });
  expect((await f.sandbox.apps.install(APP_ID, shop)).install.status).toBe(302);
  await shopRowWhen(
    f.baseUrl,
    shop,
    (row) => row.status === 'pending' && row.pendingReason !== null && row.pendingReason !== 'installing',
  );
}

const logged = (f: AppModeFixture, msg: string) =>
  f.logLines
    .map((line) => JSON.parse(line) as { level: number; msg: string; shops?: string[] })
    .filter((line) => line.msg.startsWith(msg));

describe('background install retry: a shop whose API hangs', () => {
  const f = appModeFixtureForAll({ shops: ['hang', 'quick'], config: { shutdownTimeoutMs: 3000 } });

  it('does not hold back the other due shop, which is installed long before the hanging step ends', async () => {
    const locks = countLockHolders(f.receiver.appShops);
    await installFailing(f, 'hang');
    // Its API hangs from now on (every answer 40 s late): its next retry runs into it.
    f.sandbox.setFaults('hang', { latencyMs: 40_000 });
    await installFailing(f, 'quick');
    await eventually(async () => (locks.holding.has('hang') ? true : undefined), 20_000);
    const hangSteps = locks.calls.get('hang');

    f.sandbox.setFaults('quick', {});
    const back = Date.now();
    const installed = await shopRowWhen(f.baseUrl, 'quick', (row) => row.status === 'installed', 60_000);
    // a retry tick (5 s) and a backoff of a few seconds at most; before, the hanging step's 40 s and more first
    expect(Date.now() - back).toBeLessThan(15_000);
    expect(installed.subscriptions).toHaveLength(2);
    expect(locks.holding.has('hang')).toBe(true);
    expect((await shopRow(f.baseUrl, 'hang'))?.status).toBe('pending');
    // the ticks since did not start the hanging shop's step again
    expect(locks.calls.get('hang')).toBe(hangSteps);
  }, 90_000);
});

describe('background install retry: many due shops and install calls at once', () => {
  const DUE = Array.from({ length: 8 }, (_, i) => `due${i}`);
  const NEW = Array.from({ length: 4 }, (_, i) => `new${i}`);
  const f = appModeFixtureForAll({ shops: [...DUE, ...NEW], app: { installWaitSeconds: 0.5 } });

  it('runs the retried and the new steps together within the bound; every shop ends installed', async () => {
    const locks = countLockHolders(f.receiver.appShops);
    await Promise.all(DUE.map((shop) => installFailing(f, shop)));
    for (const shop of [...DUE, ...NEW]) f.sandbox.setFaults(shop, { latencyMs: 1000 });
    // the retry's steps have begun: install calls come on top of them
    await eventually(async () => (DUE.some((shop) => locks.holding.has(shop)) ? true : undefined), 20_000);
    const reports = await Promise.all(NEW.map((shop) => f.sandbox.apps.install(APP_ID, shop)));
    expect(reports.map((report) => report.install.status)).toEqual(NEW.map(() => 302));

    for (const shop of [...DUE, ...NEW]) {
      const row = await shopRowWhen(f.baseUrl, shop, (r) => r.status === 'installed', 60_000);
      expect(row.subscriptions).toHaveLength(2);
    }
    expect(locks.most).toBeGreaterThan(1);
    expect(locks.most).toBeLessThanOrEqual(MAX_CONCURRENT_INSTALL_STEPS);
  }, 90_000);
});

describe('background install retry: the receiver stopped while retried steps run and wait', () => {
  it('waits for the running steps (at most its shutdown timeout) and starts none of those waiting', async () => {
    // long enough for the started steps (3 s and more each) to end on a loaded machine (at 8 s, a CI run at
    // load 25 found three of them still running); the stuck one waits 60 s, far past it
    const shutdownTimeoutMs = 20_000;
    const others = ['s0', 's1', 's2', 's3', 's4'];
    const options = { shops: ['stuck', ...others], config: { shutdownTimeoutMs } };
    await withAppModeFixtureToStop(options, async (f) => {
      const locks = countLockHolders(f.receiver.appShops);
      await installFailing(f, 'stuck');
      f.sandbox.setFaults('stuck', { latencyMs: 60_000 });
      await Promise.all(others.map((shop) => installFailing(f, shop)));
      // From now on a shop's lock taken is a retried step that got its turn; each step takes 3 s or more.
      for (const shop of others) {
        locks.calls.delete(shop);
        f.sandbox.setFaults(shop, { latencyMs: 1000 });
      }
      // Every turn taken (the stuck step and three others: the stuck shop was due first), or 60 s gone by. Each
      // retry that ran while the token endpoint was still down doubled a shop's backoff (1 s, 2 s, 4 s, …): on a
      // loaded machine, where the five failing installs take long, the first retry after it came back was
      // more than 25 s away for every shop (none had started when a CI run at load 16 closed the receiver).
      const waitUntil = Date.now() + 60_000;
      await eventually(
        async () =>
          (locks.holding.has('stuck') && locks.holding.size >= MAX_CONCURRENT_INSTALL_STEPS) ||
          Date.now() > waitUntil
            ? true
            : undefined,
        65_000,
      );

      const closing = Date.now();
      await f.receiver.close();
      // before: the stuck step was waited for until its API calls gave up (a minute)
      expect(Date.now() - closing).toBeLessThan(shutdownTimeoutMs + 15_000);
      expect(logged(f, 'app install steps still running at shutdown')).toMatchObject([
        { level: 40, shops: ['stuck'] },
      ]);
      const started = others.filter((shop) => locks.calls.has(shop));
      const notStarted = others.filter((shop) => !locks.calls.has(shop));
      expect(started.length).toBeGreaterThan(0);
      expect(notStarted.length).toBeGreaterThan(0);
      expect(started.length + 1).toBeLessThanOrEqual(MAX_CONCURRENT_INSTALL_STEPS);
      // those due at the last read waited for their turn: not started, said once
      const waiting = logged(f, 'app install steps not started at shutdown');
      expect(waiting).toMatchObject([{ level: 40 }]);
      expect(waiting[0]?.shops?.length).toBeGreaterThan(0);
      expect(notStarted).toEqual(expect.arrayContaining(waiting[0]?.shops ?? []));

      // The running steps recorded their outcome before the store closed; the others stay due for the next start.
      const appShops = new SqliteAppShopStore(f.config.db);
      try {
        for (const shop of started) expect((await appShops.get(shop))?.status).toBe('installed');
        for (const shop of [...notStarted, 'stuck']) {
          const record = await appShops.get(shop);
          expect(record).toMatchObject({ status: 'pending' });
          expect(record?.nextAttemptAt).not.toBeNull();
        }
      } finally {
        await appShops.close();
      }
    });
  }, 180_000);
});

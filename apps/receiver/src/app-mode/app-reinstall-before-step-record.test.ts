/**
 * An install call recorded in the moment between a step's last read of the shop and the write of its outcome
 * (the owner uninstalled and installed the app again: ShopRenter dropped what the step registered, assumed
 * A29). The step's record is conditional on the shop's install time being still the one the step started
 * from (AppShopStore.markInstalled / markStepFailed `ifInstalledAt`, checked in the write's own statement):
 * it records nothing (`superseded`) and the newer install's step — here the background retry, which takes a
 * recorded install over at its next attempt — registers the shop. Before, the step's re-read was a separate
 * read: an install call recorded after it was overwritten (the shop recorded installed, nothing due), so the
 * newer install's step found nothing due and skipped. Made deterministic by a store wrapper that records
 * the install call right before the step's write; on SQLite and on PostgreSQL (a schema of its own).
 *
 * The same holds for the failure a step records when it did not get the shop's install lock (busy on
 * another receiver, store unavailable: conditional on the install time its caller started it for — the
 * install call's record here) and when a read after its refused write threw (conditional on the install time
 * it read under the lock): before, both were written unconditionally, over the newer install's `installing`
 * and next attempt. Made deterministic by wrappers that record the install call as the lock is asked for
 * (then refuse it, as a busy lock after its wait) and that make the read after the refused write throw once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { InstallLockBusyError } from '../store/app-shops/shop-install-lock.js';
import { StoreUnavailableError } from '../store/store-errors.js';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';
import { APP_ID, type AppModeFixture, startAppModeFixture } from './test-support/app-mode-fixture.js';
import { shopRow, shopRowWhen } from './test-support/shop-rows.js';

const newSchema = testSchemas('rcv_reinstall_record');

const engines = {
  sqlite: () => ({}),
  postgres: () => ({ databaseUrl: TEST_DATABASE_URL, databaseSchema: newSchema() }),
};

describe.each(Object.entries(engines))(
  'app mode (%s): an install call recorded just before a step records',
  (_, engine) => {
    let f: AppModeFixture | undefined;
    afterEach(async () => {
      await f?.close();
      f = undefined;
    });

    /**
     * Wraps the receiver's shop records so that the first `write` (markInstalled / markStepFailed) of `shop`
     * is preceded by a new install call's record (recordInstall, due in a second): after the step read the
     * shop, before it writes. Answers the time that install was recorded.
     */
    function installCallBeforeWrite(
      fixture: AppModeFixture,
      shop: string,
      write: 'markInstalled' | 'markStepFailed',
    ) {
      const appShops = fixture.receiver.appShops;
      if (!appShops) throw new Error('app mode is on in this fixture');
      const seen: { recordedAt?: Date; outcomes: boolean[] } = { outcomes: [] };
      const original = appShops[write].bind(appShops) as (s: string, options: never) => Promise<boolean>;
      appShops[write] = (async (name: string, options: never) => {
        if (name === shop && seen.recordedAt === undefined) {
          seen.recordedAt = new Date();
          await appShops.recordInstall(shop, {
            appVersion: '1.0.0',
            nextAttemptAt: new Date(Date.now() + 1000),
            now: seen.recordedAt,
          });
        }
        const applied = await original(name, options);
        if (name === shop) seen.outcomes.push(applied);
        return applied;
      }) as never;
      return seen;
    }

    /**
     * Wraps the receiver's shop records so that the first install lock asked for `shop` is refused — as by
     * a lock busy on another receiver after its wait — right after a new install call's record (recordInstall,
     * due in a second): before the step read the shop. Answers the time that install was recorded.
     */
    function installCallThenLockRefused(fixture: AppModeFixture, shop: string) {
      const appShops = fixture.receiver.appShops;
      if (!appShops) throw new Error('app mode is on in this fixture');
      const seen: { recordedAt?: Date; refused: number } = { refused: 0 };
      const withInstallLock = appShops.withInstallLock.bind(appShops);
      appShops.withInstallLock = (async (name, work, options) => {
        if (name === shop && seen.recordedAt === undefined) {
          await sleep(5); // another install time than the install call's own (milliseconds)
          seen.recordedAt = new Date();
          await appShops.recordInstall(shop, {
            appVersion: '1.0.0',
            nextAttemptAt: new Date(Date.now() + 1000),
            now: seen.recordedAt,
          });
          seen.refused += 1;
          throw new InstallLockBusyError(shop, 30_000);
        }
        return withInstallLock(name, work, options);
      }) as typeof appShops.withInstallLock;
      return seen;
    }

    /**
     * After `seen`'s first write of the shop was refused, the next read of the shop throws once (the store
     * unavailable for a moment): the step's read of whether the app was installed again.
     */
    function readThrowsOnceAfterRefusal(
      fixture: AppModeFixture,
      shop: string,
      seen: { outcomes: boolean[] },
    ) {
      const appShops = fixture.receiver.appShops;
      if (!appShops) throw new Error('app mode is on in this fixture');
      const thrown = { count: 0 };
      const get = appShops.get.bind(appShops);
      appShops.get = async (name) => {
        if (name === shop && seen.outcomes[0] === false && thrown.count === 0) {
          thrown.count += 1;
          throw new StoreUnavailableError('test: the read after the refused write fails');
        }
        return get(name);
      };
      return thrown;
    }

    const unrecorded = (fixture: AppModeFixture) =>
      fixture.logLines.filter((line) => line.includes('app install step ended unrecorded')).length;

    it('a successful step records nothing; the newer install is registered by its own step', async () => {
      f = await startAppModeFixture({ shops: ['alpha'], config: engine() });
      const fixture = f;
      const seen = installCallBeforeWrite(fixture, 'alpha', 'markInstalled');
      expect((await fixture.sandbox.apps.install(APP_ID, 'alpha')).install.status).toBe(302);
      // The first step's write was refused: the newer install is still recorded as installing.
      expect(seen.outcomes[0]).toBe(false);
      expect(unrecorded(fixture)).toBe(1);
      // before: the step's outcome overwrote it (installed, nothing due: the newer install's step skipped)
      const row = await shopRow(fixture.baseUrl, 'alpha');
      expect(row).toMatchObject({ status: 'pending', pendingReason: 'installing' });
      expect(row?.nextAttemptAt).not.toBeNull();
      // The newer install's step (the background retry takes it over once due) records it.
      const installed = await shopRowWhen(fixture.baseUrl, 'alpha', (r) => r.status === 'installed', 30_000);
      expect(installed.subscriptions).toHaveLength(2);
      expect(seen.outcomes).toEqual([false, true]);
    }, 60_000);

    it('a failed step records no failure over the newer install (it stays due at its own time)', async () => {
      f = await startAppModeFixture({ shops: ['beta'], config: engine() });
      const fixture = f;
      fixture.sandbox.setFaults('beta', { tokenEndpointDown: true });
      const seen = installCallBeforeWrite(fixture, 'beta', 'markStepFailed');
      expect((await fixture.sandbox.apps.install(APP_ID, 'beta')).install.status).toBe(302);
      expect(seen.outcomes[0]).toBe(false);
      // before: attempts 1 and the failure's reason over the newer install's `installing`
      const row = await shopRow(fixture.baseUrl, 'beta');
      expect(row).toMatchObject({ status: 'pending', pendingReason: 'installing', attempts: 0 });
      fixture.sandbox.setFaults('beta', {});
      expect(unrecorded(fixture)).toBe(1);
      await shopRowWhen(fixture.baseUrl, 'beta', (r) => r.status === 'installed', 30_000);
      expect(seen.outcomes).toEqual([false]);
    }, 60_000);

    it('a step whose lock was not taken records no failure over the newer install', async () => {
      f = await startAppModeFixture({ shops: ['gamma'], config: engine() });
      const fixture = f;
      const seen = installCallThenLockRefused(fixture, 'gamma');
      expect((await fixture.sandbox.apps.install(APP_ID, 'gamma')).install.status).toBe(302);
      expect(seen.refused).toBe(1);
      // before: attempts 1, the busy lock's reason and its backoff over the newer install's `installing`
      const row = await shopRow(fixture.baseUrl, 'gamma');
      expect(row).toMatchObject({ status: 'pending', pendingReason: 'installing', attempts: 0 });
      expect(unrecorded(fixture)).toBe(1);
      // The newer install's step (the background retry, once due) records it.
      const installed = await shopRowWhen(fixture.baseUrl, 'gamma', (r) => r.status === 'installed', 30_000);
      expect(installed.subscriptions).toHaveLength(2);
    }, 60_000);

    it('a read after a refused write that throws records no failure over the newer install', async () => {
      f = await startAppModeFixture({ shops: ['delta'], config: engine() });
      const fixture = f;
      const seen = installCallBeforeWrite(fixture, 'delta', 'markInstalled');
      const thrown = readThrowsOnceAfterRefusal(fixture, 'delta', seen);
      expect((await fixture.sandbox.apps.install(APP_ID, 'delta')).install.status).toBe(302);
      expect(seen.outcomes[0]).toBe(false);
      expect(thrown.count).toBe(1);
      // before: attempts 1 and the read's failure as the reason over the newer install's `installing`
      const row = await shopRow(fixture.baseUrl, 'delta');
      expect(row).toMatchObject({ status: 'pending', pendingReason: 'installing', attempts: 0 });
      expect(unrecorded(fixture)).toBe(1);
      const installed = await shopRowWhen(fixture.baseUrl, 'delta', (r) => r.status === 'installed', 30_000);
      expect(installed.subscriptions).toHaveLength(2);
      expect(seen.outcomes).toEqual([false, true]);
    }, 60_000);
  },
);

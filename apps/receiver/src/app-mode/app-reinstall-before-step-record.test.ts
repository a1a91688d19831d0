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
 */
import { afterEach, describe, expect, it } from 'vitest';
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
  },
);

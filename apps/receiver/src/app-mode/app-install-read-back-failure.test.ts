/**
 * An install step whose outcome is written but whose read of the shop's record afterwards (to give this
 * receiver's shop list the record just written) fails — the store unavailable for a moment. The outcome
 * stands: the shop is installed, nothing is due, no failure is recorded; a warning says the read failed,
 * and the shop list takes the record at its next re-read. Before, the read's error reached the step's catch,
 * which recorded a failure over the shop just recorded installed (the store's words as its reason, one
 * failed attempt, a next attempt: the token and subscription calls made again). Made deterministic by a
 * store wrapper whose read of the shop throws once, right after the step's write was applied.
 */
import { afterEach, expect, it } from 'vitest';
import { StoreUnavailableError } from '../store/store-errors.js';
import { APP_ID, type AppModeFixture, startAppModeFixture } from './test-support/app-mode-fixture.js';
import { shopRow, shopRowWhen } from './test-support/shop-rows.js';

let f: AppModeFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

it('a step whose read-back after its recorded outcome fails stays installed, with no failure recorded', async () => {
  f = await startAppModeFixture({ shops: ['alpha'] });
  const fixture = f;
  const appShops = fixture.receiver.appShops;
  if (!appShops) throw new Error('app mode is on in this fixture');
  const seen = { written: false, thrown: 0 };
  const markInstalled = appShops.markInstalled.bind(appShops);
  appShops.markInstalled = async (shop, options) => {
    const applied = await markInstalled(shop, options);
    if (shop === 'alpha' && applied) seen.written = true;
    return applied;
  };
  const get = appShops.get.bind(appShops);
  appShops.get = async (shop) => {
    if (shop === 'alpha' && seen.written && seen.thrown === 0) {
      seen.thrown += 1;
      throw new StoreUnavailableError('test: the read after the recorded outcome fails');
    }
    return get(shop);
  };

  expect((await fixture.sandbox.apps.install(APP_ID, 'alpha')).install.status).toBe(302);
  const installed = await shopRowWhen(fixture.baseUrl, 'alpha', (r) => r.status === 'installed', 30_000);
  expect(seen.thrown).toBe(1);
  expect(installed.subscriptions).toHaveLength(2);
  // before: attempts 1, the store's words as the reason and a next attempt over the installed shop
  expect(await shopRow(fixture.baseUrl, 'alpha')).toMatchObject({
    status: 'installed',
    attempts: 0,
    pendingReason: null,
    nextAttemptAt: null,
  });
  const warned = fixture.logLines.filter((line) => line.includes('"code":"app_directory_refresh_failed"'));
  expect(warned).toHaveLength(1);
  expect(fixture.logLines.some((line) => line.includes('app shop step failed'))).toBe(false);
  expect(fixture.sandbox.sandbox.findShop('alpha')?.data.webhooks ?? []).toHaveLength(2);
}, 60_000);

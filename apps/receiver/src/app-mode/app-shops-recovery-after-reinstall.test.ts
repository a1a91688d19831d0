/**
 * `GET /admin/api/shops` (and so `srhooks shops --receiver`) after a shop installs the app again: the
 * recovery passes that failed before — while its uninstall call was lost, each failing on the refused
 * token with "most likely uninstalled the app" — are not the new install's, so the shop is not listed as
 * failing (before, it was, with that text, until its first pass after the install ended). A failure after
 * the install is listed as always, and counted from the install on: the uninstall resets the failures in
 * a row, which set the backoff of the scheduled passes (before, a re-installed shop's first failed pass was
 * counted on top of the old install's, its next pass hours away). Real receiver, store and sandbox; the
 * failed passes are recorded in the store as the scheduled passes record them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecoveryPass } from '../store/recovery-records.js';
import {
  APP_ID,
  type AppModeFixture,
  adminGet,
  startAppModeFixture,
} from './test-support/app-mode-fixture.js';
import { markUninstalled } from './test-support/lost-uninstall.js';

describe('the shops list after a re-install: earlier failed recovery passes are not listed', () => {
  let f: AppModeFixture;
  beforeAll(async () => {
    f = await startAppModeFixture({ shops: ['again'] });
  });
  afterAll(async () => {
    await f?.close();
  });

  const shop = async () =>
    ((await adminGet(f.baseUrl, '/shops')).items as Array<Record<string, unknown>>).find(
      (item) => item.name === 'again',
    );
  const failedPass = (at: Date): RecoveryPass => ({
    startedAt: at,
    finishedAt: at,
    outcome: 'failed',
    since: at,
    ordersRead: 0,
    subscribersRead: 0,
    recovered: {},
    alreadyStored: 0,
    error:
      'ShopRenter refused the app\'s client credentials for shop "again": … most likely uninstalled the app',
  });

  it('lists no failure from before the install, and one from after it', async () => {
    await f.sandbox.apps.install(APP_ID, 'again');
    // Passes failed (the uninstall call lost), then an operator marked the shop uninstalled.
    await f.receiver.store.recordRecoveryPass('again', { pass: failedPass(new Date()), watermark: null });
    await f.receiver.store.recordRecoveryPass('again', { pass: failedPass(new Date()), watermark: null });
    expect(await shop()).toMatchObject({ recoveryFailures: 2 });
    expect((await markUninstalled(f.baseUrl, 'again')).status).toBe(200);
    // The failures in a row (the scheduled passes' backoff) end with the install they were about.
    expect((await f.receiver.store.getRecoveryState('again'))?.consecutiveFailures).toBe(0);

    await f.sandbox.apps.install(APP_ID, 'again');
    expect(await shop()).toMatchObject({ status: 'installed', recoveryFailures: 0, recoveryError: null });

    // A pass that fails after the install is this install's.
    const after = new Date(Date.parse(String((await shop())?.installedAt)) + 1000);
    await f.receiver.store.recordRecoveryPass('again', { pass: failedPass(after), watermark: null });
    // …counted from the install on: one, not three (the backoff of the next pass follows this count)
    expect(await shop()).toMatchObject({
      recoveryFailures: 1,
      recoveryError: expect.stringContaining('refused'),
    });
  });
});

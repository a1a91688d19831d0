/**
 * The uninstall call arriving while the shop's install step is still calling its API (a slow shop API: the
 * step goes on in the background after the owner's redirect). ShopRenter drops the app's token for the shop
 * on uninstall (assumed, A30: the sandbox does), so the step's next API call is refused 401. That refusal is
 * the uninstall, not the app's credentials: the step ends as one that found the shop uninstalled — no warning
 * telling the developer to check the ClientId/ClientSecret, the outcome not `pending`, nothing retried — and
 * the shop stays uninstalled. Before, the step logged "app install pending … check the app's ClientId and
 * ClientSecret" at warn and its outcome as `pending`, for a shop that had removed the app.
 */
import { describe, expect, it } from 'vitest';
import { APP_ID, appModeFixtureForAll, eventually } from './test-support/app-mode-fixture.js';
import { shopRow } from './test-support/shop-rows.js';

interface LogLine {
  level: number;
  msg: string;
  shop?: string;
  outcome?: string;
}

describe('app mode: an uninstall while the install step calls the shop API', () => {
  const f = appModeFixtureForAll({ shops: ['alpha'], app: { installWaitSeconds: 0.2 } });

  it('ends the step as gone: no credentials warning, nothing pending or retried', async () => {
    // Each API answer (token, list, create, create) 1.5 s late: the uninstall lands inside the step.
    f.sandbox.setFaults('alpha', { latencyMs: 1500 });
    const installed = await f.sandbox.apps.install(APP_ID, 'alpha');
    expect(installed.install.status).toBe(302);
    expect((await shopRow(f.baseUrl, 'alpha'))?.pendingReason).toBe('installing');
    const uninstalled = await f.sandbox.apps.uninstall(APP_ID, 'alpha');
    expect(uninstalled.uninstall.status).toBe(200);

    const lines = () =>
      f.logLines.map((line) => JSON.parse(line) as LogLine).filter((line) => line.shop === 'alpha');
    const finished = await eventually(async () =>
      lines().find((line) => line.msg === 'app install step finished in the background'),
    );
    expect(finished.outcome).toBe('gone');
    expect(lines().filter((line) => line.level >= 40)).toEqual([]);
    expect(lines().some((line) => line.msg.includes('the shop uninstalled the app meanwhile'))).toBe(true);

    const row = await shopRow(f.baseUrl, 'alpha');
    expect(row).toMatchObject({ status: 'uninstalled', subscriptions: [] });
    expect(row?.nextAttemptAt ?? null).toBeNull();
  }, 60_000);
});

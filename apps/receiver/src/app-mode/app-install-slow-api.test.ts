/**
 * The install call against a slow shop API (the sandbox over real HTTP, every API answer 5 s late): the
 * owner's browser is redirected to `app_url` after `installWaitSeconds` at most, not after the whole token
 * and subscription step (each API call 5 s: over 10 s of a blank page before). ShopRenter's documented flow
 * has the app redirect after checking `hmac` and register its webhooks after the install (FACTS.md §7), so
 * the step goes on in the background: the shop shows as pending (`installing`) in the admin API meanwhile
 * — the row recorded before the step, which the background retry takes over if the process stops — and
 * becomes installed with its subscriptions on the shop once the step ends. A receiver stopped while such a
 * step waits on a shop API that does not answer closes within its shutdown timeout, and its next start
 * finishes the install from the recorded row.
 */
import { describe, expect, it } from 'vitest';
import { buildReceiver } from '../app.js';
import { APP_ID, appModeFixtureForAll, eventually } from './test-support/app-mode-fixture.js';
import { withAppModeFixtureToStop } from './test-support/fixture-to-stop.js';
import { shopRow, shopRowWhen } from './test-support/shop-rows.js';

describe('app mode: the install call when the shop API is slow', () => {
  const f = appModeFixtureForAll({ shops: ['alpha', 'beta'], app: { installWaitSeconds: 1 } });

  it('redirects the owner after the wait and finishes the step in the background, pending meanwhile', async () => {
    f.sandbox.setFaults('alpha', { latencyMs: 5000 });
    const startedAt = Date.now();
    const report = await f.sandbox.apps.install(APP_ID, 'alpha');
    const installMs = Date.now() - startedAt;
    expect(report.install.status).toBe(302);
    expect(report.redirectedToAppUrl).toBe(true);
    // the wait (1 s) and the entry page the sandbox loads after the redirect; not the step, two API calls
    // of 5 s each at least (the bound leaves a loaded machine room: 4 s failed once at load 16, 4148 ms)
    expect(installMs).toBeLessThan(9000);
    expect(report.entryPoint?.status).toBe(200);

    const pending = await shopRow(f.baseUrl, 'alpha');
    expect(pending).toMatchObject({ status: 'pending', pendingReason: 'installing', subscriptions: [] });
    expect(pending?.nextAttemptAt).not.toBeNull();

    const installed = await shopRowWhen(f.baseUrl, 'alpha', (row) => row.status === 'installed', 30_000);
    expect(installed.subscriptions.map((subscription) => subscription.event).sort()).toEqual([
      'order_confirm',
      'order_status_change',
    ]);
    expect(installed.pendingReason).toBeNull();
    expect(f.sandbox.sandbox.findShop('alpha')?.data.webhooks ?? []).toHaveLength(2);
    const lines = f.logLines.map((line) => JSON.parse(line) as { msg: string; shop?: string });
    expect(lines.some((line) => line.msg.startsWith('app install step still running'))).toBe(true);
    expect(lines.some((line) => line.msg === 'app install step finished in the background')).toBe(true);
  }, 60_000);

  it('a background step that fails is recorded with its reason and retried until it succeeds', async () => {
    f.sandbox.setFaults('beta', { latencyMs: 1500, errorRate: 1, errorStatus: 503 });
    const report = await f.sandbox.apps.install(APP_ID, 'beta');
    expect(report.install.status).toBe(302);
    expect((await shopRow(f.baseUrl, 'beta'))?.pendingReason).toBe('installing');
    const failed = await shopRowWhen(
      f.baseUrl,
      'beta',
      (row) => Boolean(row.pendingReason) && row.pendingReason !== 'installing',
      30_000,
    );
    expect(failed.status).toBe('pending');
    expect(failed.nextAttemptAt).not.toBeNull();

    f.sandbox.setFaults('beta', {});
    const installed = await shopRowWhen(f.baseUrl, 'beta', (row) => row.status === 'installed', 30_000);
    expect(installed.subscriptions).toHaveLength(2);
  }, 90_000);
});

describe('app mode: a receiver stopped while an install step waits on the shop API', () => {
  it('closes within its shutdown timeout; its next start finishes the install from the recorded row', async () => {
    const options = {
      shops: ['alpha'],
      app: { installWaitSeconds: 0.2 },
      config: { shutdownTimeoutMs: 1500 },
    };
    await withAppModeFixtureToStop(options, async (f) => {
      f.sandbox.setFaults('alpha', { latencyMs: 60_000 });
      expect((await f.sandbox.apps.install(APP_ID, 'alpha')).install.status).toBe(302);
      const closing = Date.now();
      await f.receiver.close();
      // its shutdown timeout (1.5 s) and the closing itself, not the shop API's 60 s
      expect(Date.now() - closing).toBeLessThan(15_000);
      const lines = f.logLines.map(
        (line) => JSON.parse(line) as { level: number; msg: string; shops?: string[] },
      );
      expect(
        lines.find((line) => line.msg.startsWith('app install steps still running at shutdown')),
      ).toMatchObject({
        level: 40,
        shops: ['alpha'],
      });

      f.sandbox.setFaults('alpha', {});
      const next = await buildReceiver(f.config, {
        defaultMetrics: false,
        processing: { logWrite: () => {} },
        logDestination: { write: () => {} },
      });
      try {
        await next.ready();
        expect((await next.appShops?.get('alpha'))?.status).toBe('pending');
        const installed = await eventually(async () => {
          const record = await next.appShops?.get('alpha');
          return record?.status === 'installed' ? record : undefined;
        }, 30_000);
        expect(installed.subscriptions).toHaveLength(2);
      } finally {
        await next.close();
      }
    });
  }, 90_000);
});

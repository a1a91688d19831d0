/**
 * A receiver stopped while its start-up re-registration (start-up-resubscribe.ts: installed shops whose
 * subscriptions are not signed with the newest URL secret) runs a step that waits on a shop API which does
 * not answer (the sandbox over real HTTP, every API answer 60 s late): `app.close()` returns within its
 * shutdown timeout, as for the install calls' and the retry's steps (install-step-turns.ts), and says once
 * that it left the re-registration. Before, close waited for the re-registration with no limit — until the
 * step ended (the shop API's answer, or the install lock's 120 s hold). The receiver restarted on the same
 * SQLite file with the secret rotated (`new,old`): the installed shop is re-registered at start-up.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildReceiver } from '../app.js';
import {
  APP_ID,
  type AppModeFixture,
  eventually,
  startAppModeFixture,
  withRotatedSecret,
} from './test-support/app-mode-fixture.js';
import { shopRowWhen } from './test-support/shop-rows.js';

const SHUTDOWN_TIMEOUT_MS = 2000;

describe('app mode: a shutdown during the start-up re-registration', () => {
  let f: AppModeFixture | undefined;
  let restarted: FastifyInstance | undefined;
  afterEach(async () => {
    await restarted?.close();
    restarted = undefined;
    await f?.close();
    f = undefined;
  });

  it("closes within its shutdown timeout while the re-registration's step waits on the shop API", async () => {
    const fixture = await startAppModeFixture({
      shops: ['alpha'],
      config: { shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS },
    });
    f = fixture;
    expect((await fixture.sandbox.apps.install(APP_ID, 'alpha')).install.status).toBe(302);
    await shopRowWhen(fixture.baseUrl, 'alpha', (row) => row.status === 'installed');
    await fixture.receiver.close();

    // Every API answer of the shop 60 s late: the re-registration's step (its token request first) stalls.
    fixture.sandbox.setFaults('alpha', { latencyMs: 60_000 });
    const lines: string[] = [];
    restarted = await buildReceiver(withRotatedSecret(fixture.config), {
      defaultMetrics: false,
      processing: { logWrite: () => {} },
      logDestination: { write: (line: string) => void lines.push(line) },
    });
    const appShops = restarted.appShops;
    if (!appShops) throw new Error('app mode is on in this fixture');
    const holding = new Set<string>();
    const withInstallLock = appShops.withInstallLock.bind(appShops);
    appShops.withInstallLock = (shop, work, options) =>
      withInstallLock(
        shop,
        (signal) => {
          holding.add(shop);
          return work(signal);
        },
        options,
      );
    await restarted.listen({ port: fixture.config.port, host: '127.0.0.1' });
    // The re-registration's step holds the shop's lock, waiting on the token request.
    await eventually(async () => (holding.has('alpha') ? true : undefined), 10_000);

    const closing = Date.now();
    await restarted.close();
    const closeMs = Date.now() - closing;
    restarted = undefined;
    // its shutdown timeout (2 s) and the closing itself, not the shop API's 60 s (before: the step's end)
    expect(closeMs).toBeLessThan(10_000);
    const parsed = lines.map((line) => JSON.parse(line) as { level: number; msg: string; code?: string });
    const left = parsed.filter((line) => line.code === 'app_reregistration_left');
    expect(left).toHaveLength(1);
    expect(left[0]).toMatchObject({ level: 40 });
    expect(left[0]?.msg).toContain('start-up re-registration still running at shutdown');
    expect(parsed.some((line) => line.msg.startsWith('app install steps still running at shutdown'))).toBe(
      true,
    );
  }, 90_000);
});

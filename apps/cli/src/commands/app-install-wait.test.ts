/**
 * `srhooks app install --receiver URL` against an app-mode receiver that redirects the owner before its install
 * step (the app's token and webhook subscriptions) has ended — `app.installWaitSeconds` 1 here, the shop's API
 * slowed by the sandbox over HTTP. The command waits for the step's outcome (`--install-wait`, default 30 s) so
 * that `srhooks shops` run after it shows what it reported: before, it read the shop at once and reported a
 * first install as failed ("✖ the receiver keeps the install pending: installing", exit 3) and a re-install of
 * an installed shop as confirmed while its step still ran. A step still running after `--install-wait` is
 * said plainly (it goes on in the background), exit 0 as any outcome not known yet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppModeReceiver, startAppModeReceiver } from '../test-support/app-mode-receiver.js';
import { runCli, tempConfigDir } from '../test-support/run-cli.js';

const config = tempConfigDir();
const ADMIN_TOKEN = 'cli-app-install-wait-admin-token-01234';
let app: AppModeReceiver;

beforeAll(async () => {
  app = await startAppModeReceiver(config.dir, {
    app: { appId: '7', clientId: 'cli-app', clientSecret: 'cli-app-client-secret' },
    shops: ['alpha', 'beta', 'gamma'],
    adminToken: ADMIN_TOKEN,
    secret: 'cli-app-url-secret-0123456789',
    // the receiver redirects after 1 s; the slowed step goes on in its background
    installWaitSeconds: 1,
  });
});

afterAll(async () => {
  await app?.close();
  config.cleanup();
});

const cli = (...args: string[]) =>
  runCli(config.dir, args, {
    env: { SRHOOKS_SANDBOX_URL: app.sandbox.url, SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN },
  });

interface ShopRow {
  name: string;
  status: string;
  pendingReason: string | null;
  subscriptions: Array<{ event: string }>;
}

const listedShop = async (name: string): Promise<ShopRow | undefined> => {
  const run = await cli('shops', '--receiver', app.base, '--json');
  expect(run.code, run.stderr).toBe(0);
  return (JSON.parse(run.stdout).shops as ShopRow[]).find((shop) => shop.name === name);
};

describe('srhooks app install waits for the install step the receiver finishes in the background', () => {
  it('a first install: reported installed once the step ended, as srhooks shops then lists it', async () => {
    app.sandbox.setFaults('alpha', { latencyMs: 1500 });
    try {
      const run = await cli('app', 'install', '--shop', 'alpha', '--receiver', app.base, '--json');
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const result = JSON.parse(run.stdout);
      expect(result.call.status).toBe(302);
      expect(result.installStatus).toEqual({
        known: true,
        receiver: app.base,
        status: 'installed',
        pendingReason: null,
        nextAttemptAt: null,
      });
      expect(await listedShop('alpha')).toMatchObject({
        status: 'installed',
        pendingReason: null,
        subscriptions: [expect.objectContaining({ event: 'order_confirm' })],
      });
    } finally {
      app.sandbox.setFaults('alpha', {});
    }
  }, 60_000);

  it('a re-install of an installed shop is not confirmed before its step ended', async () => {
    const first = await cli('app', 'install', '--shop', 'gamma', '--receiver', app.base, '--json');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    app.sandbox.setFaults('gamma', { latencyMs: 1500 });
    try {
      const run = await cli('app', 'install', '--shop', 'gamma', '--receiver', app.base, '--json');
      expect(run.code, run.stdout + run.stderr).toBe(0);
      // before, read at once: installed (the earlier install's status) with pendingReason "installing"
      expect(JSON.parse(run.stdout).installStatus).toMatchObject({
        known: true,
        status: 'installed',
        pendingReason: null,
      });
      // what the command reported is what the receiver lists now: the step ended
      expect(await listedShop('gamma')).toMatchObject({ status: 'installed', pendingReason: null });
    } finally {
      app.sandbox.setFaults('gamma', {});
    }
  }, 60_000);

  it('a step still running after --install-wait is said plainly: it goes on in the background (exit 0)', async () => {
    app.sandbox.setFaults('beta', { latencyMs: 5000 });
    try {
      const run = await cli(
        'app',
        'install',
        '--shop',
        'beta',
        '--receiver',
        app.base,
        '--install-wait',
        '1s',
        '--no-color',
      );
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toMatch(
        /^app 7: install call on beta answered, install step still running \(the receiver at http:\/\/127\.0\.0\.1:\d+\)$/m,
      );
      expect(run.stdout).not.toMatch(/^app 7 installed/m);
      expect(run.stdout).not.toContain('✖');
      expect(run.stdout).toContain(
        "! the receiver's install step (the app's token and webhook subscriptions) had not ended after 1s: it goes on in the background (a slow shop API?), the shop listed pending (installing) until it ends",
      );
      expect(run.stdout).toContain(
        `check with srhooks shops --receiver ${app.base} (or wait longer: --install-wait 2m)`,
      );
      expect(await listedShop('beta')).toMatchObject({ status: 'pending', pendingReason: 'installing' });
      // the step ends in the receiver's background
      const deadline = Date.now() + 40_000;
      while ((await listedShop('beta'))?.status !== 'installed') {
        expect(Date.now()).toBeLessThan(deadline);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    } finally {
      app.sandbox.setFaults('beta', {});
    }
  }, 90_000);

  it('--install-wait refuses a value that is not a duration, saying what to write (exit 2)', async () => {
    const run = await cli('app', 'install', '--shop', 'beta', '--install-wait', 'soon');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("option '--install-wait <duration>' argument 'soon' is invalid");
    expect(run.stderr).toContain('must be a duration such as 30s, 500ms or 2m');
  });
});

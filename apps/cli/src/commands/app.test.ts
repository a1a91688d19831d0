/**
 * `srhooks app install|uninstall` against the sandbox and `srhooks shops --receiver` against a real
 * app-mode receiver: the CLI drives the sandbox's app flow, the receiver records the install and its
 * subscriptions, and the shops list shows it installed, then uninstalled.
 */
import { signAppRequest } from '@srhooks/contracts';
import { type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppModeReceiver, startAppModeReceiver } from '../test-support/app-mode-receiver.js';
import { startCaptureServer } from '../test-support/capture-server.js';
import { runCli, tempConfigDir } from '../test-support/run-cli.js';
import { freePort } from '../test-support/test-receiver.js';

const config = tempConfigDir();
const ADMIN_TOKEN = 'cli-app-admin-token-0123456789';
let app: AppModeReceiver;
let sandbox: RunningSandbox;
let base = '';

const cliJson = async (...args: string[]) => {
  const run = await runCli(config.dir, [...args, '--json'], {
    env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN, SRHOOKS_SANDBOX_URL: sandbox.url },
  });
  if (run.code !== 0) throw new Error(`srhooks ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout);
};

beforeAll(async () => {
  app = await startAppModeReceiver(config.dir, {
    app: { appId: '7', clientId: 'cli-app', clientSecret: 'cli-app-client-secret' },
    shops: ['alpha'],
    adminToken: ADMIN_TOKEN,
    secret: 'cli-app-url-secret-0123456789',
  });
  ({ sandbox, base } = app);
});

afterAll(async () => {
  await app?.close();
  config.cleanup();
});

describe('srhooks app / srhooks shops --receiver', () => {
  it('installs through the sandbox, and the receiver lists the shop installed with its subscription', async () => {
    const installed = await cliJson('app', 'install', '--shop', 'alpha');
    expect(installed).toMatchObject({
      action: 'install',
      shop: 'alpha',
      appId: '7',
      redirectedToAppUrl: true,
    });
    expect(installed.call.status).toBe(302);
    expect(installed.entryPoint.status).toBe(200);

    const listed = await cliJson('shops', '--receiver', base);
    expect(listed.shops).toEqual([
      expect.objectContaining({
        name: 'alpha',
        source: 'app',
        status: 'installed',
        subscriptions: [expect.objectContaining({ event: 'order_confirm' })],
      }),
    ]);
    const human = await runCli(config.dir, ['shops', '--receiver', base, '--no-color'], {
      env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN },
    });
    expect(human.stdout).toMatch(/alpha\s+app\s+installed\s+order_confirm/);
  });

  it('uninstalls through the sandbox, and the receiver lists the shop uninstalled', async () => {
    const removed = await cliJson('app', 'uninstall', '--shop', 'alpha', '--app-id', '7');
    expect(removed).toMatchObject({
      action: 'uninstall',
      shop: 'alpha',
      removedSubscriptions: [expect.any(String)],
    });
    expect(removed.call.status).toBe(200);
    const listed = await cliJson('shops', '--receiver', base);
    expect(listed.shops[0]).toMatchObject({ name: 'alpha', status: 'uninstalled', subscriptions: [] });
  });

  it('a sandbox without an app says how to start one with an app (--apps), exit 2', async () => {
    const bare = await startSandbox({ rateLimit: false });
    try {
      const run = await runCli(config.dir, ['app', 'install', '--shop', 'demo'], {
        env: { SRHOOKS_SANDBOX_URL: bare.url },
      });
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        'error: the sandbox has no registered app\n' +
          'start it with one: srhooks sandbox --apps apps.json (a JSON list of apps, see the root README\'s "Build a ShopRenter app"), or register one with POST /_sandbox/apps\n',
      );
    } finally {
      await bare.close();
    }
  });

  it('says what is wrong when the app is not installed', async () => {
    const run = await runCli(config.dir, ['app', 'uninstall', '--shop', 'alpha'], {
      env: { SRHOOKS_SANDBOX_URL: sandbox.url },
    });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/not installed/);
  });

  it('a shop the sandbox does not serve says which flag picks one of its shops, as sandbox order does (not found, exit 3)', async () => {
    for (const action of ['install', 'uninstall']) {
      const run = await runCli(config.dir, ['app', action, '--shop', 'nope'], {
        env: { SRHOOKS_SANDBOX_URL: sandbox.url },
      });
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/Shop 'nope' not found/);
      expect(run.stderr).toContain(
        'pass --shop with one of its shops (or set SRHOOKS_SANDBOX_SHOP); "nope" is not one (to add shops, start srhooks sandbox with --shops FILE',
      );
    }
  });

  it('tells the truth about an install the receiver keeps pending, and says so when it cannot find out', async () => {
    // The app lacks store.webhook:write at ShopRenter: the receiver redirects (302) but keeps the shop pending.
    app.register({ scopes: ['store.webhook:read', 'order.order:read'] });
    try {
      // No admin access: the 302 is not taken for success.
      const blind = await runCli(config.dir, ['app', 'install', '--shop', 'alpha', '--no-color'], {
        env: { SRHOOKS_SANDBOX_URL: sandbox.url },
      });
      expect(blind.stdout).toMatch(/install call +http:\/\/127\.0\.0\.1:\d+\/app\/install → 302/);
      expect(blind.stdout).not.toMatch(/^app 7 installed/m);
      expect(blind.stdout).toContain(
        `the shop's install call was answered; whether the install completed is not known here`,
      );
      expect(blind.stdout).toContain(`run srhooks shops --receiver ${base} to see whether it completed`);
      expect(blind.code).toBe(0);
      await sandbox.apps.uninstall('7', 'alpha');

      // With the receiver's admin API: pending, with the receiver's reason, and exit 3.
      const told = await runCli(
        config.dir,
        ['app', 'install', '--shop', 'alpha', '--receiver', base, '--no-color'],
        { env: { SRHOOKS_SANDBOX_URL: sandbox.url, SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN } },
      );
      expect(told.code).toBe(3);
      expect(told.stdout).not.toMatch(/^app 7 installed/m);
      expect(told.stdout).toMatch(/^app 7 pending on alpha/m);
      expect(told.stdout).toMatch(/✖ the receiver keeps the install pending: .*store\.webhook:write/);
      expect(told.stdout).toContain(`check with srhooks shops --receiver ${base}`);
      const json = await runCli(
        config.dir,
        ['app', 'uninstall', '--shop', 'alpha', '--app-id', '7', '--json'],
        { env: { SRHOOKS_SANDBOX_URL: sandbox.url } },
      );
      expect(json.code).toBe(0);
    } finally {
      app.register();
    }
    // Granted again: confirmed installed by the receiver, exit 0.
    const ok = await runCli(config.dir, ['app', 'install', '--shop', 'alpha', '--receiver', base, '--json'], {
      env: { SRHOOKS_SANDBOX_URL: sandbox.url, SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN },
    });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).installStatus).toMatchObject({ known: true, status: 'installed' });
    // Installed, and the install call comes again while ShopRenter's token endpoint is down: the shop stays
    // installed (its subscriptions are still on the shop), the failed step is said, and exit 3.
    sandbox.setFaults('alpha', { tokenEndpointDown: true });
    try {
      const again = await runCli(
        config.dir,
        ['app', 'install', '--shop', 'alpha', '--receiver', base, '--no-color'],
        { env: { SRHOOKS_SANDBOX_URL: sandbox.url, SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN } },
      );
      expect(again.code).toBe(3);
      expect(again.stdout).toMatch(/^app 7 installed on alpha \(confirmed by the receiver/m);
      expect(again.stdout).toMatch(
        /! the shop stays installed with the subscriptions registered before, but this install step failed: .*token/i,
      );
      expect(again.stdout).toContain('it retries in the background (next attempt ');
    } finally {
      sandbox.setFaults('alpha', {});
    }
    await sandbox.apps.uninstall('7', 'alpha');
  });

  it('an app that cannot be reached (or answers an error) fails the command (exit 3), with its report', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    sandbox.apps.register({
      appId: '8',
      clientId: 'cli-app-down',
      clientSecret: 'cli-app-down-client-secret',
      redirectUri: `${closed}/app/install`,
      entryPoint: `${closed}/app/entry`,
      uninstallUri: `${closed}/app/uninstall`,
    });
    const env = { SRHOOKS_SANDBOX_URL: sandbox.url };
    const install = await runCli(config.dir, ['app', 'install', '--shop', 'alpha', '--app-id', '8'], { env });
    expect(install.code).toBe(3);
    expect(install.stdout).toMatch(/install call +http:\/\/127\.0\.0\.1:\d+\/app\/install → unreachable/);
    // no entry point loaded: said without an empty URL and arrow before it
    expect(install.stdout).toMatch(/^ {2}entry point {4}not loaded$/m);
    expect(install.stdout).toContain('✖ the app did not take the install');
    // The sandbox keeps the install whatever the app answered: said, with how to send the call again.
    expect(install.stdout).toContain('app 8 installed on alpha at the sandbox, not taken by the app');
    expect(install.stdout).not.toContain('not installed on');
    expect(install.stdout).toContain('run srhooks app install --shop alpha --app-id 8 again');
    // Whether the backend has a record of the shop (an earlier install) is not known from here: only that
    // it did not take this call.
    expect(install.stdout).not.toContain('has no record');
    expect(install.stdout).toContain("while the app's backend did not take this install call");
    const json = await runCli(config.dir, ['app', 'install', '--shop', 'alpha', '--app-id', '8', '--json'], {
      env,
    });
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ action: 'install', call: { status: null } });
    const uninstall = await runCli(config.dir, ['app', 'uninstall', '--shop', 'alpha', '--app-id', '8'], {
      env,
    });
    expect(uninstall.code).toBe(3);
    expect(uninstall.stdout).toContain('✖ the app did not take the uninstall');
    // The uninstall call is not sent again: the lost call is made good with mark-uninstalled.
    expect(uninstall.stdout).toContain('run srhooks app mark-uninstalled alpha');
  });

  it('an app that answers with an error is quoted, not asked whether it is running', async () => {
    // Registered at ShopRenter (the sandbox) with another ClientSecret than the receiver has.
    sandbox.apps.register({
      appId: '9',
      clientId: 'cli-app-other',
      clientSecret: 'not-the-receivers-client-secret',
      redirectUri: `${base}/app/install`,
      entryPoint: `${base}/app/entry`,
      uninstallUri: `${base}/app/uninstall`,
    });
    const install = await runCli(config.dir, ['app', 'install', '--shop', 'alpha', '--app-id', '9'], {
      env: { SRHOOKS_SANDBOX_URL: sandbox.url },
    });
    expect(install.code).toBe(3);
    expect(install.stdout).toContain(
      '✖ the app did not take the install: its install call (RedirectUri) answered 401: bad_signature: hmac does not match',
    );
    expect(install.stdout).toContain('ClientSecret');
    expect(install.stdout).not.toContain('is the app');

    // Its uninstall (the sandbox kept the install) is refused the same way: the backend runs, so the
    // advice is the ClientSecret, not "once the backend runs".
    const uninstall = await runCli(config.dir, ['app', 'uninstall', '--shop', 'alpha', '--app-id', '9'], {
      env: { SRHOOKS_SANDBOX_URL: sandbox.url },
    });
    expect(uninstall.code).toBe(3);
    expect(uninstall.stdout).toContain('answered 401: bad_signature');
    expect(uninstall.stdout).not.toContain('once the backend runs');
    expect(uninstall.stdout).toContain(
      "once the backend has the app's current ClientSecret (the one ShopRenter signs with: app.clientSecret or SRHOOKS_APP_CLIENT_SECRET; restart it), run srhooks app mark-uninstalled alpha",
    );
  });

  it('lists a pending install with its reason under the table, not inside it', async () => {
    // An install on a shop the sandbox does not serve: the token step fails, the shop stays pending.
    const query = {
      shopname: 'zeta',
      code: 'pendingcode1',
      timestamp: String(Math.floor(Date.now() / 1000)),
    };
    const signed = new URLSearchParams({ ...query, hmac: signAppRequest(query, 'cli-app-client-secret') });
    expect((await fetch(`${base}/app/install?${signed}`, { redirect: 'manual' })).status).toBe(302);
    const listed = await cliJson('shops', '--receiver', base);
    const reason = listed.shops.find((s: { name: string }) => s.name === 'zeta').pendingReason as string;
    expect(reason.length).toBeGreaterThan(100);
    const human = await runCli(config.dir, ['shops', '--receiver', base, '--no-color'], {
      env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN },
    });
    const lines = human.stdout.split('\n');
    const table = lines.slice(0, lines.findIndex((line) => line.trim() === '') >>> 0);
    expect(table.find((line) => line.startsWith('zeta'))).toMatch(/^zeta\s+app\s+pending\s/);
    for (const line of table) expect(line.length).toBeLessThan(120);
    expect(human.stdout).toContain(`zeta: ${reason}`);
  });
});

describe('app install|uninstall --sandbox-url at something that is not a sandbox', () => {
  it('an HTML page, an empty 422 and a receiver are each "not a srhooks sandbox", exit 3', async () => {
    const html = await startCaptureServer(() => ({ status: 200, body: '<html>hi</html>' }));
    const empty = await startCaptureServer(() => ({ status: 422, body: '' }));
    try {
      for (const url of [html.url, empty.url, base]) {
        for (const action of ['install', 'uninstall']) {
          const run = await runCli(config.dir, ['app', action, '--shop', 'alpha', '--sandbox-url', url]);
          expect(run.code).toBe(3);
          expect(run.stderr).toMatch(
            new RegExp(
              `^error: ${url} is not a srhooks sandbox \\(it answered GET /_sandbox/apps with HTTP (200|404|422), not as the sandbox does\\)\npoint --sandbox-url \\(or SRHOOKS_SANDBOX_URL\\) at a running srhooks sandbox`,
            ),
          );
          expect(run.stderr).not.toContain('<html>');
        }
      }
      // with --app-id the install call itself is the first request
      const direct = await runCli(config.dir, [
        'app',
        'install',
        '--app-id',
        '7',
        '--sandbox-url',
        html.url,
        '--json',
      ]);
      expect(direct.code).toBe(3);
      expect(JSON.parse(direct.stdout).error).toMatchObject({ code: 'not_a_sandbox', exitCode: 3 });
      expect(JSON.parse(direct.stdout).error.message).toContain('POST /_sandbox/apps/7/installs/demo');
    } finally {
      await html.close();
      await empty.close();
    }
  });
});

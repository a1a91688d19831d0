/**
 * `srhooks app mark-uninstalled SHOP` against a real app-mode receiver and the sandbox: the shop's
 * uninstall call is lost (the UninstallUri unreachable when the sandbox uninstalls the app), the command
 * marks it uninstalled through the admin API (says what happened: pending jobs cancelled, when), the
 * receiver lists it uninstalled, a second run says it already was, and refusals exit 2 with the
 * receiver's message.
 */
import type { RunningSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AppModeReceiver, startAppModeReceiver } from '../test-support/app-mode-receiver.js';
import { adminCli, runCli, tempConfigDir } from '../test-support/run-cli.js';
import { freePort, type Receiver } from '../test-support/test-receiver.js';

const config = tempConfigDir();
const ADMIN_TOKEN = 'cli-mark-uninstalled-admin-token-0123';
const APP = {
  appId: '7',
  clientId: 'cli-app',
  clientSecret: 'cli-app-client-secret',
};
let app: AppModeReceiver;
let sandbox: RunningSandbox;
let receiver: Receiver;
let base = '';

const { admin, adminJson } = adminCli(config.dir, () => base, ADMIN_TOKEN);

beforeAll(async () => {
  app = await startAppModeReceiver(config.dir, {
    app: APP,
    shops: ['alpha', 'beta'],
    adminToken: ADMIN_TOKEN,
    secret: 'cli-app-url-secret-0123456789',
    handlers: { audit: { type: 'log' } },
    appHandlers: ['audit'],
    configShops: [{ name: 'configured', handlers: ['audit'] }],
    buildOptions: { processing: { logWrite: () => {} } },
  });
  ({ sandbox, receiver, base } = app);
});

afterAll(async () => {
  await app?.close();
  config.cleanup();
});

describe('srhooks app mark-uninstalled', () => {
  it('marks a shop whose uninstall call was lost: says how many pending jobs were cancelled and when', async () => {
    await sandbox.apps.install(APP.appId, 'alpha');
    // A job that has not run yet when the shop is marked: the handler is paused so it stays pending.
    await receiver.store.disableHandler('audit', { reason: 'test: keep the job pending' });
    await sandbox.simulator.placeOrder('alpha', { seed: 1 });
    await sandbox.simulator.waitForIdle();
    await vi.waitFor(
      async () => {
        const { items } = await receiver.store.listEvents({ shop: 'alpha', status: 'pending' });
        if (items.length !== 1) throw new Error('the order event is not pending yet');
      },
      { timeout: 10_000, interval: 50 },
    );
    // The owner uninstalls while the UninstallUri cannot be reached.
    app.register({ uninstallUri: `http://127.0.0.1:${await freePort()}/app/uninstall` });
    try {
      expect((await sandbox.apps.uninstall(APP.appId, 'alpha')).uninstall.status).toBeNull();
    } finally {
      app.register();
    }
    expect((await adminJson('shops')).shops).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'alpha', status: 'installed' })]),
    );

    const run = await admin('app', 'mark-uninstalled', 'alpha', '--no-color');
    expect(run.code, run.stderr).toBe(0);
    const [record] = (await receiver.store.listEvents({ shop: 'alpha', event: 'app_uninstalled' as never }))
      .items;
    expect(record).toBeDefined();
    const listed = (await adminJson('shops')).shops.find((shop: { name: string }) => shop.name === 'alpha');
    expect(listed).toMatchObject({ status: 'uninstalled' });
    const when = String(listed.uninstalledAt)
      .replace('T', ' ')
      .replace(/\.\d+Z$/, 'Z');
    expect(run.stdout).toBe(
      [
        `✔ alpha marked uninstalled at ${base} (${when})`,
        '  its delivery URLs answer 404 from now on; recovery stops for it',
        '  1 pending job cancelled (dead letters: srhooks events list --shop alpha --status dead)',
        `  the app's handlers get app_uninstalled (delivery ${record?.deliveryId})`,
        '',
      ].join('\n'),
    );
    await receiver.store.enableHandler('audit');
  });

  it('a second run says it was already uninstalled; --json gives the answer', async () => {
    const json = await adminJson('app', 'mark-uninstalled', 'alpha');
    expect(json).toEqual({
      receiver: base,
      shop: 'alpha',
      uninstalledAt: expect.any(String),
      cancelledJobs: 0,
      deliveryId: expect.stringMatching(/^dlv_/),
      alreadyUninstalled: true,
    });
    const human = await admin('app', 'mark-uninstalled', 'alpha', '--no-color');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(
      /^✔ alpha was already uninstalled \(since \S+ \S+\) at .*: nothing changed\n$/,
    );
  });

  it('refusals with the receiver’s message: a shop the app never had (not found, exit 3), a config-file shop, a bad name (exit 2)', async () => {
    const unknown = await admin('app', 'mark-uninstalled', 'beta');
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('The app was never installed on beta here');
    const configured = await admin('app', 'mark-uninstalled', 'configured');
    expect(configured.code).toBe(2);
    expect(configured.stderr).toContain('configured is a shop of the config file');
    const bad = await admin('app', 'mark-uninstalled', 'Not_A_Shop');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid shop name "Not_A_Shop"');
  });

  it('a token the receiver refuses: exit 3 saying so, and nothing changes', async () => {
    await sandbox.apps.install(APP.appId, 'beta');
    const run = await runCli(config.dir, ['app', 'mark-uninstalled', 'beta', '--receiver', base], {
      env: { SRHOOKS_ADMIN_TOKEN: 'not-the-admin-token-0123456789' },
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`the receiver at ${base} refused the admin token in SRHOOKS_ADMIN_TOKEN`);
    expect(
      (await adminJson('shops')).shops.find((shop: { name: string }) => shop.name === 'beta'),
    ).toMatchObject({ status: 'installed' });
  });
});

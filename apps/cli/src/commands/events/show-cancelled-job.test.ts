/**
 * `srhooks events show` of an order whose handler job never ran: a platform app's shop uninstalled the
 * app while the job waited (its handler disabled), so the receiver dead-lettered it with the reason.
 * The table says it was dead-lettered before it ran — not "not run yet", which it never will be unless
 * replayed — and shows the job's error: the receiver's own text, with no outside data, so not hidden
 * (a handler's error is, until --reveal); `dead-letters list` shows it too. Its
 * verification line does not advise `"verify": true` with the shop's own credentials: an installed
 * shop is not a config shop, `verify` does not apply to it.
 * Against the sandbox (install, order, uninstall) and a real app-mode receiver, over HTTP.
 */
import type { RunningSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AppModeReceiver, startAppModeReceiver } from '../../test-support/app-mode-receiver.js';
import { type CaptureServer, startCaptureServer } from '../../test-support/capture-server.js';
import { adminCli, runCli, tempConfigDir } from '../../test-support/run-cli.js';
import { forwardTo } from '../../test-support/test-receiver.js';

const config = tempConfigDir();
const ADMIN_TOKEN = 'cancelled-job-admin-token-0123456789';
let app: AppModeReceiver;
let sandbox: RunningSandbox;
let target: CaptureServer;
let base = '';
const { admin, adminJson } = adminCli(config.dir, () => base, ADMIN_TOKEN);

const sandboxCli = async (...args: string[]) => {
  const run = await runCli(config.dir, args, { env: { SRHOOKS_SANDBOX_URL: sandbox.url } });
  if (run.code !== 0) throw new Error(`srhooks ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
};

beforeAll(async () => {
  target = await startCaptureServer(() => ({ status: 200, body: 'ok' }));
  app = await startAppModeReceiver(config.dir, {
    app: { appId: '7', clientId: 'cancel-app', clientSecret: 'cancel-app-client-secret' },
    shops: ['alpha'],
    adminToken: ADMIN_TOKEN,
    secret: 'cancel-app-url-secret-0123456789',
    handlers: { erp: forwardTo(`${target.url}/erp`) },
    appHandlers: ['erp'],
  });
  ({ sandbox, base } = app);
});

afterAll(async () => {
  await app?.close();
  await target?.close();
  config.cleanup();
});

describe('events show: a job cancelled by an uninstall', () => {
  it("says it was dead-lettered before it ran, with its reason (the receiver's own, shown), and gives an installed shop's verification advice", async () => {
    await sandboxCli('app', 'install', '--shop', 'alpha');
    expect((await admin('handlers', 'disable', 'erp')).code).toBe(0);
    await sandboxCli('sandbox', 'order', '--shop', 'alpha');
    const eventId: string = await vi.waitFor(
      async () => {
        const [event] = (await adminJson('events', 'list', '--shop', 'alpha')).items;
        if (!event) throw new Error('the order is not stored yet');
        return event.id;
      },
      { timeout: 10_000, interval: 50 },
    );
    await sandboxCli('app', 'uninstall', '--shop', 'alpha');
    await vi.waitFor(
      async () => {
        const { event } = await adminJson('events', 'show', eventId);
        if (event.jobs[0]?.status !== 'dead') throw new Error('the job is not cancelled yet');
      },
      { timeout: 10_000, interval: 50 },
    );

    const shown = await admin('events', 'show', eventId);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(
      /^erp\s+dead\s+dead-lettered before it ran\s+cancelled: the app was uninstalled from this shop$/m,
    );
    const deadLetters = await admin('dead-letters', 'list');
    expect(deadLetters.stdout).toContain('cancelled: the app was uninstalled from this shop');
    expect(deadLetters.stdout).not.toContain('error hidden');
    expect(shown.stdout).not.toContain('not run yet');
    const revealed = await admin('events', 'show', eventId, '--reveal');
    expect(revealed.stdout).toMatch(
      /^erp\s+dead\s+dead-lettered before it ran\s+cancelled: the app was uninstalled from this shop$/m,
    );
    expect(target.requests).toHaveLength(0); // it never ran

    expect(shown.stdout).toMatch(
      /^verification\s+unverified: not checked against the shop's API — the shop installed the platform app, and "verify" is a setting of srhooks\.config\.json's "shops" only/m,
    );
    expect(shown.stdout).not.toContain("with the shop's clientId and clientSecret");
    expect((await adminJson('events', 'show', eventId)).appShop).toBe(true);
  });

  it('shows the app_uninstalled event as the uninstall it is: no order, total or verification line', async () => {
    const [uninstall] = (await adminJson('events', 'list', '--shop', 'alpha', '--event', 'app_uninstalled'))
      .items;
    const shown = await admin('events', 'show', uninstall.id);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^source\s+the app's uninstall: ShopRenter's call to its UninstallUri/m);
    expect(shown.stdout).not.toMatch(/^(order|total|verification)\s/m);
    expect(shown.stdout).not.toContain('read the order back');
  });
});

/**
 * `srhooks deliveries reprocess --accept-shop-mismatch` against a real app-mode receiver and the
 * sandbox as ShopRenter: the app is installed on alpha and beta; the sandbox sends a Payment API
 * notification of a charge under alpha, then another status of the same charge under beta, which the
 * receiver quarantines `shop_mismatch`. A re-process without the flag leaves it quarantined and says
 * how to file it; with the flag it is filed under alpha, the charge's shop, and the app's handler runs.
 */
import type { RunningSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppModeReceiver, startAppModeReceiver } from '../../test-support/app-mode-receiver.js';
import { type CaptureServer, startCaptureServer } from '../../test-support/capture-server.js';
import { adminCli, seenOutput, tempConfigDir } from '../../test-support/run-cli.js';
import { forwardTo, type Receiver } from '../../test-support/test-receiver.js';

const config = tempConfigDir();
const ADMIN_TOKEN = 'payment-admin-token-0123456789abcdef';
const APP = {
  appId: '9',
  clientId: 'cli-payment-app',
  clientSecret: 'cli-payment-app-client-secret',
  webhookSecretKey: 'cli-payment-app-webhook-key',
};
let app: AppModeReceiver;
let sandbox: RunningSandbox;
let receiver: Receiver;
let target: CaptureServer;
let base = '';
let mismatchId = '';

const { admin, adminJson } = adminCli(config.dir, () => base, ADMIN_TOKEN);

beforeAll(async () => {
  target = await startCaptureServer();
  app = await startAppModeReceiver(config.dir, {
    app: APP,
    shops: ['alpha', 'beta'],
    adminToken: ADMIN_TOKEN,
    secret: 'payment-url-secret-0123456789abcdef',
    handlers: { audit: forwardTo(`${target.url}/audit`) },
    appHandlers: ['audit'],
  });
  ({ sandbox, receiver, base } = app);
  for (const shop of ['alpha', 'beta']) {
    expect((await sandbox.apps.install(APP.appId, shop)).install.status).toBe(302);
  }
  const notify = async (shop: string, status: string) => {
    const report = await sandbox.apps.notify(APP.appId, {
      url: `${base}/app/payments?shop=${shop}`,
      notification: { id: 8301, status },
    });
    expect(report.response.status).toBe(200);
  };
  await notify('alpha', 'pending');
  expect((await receiver.store.listDeliveries({ status: 'quarantined' })).items).toEqual([]);
  await notify('beta', 'paid');
  const [mismatch] = (await receiver.store.listDeliveries({ status: 'quarantined' })).items;
  expect(mismatch?.decodeError?.code).toBe('shop_mismatch');
  mismatchId = mismatch?.id ?? '';
});
afterAll(async () => {
  await app?.close();
  await target?.close();
  config.cleanup();
});

describe('srhooks deliveries reprocess: a payment notification quarantined shop_mismatch', () => {
  it('show says why it is quarantined', async () => {
    const shown = await admin('deliveries', 'show', mismatchId);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^shop\s+beta$/m);
    expect(shown.stdout).toMatch(/^event\s+payment_status$/m);
    expect(shown.stdout).toMatch(
      /^decode error\s+shop_mismatch: authentic payment notification not filed: it came under beta, but this charge was first seen under alpha/m,
    );
  });

  it('without --accept-shop-mismatch it stays quarantined: exit 3, naming the flag', async () => {
    const run = await admin('deliveries', 'reprocess', mismatchId);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      new RegExp(
        `^error: ${mismatchId} stays quarantined: shop_mismatch: authentic payment notification not filed: it came under beta, but this charge was first seen under alpha .*\\n` +
          `if the notification is genuine and only came under the wrong shop \\(e\\.g\\. a wrong notificationUrl\\), srhooks deliveries reprocess ${mismatchId} --accept-shop-mismatch files it under the shop its charge is bound to\\n$`,
      ),
    );
    expect(run.stderr).not.toContain('acceptShopMismatch');
    const json = await admin('deliveries', 'reprocess', mismatchId, '--json');
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'shop_mismatch', exitCode: 3 });
    expect((await adminJson('deliveries', 'show', mismatchId)).delivery).toMatchObject({
      shop: 'beta',
      status: 'quarantined',
    });
  });

  it("with --accept-shop-mismatch it is filed under alpha, the charge's shop, and the app's handler runs", async () => {
    const result = await adminJson('deliveries', 'reprocess', mismatchId, '--accept-shop-mismatch');
    expect(result).toEqual({
      receiver: base,
      deliveryId: mismatchId,
      events: [
        {
          id: expect.stringMatching(/^evt_/),
          dedupeKey: expect.stringContaining(':paid:'),
          duplicateOf: null,
        },
      ],
      duplicates: 0,
    });
    const eventId = result.events[0].id;
    expect((await adminJson('deliveries', 'show', mismatchId)).delivery).toMatchObject({
      shop: 'alpha',
      status: 'reprocessed',
    });
    await expect
      .poll(async () => (await receiver.store.getEvent(eventId))?.status, { timeout: 10_000 })
      .toBe('succeeded');
    expect(target.requests.filter((request) => request.url === '/audit').length).toBeGreaterThanOrEqual(2);
  });

  it('never printed the admin token', () => {
    for (const text of seenOutput) expect(text).not.toContain(ADMIN_TOKEN);
  });
});

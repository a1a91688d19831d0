/**
 * Rotating the URL secrets in app mode (docs/operations.md › Rotating secrets): restarted with a new secret first
 * (`SRHOOKS_SECRETS=new,old`), the receiver moves every installed shop's subscriptions to URLs signed
 * with the new one, as the start-up reconcile does for config shops — otherwise dropping the old secret
 * would make every installed shop's deliveries answer 404.
 */
import { signDeliveryPath } from '@srhooks/contracts';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReceiver } from '../app.js';
import { TEST_SECRET } from '../test-support/test-receiver.js';
import {
  type AppModeFixture,
  eventually,
  ROTATED_URL_SECRET,
  startAppModeFixture,
  withRotatedSecret,
} from './test-support/app-mode-fixture.js';

describe('app mode: URL secret rotation', () => {
  let f: AppModeFixture;
  let restarted: FastifyInstance | undefined;
  beforeAll(async () => {
    f = await startAppModeFixture({ shops: ['alpha', 'beta'] });
  });
  afterAll(async () => {
    await restarted?.close();
    await f?.close();
  });

  const urlsOn = (shop: string) =>
    (f.sandbox.sandbox.findShop(shop)?.data.webhooks ?? []).map((hook) => hook.webHookParameters[0]?.url);
  const signedWith = (shop: string, secret: string) =>
    (['order_confirm', 'order_status_change'] as const).map(
      (event) => `${f.baseUrl}${signDeliveryPath({ shop, event }, secret)}`,
    );

  it("re-registers installed shops' subscriptions with the newest secret when restarted with several", async () => {
    await f.sandbox.apps.install('55', 'alpha');
    await f.sandbox.apps.install('55', 'beta');
    await f.sandbox.apps.uninstall('55', 'beta');
    expect(urlsOn('alpha').sort()).toEqual(signedWith('alpha', TEST_SECRET).sort());

    await f.receiver.close();
    restarted = await buildReceiver(withRotatedSecret(f.config), {
      defaultMetrics: false,
      processing: { logWrite: () => {} },
      logDestination: { write: () => {} },
    });
    await restarted.listen({ port: f.config.port, host: '127.0.0.1' });

    await eventually(async () =>
      [...urlsOn('alpha')].sort().join() === signedWith('alpha', ROTATED_URL_SECRET).sort().join()
        ? true
        : undefined,
    );
    // Uninstalled shops are left alone (their token no longer works).
    expect(urlsOn('beta')).toEqual([]);
    const { order } = await f.sandbox.simulator.placeOrder('alpha', { seed: 3 });
    await f.sandbox.simulator.waitForIdle();
    expect(
      f.sandbox.simulator
        .deliveries('alpha')
        .filter((delivery) => delivery.status !== null)
        .map((delivery) => delivery.status),
    ).toEqual([200]);
    expect(order.innerId).toBeDefined();
  });
});

/**
 * `GET /admin/api/shops` (`srhooks shops --receiver`, LAST DELIVERY): a shop's last delivery is the last
 * webhook delivery from it — what tells whether its subscriptions still reach the receiver. The app's own
 * requests stored as events (the uninstall call) and Payment API notifications filed under the shop are
 * not deliveries of its webhooks, so they do not count.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppModeFixture, adminGet, startAppModeFixture } from './test-support/app-mode-fixture.js';

describe('app mode: a shop’s last delivery counts webhook deliveries only', () => {
  let f: AppModeFixture;
  beforeAll(async () => {
    f = await startAppModeFixture({ shops: ['alpha', 'beta'] });
    for (const shop of ['alpha', 'beta']) await f.sandbox.apps.install('55', shop);
  });
  afterAll(async () => {
    await f?.close();
  });

  const admin = (path: string) => adminGet(f.baseUrl, path);
  const lastDelivery = async (shop: string) =>
    ((await admin('/shops')).items as Array<{ name: string; lastDeliveryAt: string | null }>).find(
      (item) => item.name === shop,
    )?.lastDeliveryAt;
  const deliveriesOf = async (shop: string) =>
    (await admin(`/deliveries?shop=${shop}&limit=100`)).items as Array<{ event: string; receivedAt: string }>;
  const notify = (shop: string, id: number) =>
    f.sandbox.apps.notify('55', {
      url: `${f.baseUrl}/app/payments?shop=${shop}`,
      notification: { id, status: 'paid' },
    });

  it('a payment notification or the uninstall call after an order leaves the order delivery as the last', async () => {
    await f.sandbox.simulator.placeOrder('alpha', { seed: 1 });
    await f.sandbox.simulator.waitForIdle();
    const [order] = await deliveriesOf('alpha');
    expect(order?.event).toBe('order_confirm');
    expect(await lastDelivery('alpha')).toBe(order?.receivedAt);

    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await notify('alpha', 9101)).response.status).toBe(200);
    await f.sandbox.apps.uninstall('55', 'alpha');
    // Both are stored under the shop, after the order…
    expect((await deliveriesOf('alpha')).map((delivery) => delivery.event)).toEqual([
      'app_uninstalled',
      'payment_status',
      'order_confirm',
    ]);
    // …and are not its last delivery.
    expect(await lastDelivery('alpha')).toBe(order?.receivedAt);
  });

  it('a shop that only ever got a payment notification and the uninstall call has no delivery', async () => {
    expect((await notify('beta', 9201)).response.status).toBe(200);
    await f.sandbox.apps.uninstall('55', 'beta');
    expect((await deliveriesOf('beta')).length).toBe(2);
    expect(await lastDelivery('beta')).toBeNull();
  });
});

/**
 * `GET /admin/api/shops`: a config shop's `subscriptions` are the events its config lists (reconcile makes
 * them). With none listed — `srhooks listen`'s shops always — the receiver makes none and does not know what
 * the shop has (made at the shop: `srhooks webhooks create` or `sync`), so it answers `null` ("unknown"),
 * not `[]` ("none"). A real receiver (SQLite in a temporary folder), asked with app.inject.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';
import { ADMIN_TOKEN, bearer } from './test-support/admin-test-receiver.js';

let receiver: TestReceiver;

beforeAll(async () => {
  receiver = await startTestReceiver({
    adminToken: ADMIN_TOKEN,
    publicUrl: 'https://hooks.example.com',
    shops: [
      { name: 'listed', events: ['order_confirm'] },
      { name: 'specified', webhooks: [{ event: 'order_status_change', type: 'json' }] },
      { name: 'unmanaged' },
    ],
  });
});
afterAll(async () => {
  await receiver?.close();
});

describe('admin API: GET /shops, a config shop’s subscriptions', () => {
  async function subscriptionsByShop(): Promise<Record<string, unknown>> {
    const answer = await receiver.app.inject({ method: 'GET', url: '/admin/api/shops', headers: bearer() });
    expect(answer.statusCode).toBe(200);
    const items = answer.json().items as Array<{ name: string; subscriptions: unknown }>;
    return Object.fromEntries(items.map((shop) => [shop.name, shop.subscriptions]));
  }

  it('lists the events configured (in "events" or "webhooks")', async () => {
    const shops = await subscriptionsByShop();
    expect(shops.listed).toEqual([{ event: 'order_confirm' }]);
    expect(shops.specified).toEqual([{ event: 'order_status_change' }]);
  });

  it('is null, not [], for a shop with none configured: the receiver makes none and does not know the shop’s', async () => {
    expect((await subscriptionsByShop()).unmanaged).toBeNull();
  });
});

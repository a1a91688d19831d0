import { OrderProductCollectionSchema, orderIdFor } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../../test-support/test-sandbox.js';

/**
 * `GET /orderProducts?orderId=` (the order's documented `orderProducts` link; the item's fields are
 * assumed to be the delivery's, contracts' A52): what recovery reads to give a recovered order its
 * products. Over real HTTP, with the paging, errors and scope of the other collections.
 */
describe('GET /orderProducts', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox({
      shops: [
        {
          name: 'demo',
          clients: [
            { clientId: 'all', clientSecret: 'all-secret', scopes: ['order.order:read'] },
            { clientId: 'hooks', clientSecret: 'hooks-secret', scopes: ['store.webhook:read'] },
          ],
        },
      ],
    });
  });
  afterAll(async () => {
    await sb.close();
  });

  it("lists an order's products as its delivery carries them, with href, id and the order link", async () => {
    const token = await sb.token('demo', { clientId: 'all', clientSecret: 'all-secret' });
    const { order } = await sb.simulator.placeOrder('demo');
    await sb.simulator.placeOrder('demo'); // another order's products are not listed
    const delivered = order.orderProducts?.orderProduct ?? [];
    expect(delivered.length).toBeGreaterThan(0);
    const orderId = orderIdFor(order.innerId ?? '');
    const res = await sb.api('GET', `/orderProducts?orderId=${orderId}&full=1&limit=200`, { token });
    expect(res.status).toBe(200);
    const page = res.json();
    expect(page).toMatchObject({ page: '0', limit: '200', previous: null, next: null });
    const items = OrderProductCollectionSchema.parse(page).items as Record<string, unknown>[];
    expect(items.map((p) => [p.innerId, p.name, p.sku, p.quantity, p.price, p.currency, p.taxRate])).toEqual(
      delivered.map((p) => [p.innerId, p.name, p.sku, p.quantity, p.price, p.currency, p.taxRate]),
    );
    for (const [i, item] of items.entries()) {
      const path = String(delivered[i]?.innerResourceId);
      expect(`orderProducts/${item.id}`).toBe(path);
      expect(item.href).toBe(`${sb.url}/demo/api/${path}`);
      expect(item.order).toEqual({ href: `${sb.url}/demo/api/orders/${orderId}` });
      expect(item).not.toHaveProperty('innerResourceId');
      // The item its href names.
      const one = await sb.api('GET', `/${path}`, { token });
      expect(one.json()).toEqual(page.items[i]);
    }
    // The order item's link leads here.
    const linked = (await sb.api('GET', `/orders/${orderId}`, { token })).json().orderProducts.href;
    expect(linked).toBe(`${sb.url}/demo/api/orderProducts?orderId=${orderId}`);
  });

  it('pages like every collection; links only without full=1', async () => {
    const token = await sb.token('demo', { clientId: 'all', clientSecret: 'all-secret' });
    const { order } = await sb.simulator.placeOrder('demo');
    const count = order.orderProducts?.orderProduct?.length ?? 0;
    const orderId = orderIdFor(order.innerId ?? '');
    const first = (await sb.api('GET', `/orderProducts?orderId=${orderId}&limit=1`, { token })).json();
    expect(first.items).toEqual([{ href: expect.stringContaining('/orderProducts/') }]);
    if (count > 1) expect(first.next.href).toContain(`&orderId=${orderId}`);
    const past = await sb.api('GET', `/orderProducts?orderId=${orderId}&limit=1&page=${count}`, { token });
    expect(past.status).toBe(400);
    expect(past.json()).toMatchObject({ error: 40008 });
  });

  it('refuses a wrong order id, an unknown parameter and a token without order.order:read', async () => {
    const token = await sb.token('demo', { clientId: 'all', clientSecret: 'all-secret' });
    const wrong = await sb.api('GET', '/orderProducts?orderId=2', { token });
    expect(wrong.status).toBe(400);
    expect(wrong.json()).toEqual({ error: 40007, message: 'The given resource id is wrong: 2!' });
    const unknownParameter = await sb.api('GET', '/orderProducts?order=x', { token });
    expect(unknownParameter.status).toBe(400);
    expect(unknownParameter.json()).toMatchObject({ error: 40010 });
    const noOrder = await sb.api('GET', `/orderProducts?orderId=${orderIdFor('999999')}&full=1`, { token });
    expect(noOrder.json().items).toEqual([]);
    const hooksOnly = await sb.token('demo', { clientId: 'hooks', clientSecret: 'hooks-secret' });
    const refused = await sb.api('GET', '/orderProducts', { token: hooksOnly });
    expect(refused.status).toBe(401);
    expect(refused.json()).toMatchObject({ error: 40101 });
  });
});

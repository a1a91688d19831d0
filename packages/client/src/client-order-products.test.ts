import { orderIdFor } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countingFetch, startTestSandbox, type TestSandbox } from './test-support/sandbox.js';

/**
 * An order's products (`GET /orderProducts?orderId=`, the order's `orderProducts` link; item fields
 * assumed to be the delivery's, contracts' A52), against the sandbox over real HTTP: every page, many
 * orders in one batch call, the scope named when it is missing.
 */
let t: TestSandbox;

beforeAll(async () => {
  t = await startTestSandbox({
    rateLimit: false,
    shops: [
      {
        name: 'demo',
        clients: [
          { clientId: 'orders', clientSecret: 'orders-secret', scopes: ['order.order:read'] },
          { clientId: 'hooks', clientSecret: 'hooks-secret', scopes: ['store.webhook:read'] },
        ],
      },
    ],
  });
});

afterAll(async () => {
  await t.close();
});

const ORDERS = { clientId: 'orders', clientSecret: 'orders-secret' };

/** 205 products (more than one page of 200) with their own inner ids. */
function manyProducts(from: number): Record<string, unknown>[] {
  return Array.from({ length: 205 }, (_, i) => ({
    innerId: String(from + i),
    innerResourceId: `orderProducts/${Buffer.from(`orderProduct-order_product_id=${from + i}`).toString('base64')}`,
    name: `Product ${i}`,
    sku: `SKU-${i}`,
    price: '100',
    currency: 'HUF',
    taxRate: '27.0000',
    quantity: '2',
  }));
}

describe('orders.products and orders.productsOf', () => {
  it("lists an order's products as its delivery carries them, every page", async () => {
    const client = t.client({ auth: ORDERS });
    const { order } = await t.sandbox.simulator.placeOrder('demo');
    const products = await client.orders.products(`orders/${orderIdFor(order.innerId ?? '')}`);
    const delivered = order.orderProducts?.orderProduct ?? [];
    expect(delivered.length).toBeGreaterThan(0);
    expect(products.map((p) => [p.innerId, p.name, p.sku, p.quantity, p.price, p.currency])).toEqual(
      delivered.map((p) => [p.innerId, p.name, p.sku, p.quantity, p.price, p.currency]),
    );
    expect(products.map((p) => `orderProducts/${p.id}`)).toEqual(delivered.map((p) => p.innerResourceId));

    const big = await t.sandbox.simulator.placeOrder('demo', {
      order: { orderProducts: { orderProduct: manyProducts(900_000) } },
    });
    const counter = countingFetch();
    const all = await t
      .client({ auth: ORDERS, fetch: counter.fetch })
      .orders.products(orderIdFor(big.order.innerId ?? ''));
    expect(all.map((p) => p.sku)).toEqual(manyProducts(900_000).map((p) => p.sku));
    expect(counter.apiRequests()).toBe(2);
  });

  it('reads many orders’ products with one batch call (a longer list completed directly)', async () => {
    const placed = [];
    for (let i = 0; i < 3; i++) placed.push((await t.sandbox.simulator.placeOrder('demo')).order);
    const big = (
      await t.sandbox.simulator.placeOrder('demo', {
        order: { orderProducts: { orderProduct: manyProducts(800_000) } },
      })
    ).order;
    const counter = countingFetch();
    const client = t.client({ auth: ORDERS, fetch: counter.fetch });
    const ids = [...placed, big].map((o) => orderIdFor(o.innerId ?? ''));
    const found = await client.orders.productsOf([...ids, orderIdFor('999999')]);
    // One batch, then page 1 of the long list.
    expect(counter.apiRequests()).toBe(2);
    for (const order of placed)
      expect(found.get(orderIdFor(order.innerId ?? ''))?.map((p) => p.sku)).toEqual(
        order.orderProducts?.orderProduct?.map((p) => p.sku),
      );
    expect(found.get(orderIdFor(big.innerId ?? ''))).toHaveLength(205);
    expect(found.get(orderIdFor('999999'))).toEqual([]);
  });

  it('names the scope it lacks, and refuses an id that is not an order’s before sending', async () => {
    const counter = countingFetch();
    const client = t.client({
      auth: { clientId: 'hooks', clientSecret: 'hooks-secret' },
      fetch: counter.fetch,
    });
    const refused = await client.orders.products(orderIdFor('1')).catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(/^client lacks scope order\.order:read: /);
    const before = counter.apiRequests();
    await expect(client.orders.products('webHooks/abc')).rejects.toMatchObject({ field: 'orderId' });
    expect(counter.apiRequests()).toBe(before);
  });
});

describe('orders.currency', () => {
  it("reads the currency an order links to, by href or id; its code is the order's delivered currency", async () => {
    const client = t.client({ auth: ORDERS });
    const { order } = await t.sandbox.simulator.placeOrder('demo', { order: { currency: 'EUR' } });
    const apiOrder = await client.orders.get(orderIdFor(order.innerId ?? ''));
    const href = apiOrder.currency?.href ?? '';
    const byHref = await client.orders.currency(href);
    expect(byHref.code).toBe('EUR');
    expect((await client.orders.currency(byHref.id)).code).toBe('EUR');
    await expect(client.orders.currency(`orders/${orderIdFor('1')}`)).rejects.toMatchObject({
      field: 'idOrHref',
    });
  });
});

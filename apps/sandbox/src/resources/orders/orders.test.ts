import { readFileSync } from 'node:fs';
import { OrderSchema, orderIdFor, webhookIdFor } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../../test-support/test-sandbox.js';

const documentedOrder = JSON.parse(
  readFileSync(
    new URL(
      '../../../../../packages/contracts/fixtures/shoprenter/api/order/response_json_get_id.json',
      import.meta.url,
    ),
    'utf8',
  ),
);

describe('orders resource', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox();
  });
  afterAll(() => sb.close());

  it('serves orders the simulator placed, in the documented shape, at the delivery’s innerResourceId', async () => {
    const { order } = await sb.simulator.placeOrder('demo', {
      seed: 42,
      order: { comment: 'Kérem csengessen!' },
    });
    const res = await sb.api('GET', `/${order.innerResourceId}`);
    expect(res.status).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(Object.keys(documentedOrder).sort());
    expect(body).toMatchObject({
      href: `${sb.url}/demo/api/orders/${orderIdFor(order.innerId ?? '')}`,
      id: orderIdFor(order.innerId ?? ''),
      innerId: order.innerId,
      firstname: order.firstname,
      lastname: order.lastname,
      email: order.email,
      comment: 'Kérem csengessen!',
      orderStatus: { href: expect.stringContaining('/orderStatuses/') },
    });
    expect(body.total).toMatch(/^\d+\.\d{4}$/);
    // The API order's total is the gross total ("Order gross price"); the delivery's `total` is net.
    expect(Number(body.total)).toBeCloseTo(Number(order.totalGross), 2);
    expect(Number(order.total)).toBeLessThan(Number(order.totalGross));
    expect(body.dateCreated).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    const parsed = OrderSchema.parse(body);
    expect(parsed.innerId).toBe(order.innerId);
  });

  it('has one shipping mode per order: the delivery’s shippingInnerResourceId, the API’s link and the search agree', async () => {
    const modeOf = (href: string) =>
      /^shippingMode-id=(\d+)$/.exec(Buffer.from(href.split('/').pop() ?? '', 'base64').toString())?.[1];
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const { order } = await sb.simulator.placeOrder('demo', { seed: `mode-${seed}` });
      const delivered = modeOf(String(order.shippingInnerResourceId));
      expect(delivered).toMatch(/^\d+$/);
      const api = (await sb.api('GET', `/${order.innerResourceId}`)).json();
      expect(modeOf(api.shippingMode.href)).toBe(delivered);
      const found = (await sb.api('GET', `/orders?full=1&limit=200&shippingModeInnerId=${delivered}`)).json();
      expect(found.items.map((o: { innerId: string }) => o.innerId)).toContain(order.innerId);
      const full = sb.simulator.orders('demo').find((o) => o.innerId === order.innerId);
      expect(full?.shippingId).toBe(delivered);
    }
    const none = (await sb.api('GET', '/orders?full=1&limit=200&shippingModeInnerId=18')).json();
    expect(none.items).toEqual([]);
  });

  it('lists orders with paging links', async () => {
    await sb.simulator.placeOrder('demo');
    const res = (await sb.api('GET', '/orders?limit=1')).json();
    expect(res.page).toBe('0');
    expect(res.items).toHaveLength(1);
    expect(res.next.href).toMatch(/\/orders\?page=1&limit=1$/);
    const full = (await sb.api('GET', '/orders?full=1')).json();
    expect(full.items[0].innerId).toBe('1');
  });

  it('answers 40007 for another resource’s id and 404/40401 for an unknown order or outer id', async () => {
    const bad = await sb.api('GET', `/orders/${webhookIdFor(1)}`);
    expect(bad.status).toBe(400);
    expect(bad.json().error).toBe(40007);
    // `xyz` has the outer-id form (FACTS.md §9: any resource's id may be one) and names no order.
    const outer = await sb.api('GET', '/orders/xyz');
    expect(outer.status).toBe(404);
    expect(outer.json().error).toBe(40401);
    const unknown = await sb.api('GET', `/orders/${orderIdFor('99999')}`);
    expect(unknown.status).toBe(404);
    expect(unknown.json().error).toBe(40401);
  });
});

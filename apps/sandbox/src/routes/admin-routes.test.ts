import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaptureServer, startCaptureServer } from '../test-support/capture-server.js';
import { startTestSandbox, type TestSandbox, webhookBody } from '../test-support/test-sandbox.js';

describe('simulator admin routes /{shop}/_sandbox/…', () => {
  let sb: TestSandbox;
  let receiver: CaptureServer;
  beforeAll(async () => {
    sb = await startTestSandbox();
    receiver = await startCaptureServer();
    for (const event of [
      'order_confirm',
      'order_status_change',
      'abandoned_cart',
      'newsletter_subscribe',
      'newsletter_unsubscribe',
      'newsletter_update_subscriber',
    ]) {
      const res = await sb.api('POST', '/webHooks', {
        body: webhookBody(`${receiver.url}/${event}`, { event }),
      });
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => {
    await sb.close();
    await receiver.close();
  });

  it('places orders deterministically from a seed or from a given body', async () => {
    const a = await sb.call('POST', '/demo/_sandbox/orders', { body: { seed: 9 } });
    expect(a.status).toBe(201);
    const b = await sb.call('POST', '/demo/_sandbox/orders', { body: { seed: 9 } });
    const {
      innerId: idA,
      innerResourceId: _ra,
      orderHistory: _ha,
      orderProducts: pa,
      ...restA
    } = a.json().order;
    const {
      innerId: idB,
      innerResourceId: _rb,
      orderHistory: _hb,
      orderProducts: pb,
      ...restB
    } = b.json().order;
    expect(idA).not.toBe(idB);
    expect(restA).toEqual(restB);
    expect(pa.orderProduct.map((p: { sku: string }) => p.sku)).toEqual(
      pb.orderProduct.map((p: { sku: string }) => p.sku),
    );
    expect(a.json().deliveries).toHaveLength(1);

    const given = await sb.call('POST', '/demo/_sandbox/orders', {
      body: { order: { innerId: '5000', firstname: 'Ádám', lastname: 'Őz' } },
    });
    expect(given.status).toBe(201);
    expect(given.json().order).toMatchObject({
      innerId: '5000',
      firstname: 'Ádám',
      lastname: 'Őz',
      storeName: 'demo',
    });
    const clash = await sb.call('POST', '/demo/_sandbox/orders', { body: { order: { innerId: '5000' } } });
    expect(clash.status).toBe(409);
    expect(clash.json().error).toBe(40901);
    const orders = (await sb.call('GET', '/demo/_sandbox/orders')).json().orders;
    expect(orders.map((o: { innerId: string }) => o.innerId)).toContain('5000');
  });

  it('changes an order status, abandons a cart, and runs the subscriber lifecycle', async () => {
    const placed = (await sb.call('POST', '/demo/_sandbox/orders', {})).json().order;
    const changed = await sb.call('POST', `/demo/_sandbox/orders/${placed.innerId}/status`, {
      body: { status: '2', statusText: 'Csomagolás' },
    });
    expect(changed.status).toBe(200);
    expect(changed.json().order.orderHistory).toMatchObject({ status: '2', statusText: 'Csomagolás' });

    const cart = await sb.call('POST', '/demo/_sandbox/abandoned-carts', { body: { seed: 'cart' } });
    expect(cart.status).toBe(201);
    expect(cart.json().deliveries[0].event).toBe('abandoned_cart');

    const sub = await sb.call('POST', '/demo/_sandbox/subscribers', {
      body: { subscriber: { email: 'anna@example.hu' } },
    });
    expect(sub.status).toBe(201);
    const id = sub.json().subscriber.id;
    const upd = await sb.call('PUT', `/demo/_sandbox/subscribers/${id}`, {
      body: { subscriber: { firstname: 'Anna' } },
    });
    expect(upd.json().subscriber).toMatchObject({ id, firstname: 'Anna', email: 'anna@example.hu' });
    const unsub = await sb.call('POST', `/demo/_sandbox/subscribers/${id}/unsubscribe`, {});
    expect(unsub.json().subscriber.status).toBe('0');
    expect((await sb.call('GET', '/demo/_sandbox/subscribers')).json().subscribers).toHaveLength(1);

    const idle = await sb.call('GET', '/_sandbox/idle');
    expect(idle.json()).toEqual({ idle: true, pending: 0 });
    const deliveries = (
      await sb.call('GET', '/demo/_sandbox/deliveries?event=newsletter_update_subscriber')
    ).json().deliveries;
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({
      state: 'delivered',
      status: 200,
      event: 'newsletter_update_subscriber',
    });
    const failed = (await sb.call('GET', '/demo/_sandbox/deliveries?state=failed')).json().deliveries;
    expect(failed).toEqual([]);
  });

  it('reports shops and request counts', async () => {
    const shops = (await sb.call('GET', '/_sandbox/shops')).json().shops;
    expect(shops.map((s: { name: string }) => s.name)).toEqual(['demo']);
    const counts = (await sb.call('GET', '/demo/_sandbox/requests')).json();
    expect(counts.byStatus['201']).toBe(6);
    expect(counts.total).toBe(sb.requestCount('demo').total);
  });

  it('stores nothing for an order it refuses', async () => {
    const before = (await sb.call('GET', '/demo/_sandbox/orders')).json().orders.length;
    const res = await sb.call('POST', '/demo/_sandbox/orders', { body: { order: { orderProducts: 'x' } } });
    expect(res.status).toBe(400);
    expect((await sb.call('GET', '/demo/_sandbox/orders')).json().orders).toHaveLength(before);
  });

  it.each([
    ['an unknown shop', 'POST', '/nosuch/_sandbox/orders', {}, 404, 40401, /Shop 'nosuch' not found/],
    [
      'an unknown order',
      'POST',
      '/demo/_sandbox/orders/777777/status',
      { status: '2' },
      404,
      40401,
      /Order 777777 not found/,
    ],
    ['a status change without status', 'POST', '/demo/_sandbox/orders/1/status', {}, 400, 40003, /status/],
    ['a bad seed', 'POST', '/demo/_sandbox/orders', { seed: [1] }, 400, 40005, /'seed'/],
    [
      'an order that is not an object',
      'POST',
      '/demo/_sandbox/orders',
      { order: 'x' },
      400,
      40005,
      /'order'/,
    ],
    [
      'an order whose orderProducts is not a block',
      'POST',
      '/demo/_sandbox/orders',
      { order: { orderProducts: 'x' } },
      400,
      40005,
      /Wrong data in 'order\.orderProducts'/,
    ],
    [
      'an order whose email is not text',
      'POST',
      '/demo/_sandbox/abandoned-carts',
      { order: { email: { a: 1 } } },
      400,
      40005,
      /'order\.email'/,
    ],
    [
      'a subscriber whose firstname is not text',
      'POST',
      '/demo/_sandbox/subscribers',
      { subscriber: { firstname: [1] } },
      400,
      40005,
      /'subscriber\.firstname'/,
    ],
    [
      'an unknown subscriber',
      'PUT',
      '/demo/_sandbox/subscribers/999',
      { subscriber: {} },
      404,
      40401,
      /Subscriber 999/,
    ],
  ])('rejects %s', async (_name, method, path, body, status, code, message) => {
    const res = await sb.call(method, path, { body });
    expect(res.status).toBe(status);
    expect(res.json().error).toBe(code);
    expect(res.json().message).toMatch(message);
  });
});

describe('simulator admin routes: what was not found', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox();
  });
  afterAll(() => sb.close());

  it('unsubscribe on a shop without subscribers is an error, not an invented subscriber', async () => {
    expect((await sb.call('GET', '/demo/_sandbox/subscribers')).json().subscribers).toEqual([]);
    const res = await sb.call('POST', '/demo/_sandbox/subscribers/unsubscribe', { body: {} });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-sandbox-error')).toBe('no_subscriber');
    expect(res.json().message).toBe(
      'No subscriber to unsubscribe: shop demo has none. Subscribe one first (POST /demo/_sandbox/subscribers).',
    );
    expect((await sb.call('GET', '/demo/_sandbox/subscribers')).json().subscribers).toEqual([]);
    expect((await sb.call('GET', '/demo/_sandbox/deliveries')).json().deliveries).toEqual([]);
  });

  it('unsubscribe by an address the shop does not have, when it has subscribers: says so, not "subscribe someone first"', async () => {
    const subscribed = await sb.call('POST', '/demo/_sandbox/subscribers', {
      body: { subscriber: { email: 'kept@example.hu' } },
    });
    expect(subscribed.status).toBe(201);
    for (const body of [{ email: 'nobody@example.hu' }, { id: '999999' }]) {
      const res = await sb.call('POST', '/demo/_sandbox/subscribers/unsubscribe', { body });
      expect(res.status).toBe(404);
      expect(res.headers.get('x-sandbox-error')).toBe('not_found');
      const which =
        'email' in body ? 'No subscriber with that e-mail address' : 'Subscriber 999999 not found';
      expect(res.json().message).toBe(
        `${which} on shop demo (it has 1). List them with GET /demo/_sandbox/subscribers, or subscribe that one first (POST /demo/_sandbox/subscribers).`,
      );
      // the address asked for is not echoed back (personal data)
      expect(JSON.stringify(res.json())).not.toContain('nobody@');
    }
  });

  it('says in X-Sandbox-Error whether the shop or something in it was not found', async () => {
    const shop = await sb.call('POST', '/nope/_sandbox/orders', { body: {} });
    expect(shop.status).toBe(404);
    expect(shop.headers.get('x-sandbox-error')).toBe('unknown_shop');
    const order = await sb.call('POST', '/demo/_sandbox/orders/999/status', { body: { status: 5 } });
    expect(order.status).toBe(404);
    expect(order.headers.get('x-sandbox-error')).toBe('not_found');
    const subscriber = await sb.call('POST', '/demo/_sandbox/subscribers/unsubscribe', {
      body: { email: 'nobody@example.com' },
    });
    expect(subscriber.headers.get('x-sandbox-error')).toBe('not_found');
    const route = await sb.call('POST', '/demo/_sandbox/nothing-here', { body: {} });
    expect(route.headers.get('x-sandbox-error')).toBe('no_resource');
  });
});

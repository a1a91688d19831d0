import net from 'node:net';
import { decodeDelivery, type OrderItem } from '@srhooks/contracts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CaptureServer, startCaptureServer } from '../test-support/capture-server.js';
import { startTestSandbox, type TestSandbox, webhookBody } from '../test-support/test-sandbox.js';

function headerPairs(raw: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i < raw.length; i += 2) pairs.push([raw[i] ?? '', raw[i + 1] ?? '']);
  return pairs;
}

describe('deliveries: wire format, field filtering, events', () => {
  let sb: TestSandbox;
  let receiver: CaptureServer;

  beforeAll(async () => {
    sb = await startTestSandbox();
    receiver = await startCaptureServer();
  });
  afterAll(async () => {
    await sb.close();
    await receiver.close();
  });
  afterEach(async () => {
    // Each test registers its own webhooks; remove them so events do not leak into the next test.
    const list = (await sb.api('GET', '/webHooks?limit=200')).json();
    for (const item of list.items) {
      const id = item.href.split('/').pop();
      await sb.api('DELETE', `/webHooks/${id}`);
    }
    receiver.requests.length = 0;
  });

  const register = async (path: string, overrides: Record<string, unknown> = {}) => {
    const res = await sb.api('POST', '/webHooks', { body: webhookBody(`${receiver.url}${path}`, overrides) });
    expect(res.status, res.text).toBe(201);
    return res.json().id as string;
  };

  it('POSTs multipart/form-data with one `data` field and exactly ShopRenter’s headers', async () => {
    const subscriptionId = await register('/hooks/demo/order_confirm/tok?x=1');
    const { order, deliveries } = await sb.simulator.placeOrder('demo', { seed: 7 });
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({
      state: 'scheduled',
      subscriptionId,
      event: 'order_confirm',
      format: 'json',
    });
    await sb.simulator.waitForIdle();

    expect(receiver.requests).toHaveLength(1);
    const request = receiver.requests[0];
    if (!request) throw new Error('no request captured');
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/hooks/demo/order_confirm/tok?x=1');
    expect(request.continued).toBe(true);

    const pairs = headerPairs(request.rawHeaders);
    expect(pairs.map(([name]) => name)).toEqual([
      'Host',
      'User-Agent',
      'Accept',
      'Content-Length',
      'Expect',
      'Connection',
      'Content-Type',
    ]);
    const headers = Object.fromEntries(pairs);
    expect(headers).toMatchObject({
      Host: new URL(receiver.url).host,
      'User-Agent': 'ShopRenter',
      Accept: '*/*',
      Expect: '100-continue',
      Connection: 'close',
      'Content-Length': String(request.body.length),
    });
    const boundary = /^multipart\/form-data; boundary=(-{24}[0-9a-f]{16})$/.exec(
      headers['Content-Type'] ?? '',
    )?.[1];
    expect(boundary).toBeDefined();

    const recorded = sb.simulator.deliveries('demo')[0];
    expect(recorded).toMatchObject({
      state: 'delivered',
      status: 200,
      responseBody: 'OK',
      url: `${receiver.url}/hooks/demo/order_confirm/tok?x=1`,
    });
    expect(recorded?.durationMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(recorded?.at ?? '')).toBeGreaterThanOrEqual(Date.parse(recorded?.createdAt ?? ''));
    const data = recorded?.data ?? '';
    expect(request.body.toString('utf8')).toBe(
      `--${boundary}\r\nContent-Disposition: form-data; name="data"\r\n\r\n${data}\r\n--${boundary}--\r\n`,
    );

    // PHP-style JSON: compact, `\/`, non-ASCII escaped; amounts as strings like the real shop sends.
    expect(data).toMatch(/^\{"orders":\{"order":\[\{"storeName":"demo","innerId":"\d+"/);
    expect(data).toContain('"innerResourceId":"orders\\/');
    expect(data).toMatch(/\\u00[0-9a-f]{2}/);
    expect(/[^\x00-\x7f]/.test(data)).toBe(false);
    const raw = JSON.parse(data).orders.order[0];
    expect(typeof raw.total).toBe('string');
    expect(typeof raw.orderProducts.orderProduct[0].taxRate).toBe('string');

    // What a receiver decodes is the order the simulator reported.
    const decoded = decodeDelivery({
      event: 'order_confirm',
      contentType: headers['Content-Type'],
      body: request.body,
    });
    if (!('orders' in decoded)) throw new Error('expected an order delivery');
    expect(decoded.orders).toEqual([order]);
  });

  it('sends only the subscription’s fields, prefix dropped, in payload shape', async () => {
    await register('/filtered', {
      webHookParameters: [
        {
          type: 'json',
          url: `${receiver.url}/filtered`,
          fields: ['order_innerId', 'order_firstname', 'orderProduct_sku', 'orderHistory_status'],
        },
      ],
    });
    const { order } = await sb.simulator.placeOrder('demo', { seed: 'filtered' });
    await sb.simulator.waitForIdle();
    const data = JSON.parse(sb.simulator.deliveries('demo').at(-1)?.data ?? '{}');
    const products = (order.orderProducts?.orderProduct ?? []) as OrderItem[];
    expect(data).toEqual({
      orders: {
        order: [
          {
            innerId: order.innerId,
            firstname: order.firstname,
            orderHistory: { status: '1' },
            orderProducts: { orderProduct: products.map((p) => ({ sku: p.sku })) },
          },
        ],
      },
    });
  });

  it('sends XML to an xml subscription, decodable by contracts', async () => {
    await register('/xml', { webHookParameters: [{ type: 'xml', url: `${receiver.url}/xml` }] });
    const { order } = await sb.simulator.placeOrder('demo', { seed: 11 });
    await sb.simulator.waitForIdle();
    const request = receiver.requests[0];
    if (!request) throw new Error('no request captured');
    const recorded = sb.simulator.deliveries('demo').at(-1);
    expect(recorded?.format).toBe('xml');
    expect(recorded?.data).toMatch(/<orders>\s*<order>/);
    const decoded = decodeDelivery({
      event: 'order_confirm',
      contentType: String(request.headers['content-type']),
      body: request.body,
    });
    expect(decoded.format).toBe('xml');
    if (!('orders' in decoded)) throw new Error('expected an order delivery');
    expect(decoded.orders[0]?.innerId).toBe(order.innerId);
    expect(decoded.orders[0]?.lastname).toBe(order.lastname);
  });

  it('a subscription whose delivery cannot be prepared fails alone: the order and the other deliveries go on', async () => {
    await register('/good');
    await register('/broken');
    // A webhook the API would now refuse (A24), as a data file from an older version may hold it.
    const hooks = sb.sandbox.shop('demo').data.webhooks;
    const broken = hooks.at(-1);
    if (!broken) throw new Error('no webhook registered');
    broken.webHookDelay = [{ delay: 99_999_999_999, delayUnit: 'day' }];

    const placed = await sb.call('POST', '/demo/_sandbox/orders', { body: { seed: 3 } });
    expect(placed.status, placed.text).toBe(201);
    const states = placed
      .json()
      .deliveries.map((d: { url: string; state: string }) => [d.url.replace(receiver.url, ''), d.state]);
    expect(states).toEqual([
      ['/good', 'scheduled'],
      ['/broken', 'failed'],
    ]);
    const idle = await sb.call('GET', '/_sandbox/idle?timeoutMs=5000');
    expect(idle.json()).toEqual({ idle: true, pending: 0 });
    expect(receiver.requests.map((r) => r.url)).toEqual(['/good']);
    expect((await sb.api('GET', `/orders?innerId=${placed.json().order.innerId}`)).json().items).toHaveLength(
      1,
    );
  });

  it('delivers to every enabled subscription of the event, and only those', async () => {
    await register('/a');
    await register('/b', {
      webHookParameters: [
        { type: 'json', url: `${receiver.url}/b1` },
        { type: 'xml', url: `${receiver.url}/b2` },
      ],
    });
    await register('/disabled', { status: '0' });
    await register('/other-event', { event: 'order_status_change' });
    const { deliveries } = await sb.simulator.placeOrder('demo');
    expect(deliveries.map((d) => d.url.replace(receiver.url, '')).sort()).toEqual(['/a', '/b1', '/b2']);
    await sb.simulator.waitForIdle();
    expect(receiver.requests.map((r) => r.url).sort()).toEqual(['/a', '/b1', '/b2']);
  });

  it('emits order_status_change and abandoned_cart with the order history', async () => {
    await register('/status', { event: 'order_status_change' });
    await register('/abandoned', { event: 'abandoned_cart' });
    const placed = await sb.simulator.placeOrder('demo');
    expect(placed.deliveries).toEqual([]);
    const changed = await sb.simulator.changeStatus('demo', placed.order.innerId ?? '', '4');
    expect(changed.order.orderHistory).toMatchObject({ status: '4', statusText: 'Teljesítve' });
    const custom = await sb.simulator.changeStatus('demo', placed.order.innerId ?? '', '9', 'Visszaküldve');
    expect(custom.order.orderHistory?.statusText).toBe('Visszaküldve');
    const abandoned = await sb.simulator.abandonCart('demo', { seed: 5 });
    expect(abandoned.order.orderHistory?.status).toBe('0');
    await sb.simulator.waitForIdle();

    const byUrl = (path: string) => receiver.requests.filter((r) => r.url === path);
    expect(byUrl('/status')).toHaveLength(2);
    const last = decodeDelivery({
      event: 'order_status_change',
      contentType: String(byUrl('/status')[1]?.headers['content-type']),
      body: byUrl('/status')[1]?.body ?? '',
    });
    if (!('orders' in last)) throw new Error('expected orders');
    expect(last.orders[0]?.orderHistory).toMatchObject({ status: '9', statusText: 'Visszaküldve' });
    expect(byUrl('/abandoned')).toHaveLength(1);
  });

  it('a completed abandoned cart: its first status is delivered as order_confirm, later ones as order_status_change (A42)', async () => {
    await register('/confirm', { event: 'order_confirm' });
    await register('/status', { event: 'order_status_change' });
    await register('/abandoned', { event: 'abandoned_cart' });
    const cart = await sb.simulator.abandonCart('demo', { seed: 11 });
    const innerId = cart.order.innerId ?? '';
    const completed = await sb.simulator.changeStatus('demo', innerId, '2');
    expect(completed.deliveries.map((d) => d.event)).toEqual(['order_confirm']);
    const shipped = await sb.simulator.changeStatus('demo', innerId, '3');
    expect(shipped.deliveries.map((d) => d.event)).toEqual(['order_status_change']);
    await sb.simulator.waitForIdle();

    const byUrl = (path: string) => receiver.requests.filter((r) => r.url === path);
    expect([byUrl('/abandoned'), byUrl('/confirm'), byUrl('/status')].map((r) => r.length)).toEqual([
      1, 1, 1,
    ]);
    const confirm = decodeDelivery({
      event: 'order_confirm',
      contentType: String(byUrl('/confirm')[0]?.headers['content-type']),
      body: byUrl('/confirm')[0]?.body ?? '',
    });
    if (!('orders' in confirm)) throw new Error('expected orders');
    expect(confirm.orders[0]).toMatchObject({ innerId, orderHistory: { status: '2' } });
  });

  it('emits the three newsletter events with the subscriber', async () => {
    await register('/sub', { event: 'newsletter_subscribe' });
    await register('/unsub', { event: 'newsletter_unsubscribe' });
    await register('/upd', {
      event: 'newsletter_update_subscriber',
      webHookParameters: [
        { type: 'json', url: `${receiver.url}/upd`, fields: ['subscriber_id', 'subscriber_lastname'] },
      ],
    });
    const { subscriber } = await sb.simulator.subscribe('demo', { seed: 3 });
    await sb.simulator.updateSubscriber('demo', {
      id: subscriber.id ?? '',
      subscriber: { lastname: 'Őrsi' },
    });
    const gone = await sb.simulator.unsubscribe('demo', { email: subscriber.email ?? '' });
    expect(gone.subscriber.status).toBe('0');
    await sb.simulator.waitForIdle();

    const data = (path: string) => receiver.requests.find((r) => r.url === path)?.body.toString('utf8') ?? '';
    expect(data('/sub')).toContain('"newsletter":{"subscriber":[{"id":"');
    expect(data('/sub')).toContain('"status":1');
    expect(data('/unsub')).toContain('"status":0');
    expect(data('/upd')).toContain(
      `{"newsletter":{"subscriber":[{"id":"${subscriber.id}","lastname":"\\u0150rsi"}]}}`,
    );
  });
});

describe('deliveries: failures, timeouts and delays are recorded, never retried', () => {
  let sb: TestSandbox;
  let receiver: CaptureServer;

  beforeAll(async () => {
    sb = await startTestSandbox({
      deliveryTimeoutMs: 300,
      expectContinueTimeoutMs: 150,
      timeScale: 86_400 * 4,
    });
    receiver = await startCaptureServer((request) => {
      if (request.url === '/fail') return { status: 500, body: 'boom' };
      if (request.url === '/slow') return { status: 200, delayMs: 3000 };
      return { status: 200, body: 'OK' };
    });
  });
  afterAll(async () => {
    await sb.close();
    await receiver.close();
  });

  const register = async (url: string, overrides: Record<string, unknown> = {}) => {
    const res = await sb.api('POST', '/webHooks', { body: webhookBody(url, overrides) });
    expect(res.status, res.text).toBe(201);
  };

  it('records a non-2xx answer, a refused connection and a timeout as failed attempts', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    await register(`${receiver.url}/fail`);
    await register(`${receiver.url}/slow`);
    await register(`http://127.0.0.1:${deadPort}/down`);
    await sb.simulator.placeOrder('demo');
    await sb.simulator.waitForIdle();

    const byPath = Object.fromEntries(
      sb.simulator.deliveries('demo').map((d) => [new URL(d.url).pathname, d]),
    );
    expect(byPath['/fail']).toMatchObject({
      state: 'failed',
      status: 500,
      responseBody: 'boom',
      error: 'the receiver answered 500',
    });
    expect(byPath['/slow']).toMatchObject({ state: 'failed', error: 'no answer within 300 ms' });
    expect(byPath['/slow']?.status).toBeUndefined();
    expect(byPath['/down']?.state).toBe('failed');
    // the reason in words, as the CLI says it (sandbox order prints it), with the address and the code
    expect(byPath['/down']?.error).toBe(
      `connection refused: nothing listens at ${new URL(byPath['/down']?.url ?? '').host} (ECONNREFUSED)`,
    );
    // No retries: one request each to the receiver that answered.
    expect(receiver.requests.filter((r) => r.url === '/fail')).toHaveLength(1);
  });

  it('sends the body after a short wait when the receiver never answers 100 Continue', async () => {
    const received: { head: string; body: string; firstChunk: string }[] = [];
    const server = net.createServer((socket) => {
      let buffer = '';
      let firstChunk: string | undefined;
      socket.on('data', (chunk) => {
        firstChunk ??= chunk.toString('latin1');
        buffer += chunk.toString('latin1');
        const end = buffer.indexOf('\r\n\r\n');
        const length = Number(/content-length: (\d+)/i.exec(buffer)?.[1] ?? -1);
        if (end !== -1 && buffer.length - end - 4 >= length) {
          received.push({ head: buffer.slice(0, end), body: buffer.slice(end + 4), firstChunk });
          socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const res = await sb.api('POST', '/webHooks', {
        body: webhookBody(`http://127.0.0.1:${port}/no-continue`, { event: 'newsletter_subscribe' }),
      });
      expect(res.status).toBe(201);
      await sb.simulator.subscribe('demo');
      await sb.simulator.waitForIdle();
      expect(received).toHaveLength(1);
      expect(received[0]?.head).toContain('Expect: 100-continue');
      // The headers went out alone; the body followed only after the wait.
      expect(received[0]?.firstChunk.endsWith('\r\n\r\n')).toBe(true);
      expect(received[0]?.firstChunk).not.toContain('name="data"');
      expect(received[0]?.body).toMatch(/name="data"\r\n\r\n\{"newsletter"/);
      expect(sb.simulator.deliveries('demo').at(-1)).toMatchObject({ state: 'delivered', status: 200 });
    } finally {
      server.close();
    }
  });

  it('holds a delivery for webHookDelay, scaled by timeScale (1 day = 250 ms here)', async () => {
    await register(`${receiver.url}/delayed`, {
      event: 'abandoned_cart',
      webHookDelay: [{ delay: '1', delayUnit: 'day' }],
    });
    receiver.requests.length = 0;
    const { deliveries } = await sb.simulator.abandonCart('demo');
    expect(deliveries).toHaveLength(1);
    const scheduled = deliveries[0];
    expect(Date.parse(scheduled?.scheduledFor ?? '') - Date.parse(scheduled?.createdAt ?? '')).toBe(250);
    expect(receiver.requests).toHaveLength(0);
    expect(sb.simulator.deliveries('demo').at(-1)?.state).toBe('scheduled');

    await sb.simulator.waitForIdle();
    expect(receiver.requests.map((r) => r.url)).toEqual(['/delayed']);
    const done = sb.simulator.deliveries('demo').at(-1);
    expect(done?.state).toBe('delivered');
    expect(Date.parse(done?.at ?? '')).toBeGreaterThanOrEqual(Date.parse(done?.scheduledFor ?? ''));
  });
});

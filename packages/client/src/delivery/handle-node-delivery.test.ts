import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import { encodeDelivery, samplePayload, signDeliveryPath } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleNodeDelivery } from './handle-node-delivery.js';

const secret = 'receiver-secret-for-node-tests-0001';
const rawCapture = readFileSync(
  new URL(
    '../../../../packages/contracts/fixtures/shoprenter/deliveries/order_confirm.multipart.http',
    import.meta.url,
  ),
  'latin1',
);

let server: Server;
let port: number;
let lastBody: unknown;
let preParse: ((req: IncomingMessage) => Promise<void>) | undefined;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    if (preParse) await preParse(req);
    const result = await handleNodeDelivery(req, {
      secrets: ['old-secret-that-was-rotated-out-0', secret],
      maxBytes: 64 * 1024,
    });
    const body = result.ok
      ? { shop: result.shop, event: result.event, secretIndex: result.secretIndex, delivery: result.delivery }
      : result.error.toJSON();
    lastBody = body;
    res.writeHead(result.ok ? 200 : result.error.status, {
      'content-type': 'application/json',
      connection: 'close',
    });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Sends bytes exactly as given over a raw socket (as ShopRenter's curl does) and returns the final status. */
function sendRaw(raw: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(Buffer.from(raw, 'latin1')));
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
    });
    socket.on('end', () => {
      const final = answer.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(final)?.[1]);
      resolve({ status, body: final.split('\r\n\r\n').slice(1).join('\r\n\r\n') });
    });
    socket.on('error', reject);
  });
}

describe('handleNodeDelivery', () => {
  it('accepts the captured real order_confirm delivery on its signed URL', async () => {
    const path = signDeliveryPath({ shop: 'demo', event: 'order_confirm' }, secret);
    const raw = rawCapture.replace('/hooks/demo/order_confirm/REPLACE_WITH_TOKEN', path);
    const { status } = await sendRaw(raw);
    expect(status).toBe(200);
    const body = lastBody as {
      shop: string;
      event: string;
      secretIndex: number;
      delivery: { format: string; orders: { innerId: string; innerResourceId: string }[] };
    };
    expect(body.shop).toBe('demo');
    expect(body.event).toBe('order_confirm');
    expect(body.secretIndex).toBe(1);
    expect(body.delivery.format).toBe('json');
    expect(body.delivery.orders[0]?.innerId).toBe('190');
    expect(body.delivery.orders[0]?.innerResourceId).toBe('orders/b3JkZXItb3JkZXJfaWQ9MTkw');
  });

  it('works when mounted under a prefix and reads XML deliveries', async () => {
    const encoded = encodeDelivery('order_status_change', samplePayload('order_status_change', 7), {
      format: 'xml',
    });
    const path = `/shoprenter${signDeliveryPath({ shop: 'demo', event: 'order_status_change' }, secret)}`;
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers: { 'content-type': encoded.contentType },
      body: new Uint8Array(encoded.body),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { delivery: { format: string; orders: unknown[] } };
    expect(body.delivery.format).toBe('xml');
    expect(body.delivery.orders.length).toBeGreaterThan(0);
  });

  it('answers 404 for a URL signed with another secret, without reading further', async () => {
    const path = signDeliveryPath(
      { shop: 'demo', event: 'order_confirm' },
      'some-other-secret-0123456789abc',
    );
    const { status } = await sendRaw(
      rawCapture.replace('/hooks/demo/order_confirm/REPLACE_WITH_TOKEN', path),
    );
    expect(status).toBe(404);
    expect(lastBody).toMatchObject({ error: 'unknown_delivery_url' });
  });

  it('answers 404 for a token signed for another event', async () => {
    const token = signDeliveryPath({ shop: 'demo', event: 'abandoned_cart' }, secret).split('/').at(-1);
    const response = await fetch(`http://127.0.0.1:${port}/hooks/demo/order_confirm/${token}`, {
      method: 'POST',
      body: 'x',
    });
    expect(response.status).toBe(404);
  });

  it('answers 405 to GET', async () => {
    const response = await fetch(
      `http://127.0.0.1:${port}${signDeliveryPath({ shop: 'demo', event: 'order_confirm' }, secret)}`,
    );
    expect(response.status).toBe(405);
    expect(await response.json()).toMatchObject({ error: 'method_not_allowed' });
  });

  it('answers 413 past maxBytes', async () => {
    const path = signDeliveryPath({ shop: 'demo', event: 'order_confirm' }, secret);
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orders: { order: [{ innerId: '1', comment: 'x'.repeat(70 * 1024) }] } }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: 'body_too_large' });
  });

  it('answers 400 naming the problem for a broken body, 415 for an unknown content type', async () => {
    const path = signDeliveryPath({ shop: 'demo', event: 'order_confirm' }, secret);
    const broken = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"orders":{"order":[{"innerId":',
    });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ error: 'invalid_delivery', reason: 'invalid_json' });
    const wrongType = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: 'abc',
    });
    expect(wrongType.status).toBe(415);
  });

  it('refuses the captured delivery with a key repeated inside its order (400 duplicate_key naming key and path), as one in its envelope', async () => {
    const path = signDeliveryPath({ shop: 'demo', event: 'order_confirm' }, secret);
    const captured = rawCapture.replace('/hooks/demo/order_confirm/REPLACE_WITH_TOKEN', path);
    // The same length, so Content-Length still holds: the order's "phone" becomes a second "email".
    const phone = '"phone":"+36304573549"';
    const repeated = captured.replace(phone, `"email":"${'x'.repeat(phone.length - 10)}"`);
    expect(repeated).not.toBe(captured);
    expect(repeated.length).toBe(captured.length);
    const { status } = await sendRaw(repeated);
    expect(status).toBe(400);
    expect(lastBody).toEqual({
      error: 'invalid_delivery',
      message: expect.stringMatching(
        /^The JSON has the key "email" twice in one object \(at orders\.order\[0\]\.email\)/,
      ),
      reason: 'duplicate_key',
      path: 'orders.order[0].email',
    });
  });

  it('refuses a compressed body it reads itself by its Content-Encoding; takes one a parser inflated', async () => {
    const path = signDeliveryPath({ shop: 'demo', event: 'newsletter_subscribe' }, secret);
    const payload = JSON.stringify(samplePayload('newsletter_subscribe', 4));
    const send = () =>
      fetch(`http://127.0.0.1:${port}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: new Uint8Array(gzipSync(payload)),
      });
    // before: 400 with reason invalid_utf8 (the gzip bytes read as text)
    const refused = await send();
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ reason: 'unsupported_content_encoding' });
    // express.raw() inflates gzip itself and leaves the header: the Buffer it leaves is the delivery
    preParse = async (req) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      (req as IncomingMessage & { body?: unknown }).body = gunzipSync(Buffer.concat(chunks));
    };
    try {
      const inflated = await send();
      expect(inflated.status).toBe(200);
    } finally {
      preParse = undefined;
    }
  });

  it('uses a Buffer body left by express.raw() and refuses one already parsed to an object', async () => {
    const path = signDeliveryPath({ shop: 'demo', event: 'newsletter_subscribe' }, secret);
    const payload = JSON.stringify(samplePayload('newsletter_subscribe', 3));
    preParse = async (req) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      (req as IncomingMessage & { body?: unknown }).body = Buffer.concat(chunks);
    };
    try {
      const raw = await fetch(`http://127.0.0.1:${port}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: payload,
      });
      expect(raw.status).toBe(200);
      expect(
        ((await raw.json()) as { delivery: { subscribers: unknown[] } }).delivery.subscribers,
      ).toHaveLength(1);
      preParse = async (req) => {
        for await (const _ of req) {
          // drain, like express.json() does
        }
        (req as IncomingMessage & { body?: unknown }).body = JSON.parse(payload);
      };
      const parsed = await fetch(`http://127.0.0.1:${port}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: payload,
      });
      expect(parsed.status).toBe(500);
      expect(await parsed.json()).toMatchObject({ error: 'body_already_consumed' });
      // Fastify's JSON parser: the raw request drained, the parsed body kept on Fastify's own request.
      preParse = async (req) => {
        for await (const _ of req) {
          // drain
        }
      };
      const fastify = await fetch(`http://127.0.0.1:${port}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: payload,
      });
      expect(fastify.status).toBe(500);
      const answer = (await fastify.json()) as { error: string; message: string };
      expect(answer.error).toBe('body_already_consumed');
      expect(answer.message).toMatch(/express\.raw\(\{type: "\*\/\*"\}\)/);
      expect(answer.message).toMatch(
        /Fastify: register the route in a plugin of its own whose content-type parser reads nothing/,
      );
    } finally {
      preParse = undefined;
    }
  });
});

import { gzipSync } from 'node:zlib';
import { encodeDelivery, samplePayload, signDeliveryUrl } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import { handleDelivery } from './handle-delivery.js';

const secret = 'receiver-secret-for-fetch-tests-01';
const urlFor = (event: Parameters<typeof signDeliveryUrl>[1]['event'], s = secret) =>
  signDeliveryUrl('https://hooks.example.com', { shop: 'demo', event }, s);

function request(
  url: string,
  init: { method?: string; contentType?: string; body?: BodyInit } = {},
): Request {
  return new Request(url, {
    method: init.method ?? 'POST',
    ...(init.contentType ? { headers: { 'content-type': init.contentType } } : {}),
    ...(init.body === undefined ? {} : { body: init.body }),
  });
}

describe('handleDelivery (Fetch API Request)', () => {
  it('verifies and decodes a multipart JSON order delivery into typed orders', async () => {
    const payload = samplePayload('order_confirm', 11);
    const encoded = encodeDelivery('order_confirm', payload, { format: 'json' });
    const result = await handleDelivery(
      request(urlFor('order_confirm'), {
        contentType: encoded.contentType,
        body: new Uint8Array(encoded.body),
      }),
      { secrets: secret },
    );
    if (!result.ok) throw result.error;
    expect(result.shop).toBe('demo');
    expect(result.event).toBe('order_confirm');
    expect(result.delivery.event).toBe('order_confirm');
    if (result.delivery.event !== 'order_confirm') throw new Error('narrowing failed');
    expect(result.delivery.orders[0]?.innerId).toBe(
      String((payload as { orders: { order: { innerId: unknown }[] } }).orders.order[0]?.innerId),
    );
  });

  it('refuses a compressed body by its Content-Encoding (400 invalid_delivery, reason unsupported_content_encoding)', async () => {
    // before: invalid_delivery with reason invalid_utf8 (the gzip bytes read as text)
    const encoded = encodeDelivery('order_confirm', samplePayload('order_confirm', 12), { format: 'json' });
    const result = await handleDelivery(
      new Request(urlFor('order_confirm'), {
        method: 'POST',
        headers: { 'content-type': encoded.contentType, 'content-encoding': 'gzip' },
        body: new Uint8Array(gzipSync(encoded.body)),
      }),
      { secrets: secret },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({
      code: 'invalid_delivery',
      status: 400,
      reason: 'unsupported_content_encoding',
    });
    expect(result.error.message).toContain('Content-Encoding "gzip"');
  });

  it('decodes newsletter deliveries sent as XML', async () => {
    const encoded = encodeDelivery('newsletter_unsubscribe', samplePayload('newsletter_unsubscribe', 2), {
      format: 'xml',
    });
    const result = await handleDelivery(
      request(urlFor('newsletter_unsubscribe'), {
        contentType: encoded.contentType,
        body: new Uint8Array(encoded.body),
      }),
      { secrets: [secret] },
    );
    expect(result.ok).toBe(true);
    if (result.ok && 'subscribers' in result.delivery) {
      expect(result.delivery.format).toBe('xml');
      expect(result.delivery.subscribers).toHaveLength(1);
    } else {
      throw new Error('expected a newsletter delivery');
    }
  });

  it.each([
    [
      'a URL signed with another secret',
      () => request(urlFor('order_confirm', 'x'.repeat(32)), { body: '{}' }),
      404,
      'unknown_delivery_url',
    ],
    [
      'a URL without a token',
      () => request('https://hooks.example.com/hooks/demo/order_confirm', { body: '{}' }),
      404,
      'unknown_delivery_url',
    ],
    ['a GET', () => request(urlFor('order_confirm'), { method: 'GET' }), 405, 'method_not_allowed'],
    [
      'a body over maxBytes',
      () => request(urlFor('order_confirm'), { contentType: 'application/json', body: 'x'.repeat(2048) }),
      413,
      'body_too_large',
    ],
    [
      'the wrong envelope for the event',
      () =>
        request(urlFor('order_confirm'), {
          contentType: 'application/json',
          body: '{"newsletter":{"subscriber":[]}}',
        }),
      400,
      'invalid_delivery',
    ],
  ])('refuses %s with %i', async (_name, make, status, code) => {
    const result = await handleDelivery(make(), { secrets: [secret], maxBytes: 1024 });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.status).toBe(status);
      expect(result.error.code).toBe(code);
      expect(result.error.message.length).toBeGreaterThan(20);
    }
  });
});

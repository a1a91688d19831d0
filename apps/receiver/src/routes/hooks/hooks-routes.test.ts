/**
 * POST /hooks end to end against a real receiver on port 0 with a real SQLite file: the captured
 * ShopRenter deliveries replayed byte for byte over a raw socket, duplicates, every bad-body class,
 * the body limit and the other accepted formats (forged URLs and the IP allow-list: hooks-forged.test.ts).
 */

import { gzipSync } from 'node:zlib';
import { deliveryToken, encodeDelivery, sampleOrder, signDeliveryPath } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskDecodeMessage } from '../../personal-data/personal-data-mask.js';
import { deliveryBody, deliveryRequest } from '../../test-support/delivery-fixtures.js';
import { sendRaw } from '../../test-support/raw-http.js';
import {
  OLD_SECRET,
  startTestReceiver,
  TEST_SECRET,
  type TestReceiver,
} from '../../test-support/test-receiver.js';
import { type IngestAnswer, post } from './test-support/hooks-post.js';

describe('POST /hooks: genuine deliveries', () => {
  let receiver: TestReceiver;
  beforeAll(async () => {
    receiver = await startTestReceiver({
      handlers: { stdout: { type: 'log' }, erp: { type: 'log', events: ['order_status_change'] } },
      shops: [
        { name: 'demo', events: ['order_confirm', 'newsletter_subscribe'], handlers: ['stdout', 'erp'] },
      ],
    });
  });
  afterAll(async () => {
    await receiver.close();
  });

  it('stores the captured order_confirm replayed byte for byte, Expect: 100-continue answered first', async () => {
    const token = deliveryToken({ shop: 'demo', event: 'order_confirm' }, TEST_SECRET);
    const response = await sendRaw(receiver.port, deliveryRequest('order_confirm', token));
    expect(response.interim).toEqual([100]);
    expect(response.statusCode).toBe(200);
    const answer = JSON.parse(response.body) as IngestAnswer;
    expect(answer).toEqual({ ok: true, deliveryId: expect.any(String), events: 1, duplicates: 0 });

    const stored = await receiver.app.store.getDelivery(answer.deliveryId);
    expect(stored).not.toBeNull();
    expect(stored?.status).toBe('stored');
    expect(stored?.shop).toBe('demo');
    expect(stored?.event).toBe('order_confirm');
    expect(stored?.remoteAddress).toBe('127.0.0.1');
    expect(stored?.rawBody.equals(deliveryBody('order_confirm').body)).toBe(true);
    expect(stored?.contentType).toBe(
      'multipart/form-data; boundary=------------------------3f1c9a2e7d4b8e10',
    );
    expect(stored?.headers).toMatchObject({
      'user-agent': 'ShopRenter',
      expect: '100-continue',
      'content-type': 'multipart/form-data; boundary=------------------------3f1c9a2e7d4b8e10',
    });
    expect(stored?.events).toHaveLength(1);
    const event = stored?.events[0];
    expect(event?.dedupeKey).toBe('order:190');
    expect(event?.subjectId).toBe('190');
    expect(event?.duplicateOf).toBeNull();
    const order = event?.payload as Record<string, unknown>;
    expect(order.shippingZoneName).toBe('Hajdú-Bihar');
    expect(order.email).toBe('test.peter@example.com');
    expect(order.innerResourceId).toBe('orders/b3JkZXItb3JkZXJfaWQ9MTkw');
    expect(order.shippingNetPrice).toBe(970.0714);
    const products = (order.orderProducts as { orderProduct: { name: string }[] }).orderProduct;
    expect(products.map((product) => product.name)).toEqual([
      '30 Multi-Colored Tulips',
      'Test product for sale',
    ]);

    // One job per handler configured for demo/order_confirm (erp only takes status changes).
    const detail = await receiver.app.store.getEvent(event?.id ?? '');
    expect(detail?.jobs.map((job) => job.handler)).toEqual(['stdout']);
  });

  it('answers the same delivery again with duplicates: 1 and keeps one event', async () => {
    const token = deliveryToken({ shop: 'demo', event: 'order_confirm' }, TEST_SECRET);
    const again = await sendRaw(receiver.port, deliveryRequest('order_confirm', token));
    expect(again.statusCode).toBe(200);
    const answer = JSON.parse(again.body) as IngestAnswer;
    expect(answer).toMatchObject({ ok: true, events: 1, duplicates: 1 });

    const events = await receiver.app.store.listEvents({ shop: 'demo', event: 'order_confirm' });
    const originals = events.items.filter((event) => event.duplicateOf === null);
    expect(originals).toHaveLength(1);
    const second = await receiver.app.store.getDelivery(answer.deliveryId);
    expect(second?.events[0]?.duplicateOf).toBe(originals[0]?.id);
    const duplicateDetail = await receiver.app.store.getEvent(second?.events[0]?.id ?? '');
    expect(duplicateDetail?.jobs).toEqual([]);
  });

  it('stores the captured newsletter_subscribe with the subscriber decoded', async () => {
    const token = deliveryToken({ shop: 'demo', event: 'newsletter_subscribe' }, TEST_SECRET);
    const response = await sendRaw(receiver.port, deliveryRequest('newsletter_subscribe', token));
    expect(response.interim).toEqual([100]);
    expect(response.statusCode).toBe(200);
    const answer = JSON.parse(response.body) as IngestAnswer;
    expect(answer).toMatchObject({ ok: true, events: 1, duplicates: 0 });
    const stored = await receiver.app.store.getDelivery(answer.deliveryId);
    const subscriber = stored?.events[0]?.payload as Record<string, unknown>;
    expect(stored?.events[0]?.subjectId).toBe('1');
    expect(subscriber).toMatchObject({
      id: '1',
      firstname: 'Test',
      lastname: 'Peter',
      email: 'Test@shoprenter.hu',
    });
  });

  it('accepts URLs signed with an older secret still in the list (rotation)', async () => {
    const payload = { orders: { order: [sampleOrder('rotation')] } };
    const encoded = encodeDelivery('order_confirm', payload, { format: 'json' });
    const { status, json } = await post(
      receiver,
      signDeliveryPath({ shop: 'demo', event: 'order_confirm' }, OLD_SECRET),
      encoded.body,
      {
        'content-type': encoded.contentType,
      },
    );
    expect(status).toBe(200);
    expect(json.events).toBe(1);
  });

  it('stores every order of a multi-order delivery as its own event', async () => {
    const payload = {
      orders: { order: [sampleOrder('multi-1'), sampleOrder('multi-2'), sampleOrder('multi-3')] },
    };
    const encoded = encodeDelivery('order_status_change', payload, { format: 'json' });
    const { status, json } = await post(
      receiver,
      receiver.path('demo', 'order_status_change'),
      encoded.body,
      {
        'content-type': encoded.contentType,
      },
    );
    expect(status).toBe(200);
    expect(json).toMatchObject({ ok: true, events: 3, duplicates: 0 });
    const stored = await receiver.app.store.getDelivery(json.deliveryId);
    expect(stored?.events.map((event) => event.subjectId)).toEqual(
      payload.orders.order.map((order) => String(order.innerId)),
    );
    // both handlers take order_status_change
    const detail = await receiver.app.store.getEvent(stored?.events[0]?.id ?? '');
    expect(detail?.jobs.map((job) => job.handler).sort()).toEqual(['erp', 'stdout']);
  });

  it('accepts the other formats through the codec: XML multipart, raw JSON, raw XML, urlencoded', async () => {
    const order = sampleOrder('formats');
    const payload = { orders: { order: [order] } };
    const xml = encodeDelivery('abandoned_cart', payload, { format: 'xml' });
    const json = encodeDelivery('abandoned_cart', payload, { format: 'json' });
    const cases: [string, Buffer | string][] = [
      [xml.contentType, xml.body],
      ['application/json', json.data],
      ['application/xml; charset=utf-8', xml.data],
      ['application/x-www-form-urlencoded', `data=${encodeURIComponent(json.data)}`],
    ];
    const answers: IngestAnswer[] = [];
    for (const [contentType, body] of cases) {
      const { status, json: answer } = await post(receiver, receiver.path('demo', 'abandoned_cart'), body, {
        'content-type': contentType,
      });
      expect(status, contentType).toBe(200);
      answers.push(answer);
    }
    expect(answers.map((answer) => [answer.events, answer.duplicates])).toEqual([
      [1, 0],
      [1, 1],
      [1, 1],
      [1, 1],
    ]);
    const first = await receiver.app.store.getDelivery(answers[0]?.deliveryId ?? '');
    expect(first?.events[0]?.payload).toMatchObject({ innerId: String(order.innerId) });
  });
});

describe('POST /hooks: authentic but undecodable bodies are quarantined', () => {
  let receiver: TestReceiver;
  beforeAll(async () => {
    receiver = await startTestReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });

  const boundary = '------------------------3f1c9a2e7d4b8e10';
  const multipart = (name: string, value: string | Buffer) =>
    Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`),
      Buffer.isBuffer(value) ? value : Buffer.from(value),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
  const multipartType = `multipart/form-data; boundary=${boundary}`;
  const deep = `${'{"a":'.repeat(200)}1${'}'.repeat(200)}`;

  const cases: {
    name: string;
    contentType: string | null;
    body: Buffer;
    code: string;
    headers?: Record<string, string>;
  }[] = [
    {
      name: 'wrong content type',
      contentType: 'text/plain',
      body: Buffer.from('hello'),
      code: 'unsupported_content_type',
    },
    {
      name: 'an invalid media type',
      contentType: 'garbage',
      body: Buffer.from('hello'),
      code: 'unsupported_content_type',
    },
    {
      name: 'no content type',
      contentType: null,
      body: Buffer.from('{"orders":{"order":[]}}'),
      code: 'unsupported_content_type',
    },
    {
      name: 'multipart without data',
      contentType: multipartType,
      body: multipart('payload', '{}'),
      code: 'missing_data_field',
    },
    {
      name: 'multipart with two data fields',
      contentType: multipartType,
      body: Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="data"\r\n\r\n{"orders":{"order":[{"innerId":"5007"}]}}\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="data"\r\n\r\n{"orders":{"order":[{"innerId":"5008"}]}}\r\n--${boundary}--\r\n`,
      ),
      code: 'duplicate_data_field',
    },
    {
      name: 'urlencoded with two data fields',
      contentType: 'application/x-www-form-urlencoded',
      body: Buffer.from(
        `data=${encodeURIComponent('{"orders":{"order":[{"innerId":"5007"}]}}')}&data=${encodeURIComponent('{"orders":{"order":[{"innerId":"5008"}]}}')}`,
      ),
      code: 'duplicate_data_field',
    },
    {
      name: 'multipart without its closing line',
      contentType: multipartType,
      body: Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="data"\r\n\r\n{"orders":`),
      code: 'malformed_multipart',
    },
    {
      name: 'truncated JSON',
      contentType: multipartType,
      body: multipart('data', '{"orders":{"order":[{"innerId":"1"'),
      code: 'invalid_json',
    },
    {
      name: 'wrong envelope',
      contentType: multipartType,
      body: multipart('data', '{"order":{"innerId":"1"}}'),
      code: 'wrong_envelope',
    },
    {
      name: 'XML with a DOCTYPE',
      contentType: multipartType,
      body: multipart(
        'data',
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><orders><order><innerId>&a;</innerId></order></orders>',
      ),
      code: 'xml_doctype_forbidden',
    },
    { name: '200-deep nesting', contentType: multipartType, body: multipart('data', deep), code: 'too_deep' },
    {
      name: 'non-UTF-8 bytes',
      contentType: multipartType,
      body: multipart('data', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])),
      code: 'invalid_utf8',
    },
    { name: 'an empty body', contentType: multipartType, body: Buffer.alloc(0), code: 'empty_body' },
    {
      // before: invalid_utf8 at offset 1 (the compressed bytes read as text)
      name: 'a gzipped body (Content-Encoding: gzip)',
      contentType: 'application/json',
      body: gzipSync(Buffer.from('{"orders":{"order":[{"innerId":"1"}]}}')),
      headers: { 'content-encoding': 'gzip' },
      code: 'unsupported_content_encoding',
    },
  ];

  for (const testCase of cases) {
    it(`quarantines ${testCase.name} (${testCase.code}) and answers 400`, async () => {
      const headers: Record<string, string> = {
        ...(testCase.contentType === null ? {} : { 'content-type': testCase.contentType }),
        ...testCase.headers,
      };
      const { status, json } = await post(
        receiver,
        receiver.path('demo', 'order_confirm'),
        testCase.body,
        headers,
      );
      expect(status).toBe(400);
      expect(json.ok).toBe(false);
      expect(json.error?.code).toBe(testCase.code);
      expect(json.error?.message.length).toBeGreaterThan(10);
      expect(json.deliveryId).toEqual(expect.any(String));

      expect(json.error).not.toHaveProperty('value');

      const stored = await receiver.app.store.getDelivery(json.deliveryId);
      expect(stored?.status).toBe('quarantined');
      expect(stored?.decodeError?.code).toBe(testCase.code);
      // The answer's message is the stored one with what the sender sent [hidden].
      expect(json.error?.message).toBe(maskDecodeMessage(stored?.decodeError?.message ?? ''));
      // A refused Content-Type is named: the header is the protocol's, not personal data.
      if (testCase.code === 'unsupported_content_type' && testCase.contentType !== null) {
        expect(json.error?.message).toContain(
          `Content-Type ${JSON.stringify(testCase.contentType)} is not accepted`,
        );
      }
      expect(stored?.decodeError?.detail?.part).toBe(json.error?.part);
      expect(stored?.decodeError?.detail?.path).toBe(json.error?.path);
      expect(stored?.rawBody.equals(testCase.body)).toBe(true);
      expect(stored?.contentType).toBe(testCase.contentType ?? '');
      expect(stored?.events).toEqual([]);
    });
  }

  it('names the offending field of an invalid payload', async () => {
    const order = {
      ...sampleOrder('bad-field'),
      orderProducts: { orderProduct: [{ innerId: '1', quantity: 'many' }] },
    };
    const encoded = encodeDelivery('order_confirm', { orders: { order: [order] } } as never, {
      format: 'json',
    });
    const { status, json } = await post(receiver, receiver.path('demo', 'order_confirm'), encoded.body, {
      'content-type': encoded.contentType,
    });
    expect(status).toBe(400);
    expect(json.error?.code).toBe('invalid_field');
    expect(json.error?.path).toBe('orders.order[0].orderProducts.orderProduct[0].quantity');
  });

  it("answers a bad field's part and path but never the value the sender sent; stores the value with the delivery", async () => {
    // A value from the sender in a field where it does not belong (here: a name and address as a quantity).
    const order = {
      ...sampleOrder('personal-field'),
      orderProducts: { orderProduct: [{ innerId: '1', quantity: 'Kovács Éva, 1051 Budapest' }] },
    };
    const encoded = encodeDelivery('order_confirm', { orders: { order: [order] } } as never, {
      format: 'json',
    });
    const { status, json } = await post(receiver, receiver.path('demo', 'order_confirm'), encoded.body, {
      'content-type': encoded.contentType,
    });
    expect(status).toBe(400);
    expect(json.error).toMatchObject({
      code: 'invalid_field',
      part: 'field',
      path: 'orders.order[0].orderProducts.orderProduct[0].quantity',
    });
    expect(json.error).not.toHaveProperty('value');
    expect(json.error?.message).toContain('(got [hidden])');
    expect(JSON.stringify(json)).not.toContain('Kovács');

    const stored = await receiver.app.store.getDelivery(json.deliveryId);
    expect(stored?.decodeError?.detail).toEqual({
      part: 'field',
      path: 'orders.order[0].orderProducts.orderProduct[0].quantity',
      value: 'Kovács Éva, 1051 Budapest',
    });
    expect(stored?.decodeError?.message).toContain('Kovács Éva, 1051 Budapest');
  });
});

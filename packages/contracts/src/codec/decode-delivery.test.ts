import { describe, expect, expectTypeOf, it } from 'vitest';
import { DeliveryDecodeError } from '../errors.js';
import { NEWSLETTER_EVENTS, ORDER_EVENTS, WEBHOOK_EVENTS, type WebhookEvent } from '../events.js';
import { samplePayload } from '../samples/index.js';
import type { OrderItem, OrdersEnvelopeInput, Subscriber } from '../schemas/delivery.js';
import { DEFAULT_DECODE_LIMITS, type DecodeDeliveryInput, decodeDelivery } from './decode-delivery.js';
import { encodeDelivery } from './encode-delivery.js';
import { writeMultipartFormData } from './multipart.js';
import { boundaryOf, readCapturedRequest, readSamplePayload } from './test-support/captured-deliveries.js';

const orderCapture = readCapturedRequest('order_confirm.multipart.http');
const newsletterCapture = readCapturedRequest('newsletter_subscribe.multipart.http');
const orderJson = JSON.stringify(readSamplePayload('order_confirm.json'));

function decodeError(input: DecodeDeliveryInput): DeliveryDecodeError {
  try {
    decodeDelivery(input);
  } catch (error) {
    if (error instanceof DeliveryDecodeError) return error;
    throw error;
  }
  throw new Error('expected a DeliveryDecodeError');
}

function multipartWith(fields: Array<{ name: string; value: string }>, boundary = 'b0undary') {
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    body: writeMultipartFormData(fields, boundary),
  };
}

describe('decodeDelivery on the captured wire format', () => {
  it('order_confirm: values decoded, accents unescaped, amounts as numbers', () => {
    const decoded = decodeDelivery({
      event: 'order_confirm',
      contentType: orderCapture.headers['content-type'],
      body: orderCapture.body,
    });
    expect(decoded.event).toBe('order_confirm');
    expect(decoded.format).toBe('json');
    expect(decoded.orders).toHaveLength(1);
    const order = decoded.orders[0]!;
    expect(order.innerId).toBe('190');
    expect(order.innerResourceId).toBe('orders/b3JkZXItb3JkZXJfaWQ9MTkw');
    expect(order.shippingZoneName).toBe('Hajdú-Bihar');
    expect(order.paymentZoneName).toBe('Hajdú-Bihar');
    expect(order.shippingNetPrice).toBe(970.0714);
    expect(order.shippingGrossPrice).toBe(1006);
    expect(order.paymentNetPrice).toBe(0);
    expect(order.couponGrossPrice).toBeNull();
    expect(order.total).toBe(9945);
    expect(order.totalGross).toBe(11206);
    expect(order.taxPrice).toBe(255);
    expect(order.orderHistory).toEqual({
      status: '1',
      statusText: 'Pending',
      comment: '',
      dateAdded: '2025-12-01 20:57:40',
    });
    const products = order.orderProducts?.orderProduct ?? [];
    expect(products.map((p) => [p.sku, p.price, p.taxRate, p.quantity])).toEqual([
      ['996000004', 945, 27, 1],
      ['TTA1234', 9000, 0, 1],
    ]);
    expect(products[0]?.image).toBe(
      'https://shopname.api.myshoprenter.hu/custom/demo/image/data/product/PF_11_00000000M232_VA0211_W1_PF.jpg',
    );
    expect(products[0]?.volume?.volumeUnit).toEqual([
      { unit: 'cm', language: 'hu' },
      { unit: 'cm', language: 'en' },
    ]);
    expect(products[1]?.weight?.weight).toBe(0);
    expect(decoded.data.startsWith('{"orders":{"order":[{"storeName":"demo"')).toBe(true);
    expect(decoded.data).toContain('Hajd\\u00fa-Bihar');
  });

  it('newsletter_subscribe: subscriber fields, status as text', () => {
    const decoded = decodeDelivery({
      event: 'newsletter_subscribe',
      contentType: newsletterCapture.headers['content-type'],
      body: newsletterCapture.body,
    });
    expect(decoded.subscribers).toEqual([
      {
        id: '1',
        firstname: 'Test',
        lastname: 'Peter',
        email: 'Test@shoprenter.hu',
        phone: '+36201234567',
        status: '1',
        language: '1',
        hash: 'b53807cef8e6582bc95c31f4b5ac17f8',
        subscribe_date: '2023-01-20 11:11:11',
      },
    ]);
  });

  it('the same body as a string decodes the same', () => {
    const fromBuffer = decodeDelivery({
      event: 'order_confirm',
      contentType: orderCapture.headers['content-type'],
      body: orderCapture.body,
    });
    const fromString = decodeDelivery({
      event: 'order_confirm',
      contentType: orderCapture.headers['content-type'],
      body: orderCapture.body.toString('utf8'),
    });
    expect(fromString).toEqual(fromBuffer);
  });

  it('decode(encode(decode(x))) equals decode(x), JSON and XML; re-encoded JSON keeps the ShopRenter shape', () => {
    const first = decodeDelivery({
      event: 'order_confirm',
      contentType: orderCapture.headers['content-type'],
      body: orderCapture.body,
    });
    for (const format of ['json', 'xml'] as const) {
      const encoded = encodeDelivery('order_confirm', { orders: { order: first.orders } }, { format });
      const again = decodeDelivery({
        event: 'order_confirm',
        contentType: encoded.contentType,
        body: encoded.body,
      });
      expect(again.format).toBe(format);
      expect(again.orders).toEqual(first.orders);
    }
    const { data } = encodeDelivery('order_confirm', { orders: { order: first.orders } }, { format: 'json' });
    const reparsed = JSON.parse(data) as { orders: { order: Array<Record<string, unknown>> } };
    expect(Array.isArray(reparsed.orders.order)).toBe(true);
    expect(Object.keys(reparsed.orders.order[0]!).sort()).toEqual(
      Object.keys(JSON.parse(orderJson).orders.order[0]).sort(),
    );
    expect(data).toContain('"innerResourceId":"orders\\/b3JkZXItb3JkZXJfaWQ9MTkw"');
    expect(data).toContain('"shippingZoneName":"Hajd\\u00fa-Bihar"');
  });
});

describe('round trip decode(encode(sample)) for every event and format', () => {
  for (const event of WEBHOOK_EVENTS) {
    for (const format of ['json', 'xml'] as const) {
      it(`${event} as ${format}`, () => {
        for (const seed of [1, 2, 'kovacs-eva']) {
          const payload = samplePayload(event, seed);
          const encoded = encodeDelivery(event, payload, { format });
          const decoded = decodeDelivery({ event, contentType: encoded.contentType, body: encoded.body });
          expect(decoded.format).toBe(format);
          expect(decoded.data).toBe(encoded.data);
          if ('orders' in payload) expect(decoded).toMatchObject({ orders: payload.orders.order });
          else expect(decoded).toMatchObject({ subscribers: payload.newsletter.subscriber });
          expect('orders' in decoded ? decoded.orders : decoded.subscribers).toStrictEqual(
            'orders' in payload ? payload.orders.order : payload.newsletter.subscriber,
          );
        }
      });
    }
  }
});

describe('decodeDelivery accepts the other transports', () => {
  it.each([
    ['application/json', orderJson],
    ['application/json; charset=UTF-8', orderJson],
    ['Application/JSON', orderJson],
    ['application/x-www-form-urlencoded', `data=${encodeURIComponent(orderJson)}&other=1`],
  ])('%s', (contentType, body) => {
    const decoded = decodeDelivery({ event: 'order_confirm', contentType, body });
    expect(decoded.format).toBe('json');
    expect(decoded.orders[0]?.shippingZoneName).toBe('Hajdú-Bihar');
    expect(decoded.orders[0]?.orderProducts?.orderProduct).toHaveLength(2);
  });

  it.each(['application/xml', 'text/xml; charset=utf-8'])('raw XML as %s', (contentType) => {
    const { data } = encodeDelivery('order_status_change', samplePayload('order_status_change', 7), {
      format: 'xml',
    });
    const decoded = decodeDelivery({ event: 'order_status_change', contentType, body: data });
    expect(decoded.format).toBe('xml');
    expect(decoded.orders).toEqual(samplePayload('order_status_change', 7).orders.order);
  });

  it('XML inside the multipart data field is detected by its first character', () => {
    const xml = `  \n<?xml version="1.0"?><newsletter><subscriber><id>5</id><email>a@example.com</email><status>0</status></subscriber></newsletter>`;
    const decoded = decodeDelivery({
      event: 'newsletter_unsubscribe',
      ...multipartWith([{ name: 'data', value: xml }]),
    });
    expect(decoded.format).toBe('xml');
    expect(decoded.subscribers).toEqual([{ id: '5', email: 'a@example.com', status: '0' }]);
  });

  it('a single order object instead of a list is read as a one-element list (PHP/XML quirk)', () => {
    const single = JSON.stringify({
      orders: {
        order: { innerId: '7', total: '100', orderProducts: { orderProduct: { sku: 'X', quantity: '2' } } },
      },
    });
    const decoded = decodeDelivery({
      event: 'abandoned_cart',
      contentType: 'application/json',
      body: single,
    });
    expect(decoded.orders).toEqual([
      { innerId: '7', total: 100, orderProducts: { orderProduct: [{ sku: 'X', quantity: 2 }] } },
    ]);
  });

  it('unknown fields are kept', () => {
    const body = JSON.stringify({ orders: { order: [{ innerId: '1', brandNewField: { a: ['x'] } }] } });
    const decoded = decodeDelivery({ event: 'order_confirm', contentType: 'application/json', body });
    expect(decoded.orders[0]).toEqual({ innerId: '1', brandNewField: { a: ['x'] } });
  });
});

describe('decodeDelivery names exactly what is wrong', () => {
  it('unsupported content type lists the accepted ones', () => {
    const error = decodeError({ event: 'order_confirm', contentType: 'text/plain', body: orderJson });
    expect(error.code).toBe('unsupported_content_type');
    expect(error.part).toBe('content-type');
    expect(error.value).toBe('text/plain');
    expect(error.message).toContain(
      'multipart/form-data, application/json, application/xml, text/xml, application/x-www-form-urlencoded',
    );
  });

  it('a missing content type is unsupported_content_type', () => {
    expect(decodeError({ event: 'order_confirm', contentType: undefined, body: orderJson })).toMatchObject({
      code: 'unsupported_content_type',
      message: expect.stringContaining('(missing)'),
    });
  });

  it('multipart without a data field names the fields that were there', () => {
    const error = decodeError({
      event: 'order_confirm',
      ...multipartWith([
        { name: 'payload', value: orderJson },
        { name: 'token', value: 'x' },
      ]),
    });
    expect(error.code).toBe('missing_data_field');
    expect(error.part).toBe('form');
    expect(error.value).toEqual(['payload', 'token']);
    expect(error.message).toContain('fields present: "payload", "token"');
  });

  it('a form with two data fields is duplicate_data_field (multipart and urlencoded): none is taken', () => {
    const first = '{"orders":{"order":[{"innerId":"5007"}]}}';
    const second = '{"orders":{"order":[{"innerId":"5008"}]}}';
    const multipart = decodeError({
      event: 'order_confirm',
      ...multipartWith([
        { name: 'data', value: first },
        { name: 'data', value: second },
      ]),
    });
    expect(multipart).toMatchObject({ code: 'duplicate_data_field', part: 'form', path: 'data', value: 2 });
    expect(multipart.message).toContain('2 "data" fields');
    const urlencoded = decodeError({
      event: 'order_confirm',
      contentType: 'application/x-www-form-urlencoded',
      body: `data=${encodeURIComponent(first)}&other=1&data=${encodeURIComponent(second)}`,
    });
    expect(urlencoded).toMatchObject({ code: 'duplicate_data_field', part: 'form', path: 'data', value: 2 });
  });

  it('urlencoded without data is missing_data_field; a bad escape is invalid_urlencoded', () => {
    expect(
      decodeError({
        event: 'order_confirm',
        contentType: 'application/x-www-form-urlencoded',
        body: 'json=1',
      }),
    ).toMatchObject({ code: 'missing_data_field', value: ['json'] });
    expect(
      decodeError({
        event: 'order_confirm',
        contentType: 'application/x-www-form-urlencoded',
        body: 'data=%7B%ZZ',
      }),
    ).toMatchObject({ code: 'invalid_urlencoded', part: 'form' });
  });

  it('truncated JSON is invalid_json with the position', () => {
    const truncated = orderJson.slice(0, 120);
    const error = decodeError({
      event: 'order_confirm',
      ...multipartWith([{ name: 'data', value: truncated }]),
    });
    expect(error.code).toBe('invalid_json');
    expect(error.part).toBe('document');
    expect(error.message).toMatch(/^Invalid JSON at position 120 \(line 1, column 121/);
  });

  it('a syntax error in the middle gives its position', () => {
    const broken = '{"orders":{"order":[{"innerId":"1",}]}}';
    expect(
      decodeError({ event: 'order_confirm', contentType: 'application/json', body: broken }).message,
    ).toContain('position 35');
  });

  it('{"order":…} is wrong_envelope and says what was expected', () => {
    const error = decodeError({
      event: 'order_confirm',
      contentType: 'application/json',
      body: JSON.stringify({ order: [{ innerId: '1' }] }),
    });
    expect(error.code).toBe('wrong_envelope');
    expect(error.part).toBe('envelope');
    expect(error.value).toEqual(['order']);
    expect(error.message).toContain('expects {"orders":{"order":[…]}}');
  });

  it('a newsletter envelope sent to an order event (and the reverse) is wrong_envelope', () => {
    const newsletter = JSON.stringify(samplePayload('newsletter_subscribe', 3));
    for (const event of ORDER_EVENTS) {
      const error = decodeError({ event, contentType: 'application/json', body: newsletter });
      expect(error.code).toBe('wrong_envelope');
      expect(error.message).toContain('This is a newsletter delivery');
    }
    for (const event of NEWSLETTER_EVENTS) {
      expect(decodeError({ event, contentType: 'application/json', body: orderJson }).code).toBe(
        'wrong_envelope',
      );
    }
  });

  it.each([
    ['a JSON list', '[1,2]', 'got a list'],
    ['orders as a list', '{"orders":[{"innerId":"1"}]}', '"orders" is a list'],
    ['order as a number', '{"orders":{"order":5}}', '"orders.order" is a number'],
  ])('%s is wrong_envelope', (_name, body, fragment) => {
    const error = decodeError({ event: 'order_confirm', contentType: 'application/json', body });
    expect(error.code).toBe('wrong_envelope');
    expect(error.message).toContain(fragment);
  });

  it('an invalid field gives its full path and value', () => {
    const payload = readSamplePayload('order_confirm.json') as OrdersEnvelopeInput;
    const broken = structuredClone(payload) as {
      orders: { order: Array<{ orderProducts: { orderProduct: Array<Record<string, unknown>> } }> };
    };
    broken.orders.order[0]!.orderProducts.orderProduct[1]!.quantity = 'két darab';
    const error = decodeError({
      event: 'order_confirm',
      contentType: 'application/json',
      body: JSON.stringify(broken),
    });
    expect(error.code).toBe('invalid_field');
    expect(error.part).toBe('field');
    expect(error.path).toBe('orders.order[0].orderProducts.orderProduct[1].quantity');
    expect(error.value).toBe('két darab');
    expect(error.message).toContain('orders.order[0].orderProducts.orderProduct[1].quantity');
  });

  it('an invalid number names its value once, whole', () => {
    const value = "<img src=x onerror=document.title='XSS14'>";
    const body = JSON.stringify({ orders: { order: [{ innerId: '1', total: value }] } });
    const error = decodeError({ event: 'order_confirm', contentType: 'application/json', body });
    expect(error.message).toBe(
      `Field orders.order[0].total is invalid: expected a number (got ${JSON.stringify(value)}).`,
    );
    expect(error.message.split('XSS14')).toHaveLength(2);
  });

  it('an invalid field inside a single-object list still reports index 0 and the value', () => {
    const body = JSON.stringify({ orders: { order: { innerId: '1', total: { amount: 5 } } } });
    const error = decodeError({ event: 'order_confirm', contentType: 'application/json', body });
    expect(error).toMatchObject({
      code: 'invalid_field',
      path: 'orders.order[0].total',
      value: { amount: 5 },
    });
  });

  it('XML with a DOCTYPE, an ENTITY, or billion laughs is xml_doctype_forbidden', () => {
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE orders [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><orders><order><comment>&xxe;</comment></order></orders>';
    const laughs = [
      '<?xml version="1.0"?>',
      '<!DOCTYPE lolz [',
      ' <!ENTITY lol "lol">',
      ...Array.from(
        { length: 9 },
        (_, i) => ` <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`,
      ),
      ']>',
      '<orders><order><comment>&lol9;</comment></order></orders>',
    ].join('\n');
    const plainDoctype = '<!DOCTYPE orders><orders><order><innerId>1</innerId></order></orders>';
    for (const xml of [xxe, laughs, plainDoctype]) {
      const error = decodeError({ event: 'order_confirm', contentType: 'application/xml', body: xml });
      expect(error.code).toBe('xml_doctype_forbidden');
      expect(error.part).toBe('document');
      expect(error.message).toContain('DOCTYPE');
    }
    const viaMultipart = decodeError({
      event: 'order_confirm',
      ...multipartWith([{ name: 'data', value: laughs }]),
    });
    expect(viaMultipart.code).toBe('xml_doctype_forbidden');
  });

  it('an undeclared entity without a DOCTYPE is invalid_xml, and broken XML gives line and column', () => {
    const entity = decodeError({
      event: 'order_confirm',
      contentType: 'text/xml',
      body: '<orders><order><comment>&xxe;</comment></order></orders>',
    });
    expect(entity.code).toBe('invalid_xml');
    expect(entity.message).toContain('unknown entity &xxe;');
    const broken = decodeError({
      event: 'order_confirm',
      contentType: 'text/xml',
      body: '<orders>\n<order><innerId>1</order>\n</orders>',
    });
    expect(broken.code).toBe('invalid_xml');
    expect(broken.message).toMatch(/line 2, column \d+/);
  });

  it('a body over 5 MB is body_too_large; exactly the limit passes the size check', () => {
    const big = Buffer.alloc(5 * 1024 * 1024, 0x20);
    const error = decodeError({ event: 'order_confirm', contentType: 'application/json', body: big });
    expect(error.code).toBe('body_too_large');
    expect(error.value).toBe(5 * 1024 * 1024);
    expect(error.message).toContain(`at most ${DEFAULT_DECODE_LIMITS.maxBytes} bytes`);
    const atLimit = Buffer.concat([
      Buffer.from(orderJson),
      Buffer.alloc(DEFAULT_DECODE_LIMITS.maxBytes - Buffer.byteLength(orderJson), 0x20),
    ]);
    expect(
      decodeDelivery({ event: 'order_confirm', contentType: 'application/json', body: atLimit }).orders,
    ).toHaveLength(1);
  });

  it('custom limits apply', () => {
    expect(
      decodeError({
        event: 'order_confirm',
        contentType: 'application/json',
        body: orderJson,
        limits: { maxBytes: 100 },
      }).code,
    ).toBe('body_too_large');
    expect(
      decodeError({
        event: 'order_confirm',
        contentType: 'application/json',
        body: orderJson,
        limits: { maxDepth: 5 },
      }).code,
    ).toBe('too_deep');
  });

  it.each([200, 10_000, 1_000_000])('%i-deep JSON nesting is too_deep, not a stack overflow', (depth) => {
    const deep = `{"orders":{"order":[${'['.repeat(depth)}${']'.repeat(depth)}]}}`;
    const error = decodeError({ event: 'order_confirm', contentType: 'application/json', body: deep });
    expect(error.code).toBe('too_deep');
    expect(error.message).toContain('more than 64 levels');
    const unclosed = decodeError({
      event: 'order_confirm',
      contentType: 'application/json',
      body: '['.repeat(depth),
    });
    expect(unclosed.code).toBe('too_deep');
  });

  it.each([200, 10_000])('%i-deep XML nesting is too_deep', (depth) => {
    const deep = `<orders><order>${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}</order></orders>`;
    expect(decodeError({ event: 'order_confirm', contentType: 'application/xml', body: deep }).code).toBe(
      'too_deep',
    );
  });

  it('non-UTF-8 bytes are invalid_utf8 with the offset', () => {
    // "Hajdú" in ISO-8859-2: ú is 0xFA
    const latin2 = Buffer.concat([
      Buffer.from('{"orders":{"order":[{"shippingZoneName":"Hajd'),
      Buffer.from([0xfa]),
      Buffer.from('-Bihar"}]}}'),
    ]);
    const error = decodeError({ event: 'order_confirm', contentType: 'application/json', body: latin2 });
    expect(error.code).toBe('invalid_utf8');
    expect(error.part).toBe('body');
    expect(error.message).toContain('offset 45');
    expect(error.value).toBe('fa2d426968617222');
  });

  it('a multipart body without its closing boundary is malformed_multipart', () => {
    const truncated = orderCapture.body.subarray(0, orderCapture.body.length - 50);
    const error = decodeError({
      event: 'order_confirm',
      contentType: orderCapture.headers['content-type'],
      body: truncated,
    });
    expect(error.code).toBe('malformed_multipart');
    expect(error.part).toBe('form');
    expect(error.message).toContain('closing "--------------------------3f1c9a2e7d4b8e10--" line is missing');
  });

  it('a boundary that does not match the body is malformed_multipart', () => {
    const error = decodeError({
      event: 'order_confirm',
      contentType: 'multipart/form-data; boundary=------------------------0000000000000000',
      body: orderCapture.body,
    });
    expect(error.code).toBe('malformed_multipart');
    expect(error.message).toContain('does not match the body');
  });

  it('multipart without a boundary parameter is malformed_multipart', () => {
    expect(
      decodeError({ event: 'order_confirm', contentType: 'multipart/form-data', body: orderCapture.body }),
    ).toMatchObject({
      code: 'malformed_multipart',
      part: 'content-type',
    });
  });

  it('an empty body and an empty data field are empty_body', () => {
    expect(decodeError({ event: 'order_confirm', contentType: 'application/json', body: '' }).code).toBe(
      'empty_body',
    );
    expect(
      decodeError({ event: 'order_confirm', ...multipartWith([{ name: 'data', value: ' ' }]) }),
    ).toMatchObject({
      code: 'empty_body',
      part: 'form',
    });
  });

  it('errors serialise to JSON without a stack', () => {
    const error = decodeError({
      event: 'order_confirm',
      contentType: 'application/json',
      body: '{"order":1}',
    });
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      code: 'wrong_envelope',
      part: 'envelope',
      message: error.message,
      value: ['order'],
    });
  });
});

describe('hostile input: random mutations of a valid delivery', () => {
  it('2,000 truncations and byte flips never throw anything but DeliveryDecodeError', () => {
    let state = 0x5eed;
    const random = (n: number): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state % n;
    };
    const xml = encodeDelivery('order_confirm', samplePayload('order_confirm', 11), {
      format: 'xml',
      boundary: 'xyz',
    });
    const sources = [
      {
        event: 'order_confirm' as WebhookEvent,
        contentType: orderCapture.headers['content-type'],
        body: orderCapture.body,
      },
      { event: 'order_confirm' as WebhookEvent, contentType: xml.contentType, body: xml.body },
      {
        event: 'newsletter_subscribe' as WebhookEvent,
        contentType: newsletterCapture.headers['content-type'],
        body: newsletterCapture.body,
      },
    ];
    const interesting = [
      0x00, 0x0a, 0x0d, 0x22, 0x2d, 0x3c, 0x3e, 0x5b, 0x5d, 0x7b, 0x7d, 0x26, 0x5c, 0xc3, 0xff,
    ];
    const codes = new Map<string, number>();
    let decodedOk = 0;
    for (let i = 0; i < 2000; i++) {
      const source = sources[i % sources.length]!;
      let body = Buffer.from(source.body);
      const mutation = random(3);
      if (mutation === 0) body = body.subarray(0, random(body.length));
      else {
        const flips = 1 + random(4);
        for (let k = 0; k < flips; k++) {
          body[random(body.length)] = mutation === 1 ? random(256) : interesting[random(interesting.length)]!;
        }
      }
      try {
        decodeDelivery({ event: source.event, contentType: source.contentType, body });
        decodedOk++;
      } catch (error) {
        if (!(error instanceof DeliveryDecodeError)) {
          throw new Error(`mutation ${i} threw ${(error as Error).name}: ${(error as Error).message}`);
        }
        codes.set(error.code, (codes.get(error.code) ?? 0) + 1);
      }
    }
    expect(decodedOk + [...codes.values()].reduce((a, b) => a + b, 0)).toBe(2000);
    expect(codes.get('malformed_multipart')).toBeGreaterThan(0);
    expect(codes.get('invalid_json')).toBeGreaterThan(0);
    expect(codes.get('invalid_xml')).toBeGreaterThan(0);
    expect(codes.get('invalid_utf8')).toBeGreaterThan(0);
  });
});

describe('decodeDelivery guards its own inputs', () => {
  it('narrows the result type by the event it is given', () => {
    const order = decodeDelivery({
      event: 'abandoned_cart',
      contentType: 'application/json',
      body: orderJson,
    });
    expectTypeOf(order.orders).toEqualTypeOf<OrderItem[]>();
    expectTypeOf(order.event).toEqualTypeOf<'abandoned_cart'>();
    // @ts-expect-error an order delivery has no subscribers
    expect(order.subscribers).toBeUndefined();
    const body = JSON.stringify(samplePayload('newsletter_update_subscriber', 2));
    const newsletter = decodeDelivery({
      event: 'newsletter_update_subscriber',
      contentType: 'application/json',
      body,
    });
    expectTypeOf(newsletter.subscribers).toEqualTypeOf<Subscriber[]>();
    expect(newsletter.subscribers[0]?.id).toBe(
      samplePayload('newsletter_update_subscriber', 2).newsletter.subscriber[0]?.id,
    );
  });

  it('an unknown event is a caller bug: InvalidEventError', () => {
    expect(() =>
      decodeDelivery({
        event: 'order_shipped' as WebhookEvent,
        contentType: 'application/json',
        body: orderJson,
      }),
    ).toThrow(/unknown event "order_shipped"; allowed: order_confirm/);
  });

  it('the boundary from the captured header is the one in the body', () => {
    expect(boundaryOf(orderCapture.headers['content-type'])).toBe('------------------------3f1c9a2e7d4b8e10');
  });
});

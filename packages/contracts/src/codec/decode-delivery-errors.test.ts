import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { NEWSLETTER_EVENTS, ORDER_EVENTS } from '../events.js';
import { samplePayload } from '../samples/index.js';
import type { OrdersEnvelopeInput } from '../schemas/delivery.js';
import { DEFAULT_DECODE_LIMITS, decodeDelivery } from './decode-delivery.js';
import { readCapturedRequest, readSamplePayload } from './test-support/captured-deliveries.js';
import { decodeError, multipartWith } from './test-support/decode-expectations.js';

const orderCapture = readCapturedRequest('order_confirm.multipart.http');
const orderJson = JSON.stringify(readSamplePayload('order_confirm.json'));

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

  it('wrong_envelope names at most 8 keys of at most 40 characters each (the message never carries a body)', () => {
    const long = 'k'.repeat(100_000);
    const keys = [long, ...Array.from({ length: 12 }, (_, i) => `key${i}`)];
    const error = decodeError({
      event: 'order_confirm',
      contentType: 'application/json',
      body: JSON.stringify(Object.fromEntries(keys.map((key) => [key, 1]))),
    });
    expect(error.code).toBe('wrong_envelope');
    expect(error.message).toContain(`got an object with keys "${'k'.repeat(40)}…", "key0", "key1",`);
    expect(error.message).not.toContain('key7');
    expect(error.message.length).toBeLessThan(400);
    expect(error.value).toEqual(keys); // the stored detail keeps every key whole
  });

  it('a newsletter envelope sent to an order event (and the reverse) is wrong_envelope', () => {
    const newsletter = JSON.stringify(samplePayload('newsletter_subscribe', 3));
    for (const event of ORDER_EVENTS) {
      const error = decodeError({ event, contentType: 'application/json', body: newsletter });
      expect(error.code).toBe('wrong_envelope');
      expect(error.message).toContain('This is a newsletter delivery');
    }
    for (const event of NEWSLETTER_EVENTS) {
      const error = decodeError({ event, contentType: 'application/json', body: orderJson });
      expect(error.code).toBe('wrong_envelope');
      expect(error.message).toContain('This is an order delivery'); // was "a orders delivery"
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

  it.each([
    [3, '(and 2 more: orders.order[0].totalGross, orders.order[0].taxPrice).'],
    [
      5,
      '(and 4 more: orders.order[0].shippingGrossPrice, orders.order[0].total, orders.order[0].totalGross, …).',
    ],
  ])(
    '%i invalid fields: the others listed, an ellipsis when the count names more than three',
    (count, end) => {
      // Found by the inspector QA: "(and 6 more: a, b, c)" read as if the list were complete.
      const fields = ['total', 'taxPrice', 'totalGross', 'shippingNetPrice', 'shippingGrossPrice'];
      const order = Object.fromEntries([
        ['innerId', '1'],
        ...fields.slice(0, count).map((field) => [field, 'not a number']),
      ]);
      const body = JSON.stringify({ orders: { order: [order] } });
      const error = decodeError({ event: 'order_confirm', contentType: 'application/json', body });
      expect(error.message.endsWith(end), error.message).toBe(true);
    },
  );

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

  it('a compressed body (Content-Encoding other than identity) is unsupported_content_encoding, not misread as text', () => {
    // before: a gzipped delivery was invalid_utf8 at offset 1, a br one decoded as if plain
    const gzipped = gzipSync(Buffer.from(orderJson));
    for (const coding of ['gzip', ' GZIP ', 'br', 'deflate, identity']) {
      const error = decodeError({
        event: 'order_confirm',
        contentType: 'application/json',
        contentEncoding: coding,
        body: gzipped,
      });
      expect(error.code).toBe('unsupported_content_encoding');
      expect(error.part).toBe('body');
      expect(error.message).toContain(`Content-Encoding "${coding.trim()}"`);
      expect(error.message).toContain('Send the body without Content-Encoding');
    }
    // identity, empty or absent: read as sent
    for (const contentEncoding of ['identity', '', undefined]) {
      const decoded = decodeDelivery({
        event: 'order_confirm',
        contentType: 'application/json',
        contentEncoding,
        body: orderJson,
      });
      expect(decoded.orders.length).toBeGreaterThan(0);
    }
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

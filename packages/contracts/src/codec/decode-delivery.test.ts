import { describe, expect, expectTypeOf, it } from 'vitest';
import { DeliveryDecodeError } from '../errors.js';
import { WEBHOOK_EVENTS, type WebhookEvent } from '../events.js';
import { samplePayload } from '../samples/index.js';
import type { OrderItem, Subscriber } from '../schemas/delivery.js';
import { decodeDelivery } from './decode-delivery.js';
import { encodeDelivery } from './encode-delivery.js';
import { boundaryOf, readCapturedRequest, readSamplePayload } from './test-support/captured-deliveries.js';
import { multipartWith } from './test-support/decode-expectations.js';

const orderCapture = readCapturedRequest('order_confirm.multipart.http');
const newsletterCapture = readCapturedRequest('newsletter_subscribe.multipart.http');
const orderJson = JSON.stringify(readSamplePayload('order_confirm.json'));

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

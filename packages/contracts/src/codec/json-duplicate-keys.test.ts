import { describe, expect, it } from 'vitest';
import type { DeliveryDecodeError } from '../errors.js';
import { samplePayload } from '../samples/index.js';
import { decodeDelivery } from './decode-delivery.js';
import { encodeDelivery } from './encode-delivery.js';
import { isJsonDepthWithin, scanJsonDepth } from './json-document.js';
import { countTreeKeys, firstDuplicateKey } from './json-duplicate-keys.js';

// JSON.parse keeps the last of two equal keys: {"orders":{"order":[A]},"orders":{"order":[B]}} decoded to
// B alone, A dropped without a word (a form's second `data` field is refused for the same reason).

function decodeError(event: 'order_confirm' | 'newsletter_subscribe', body: string): DeliveryDecodeError {
  try {
    decodeDelivery({ event, contentType: 'application/json', body });
  } catch (error) {
    return error as DeliveryDecodeError;
  }
  throw new Error('decoded');
}

describe('a JSON delivery whose envelope repeats a key', () => {
  it.each([
    [
      'orders twice',
      'order_confirm',
      '{"orders":{"order":[{"innerId":"1"}]},"orders":{"order":[{"innerId":"2"}]}}',
      'orders',
    ],
    [
      'order twice',
      'order_confirm',
      '{"orders":{"order":[{"innerId":"1"}],"order":[{"innerId":"2"}]}}',
      'orders.order',
    ],
    [
      'subscriber twice',
      'newsletter_subscribe',
      '{"newsletter":{"subscriber":[{"id":"1"}], "subscriber" : {"id":"2"}}}',
      'newsletter.subscriber',
    ],
    [
      'orders twice, the second escaped',
      'order_confirm',
      '{"orders":{"order":[]},"\\u006frders":{"order":[{"innerId":"2"}]}}',
      'orders',
    ],
  ] as const)('%s is duplicate_key, nothing taken', (_n, event, body, path) => {
    const error = decodeError(event, body);
    expect(error.code).toBe('duplicate_key');
    expect(error.part).toBe('document');
    expect(error.path).toBe(path);
    expect(error.message).toMatch(
      /twice in one object .*a JSON reader keeps only the last.*nothing was taken/,
    );
  });

  it('a key repeated only through escapes (no plain token twice) is found too', () => {
    const body = '{"orders":{"order":[]},"\\u006frders":{"\\u006frder":[{"innerId":"2"}]}}';
    expect(body.split('"order"').length - 1).toBe(1);
    expect(decodeError('order_confirm', body).code).toBe('duplicate_key');
  });

  it('a multipart delivery is checked too', () => {
    const { body, contentType } = encodeDelivery('order_confirm', samplePayload('order_confirm', 1), {
      format: 'json',
      boundary: 'b0undary',
    });
    const doubled = body.toString('utf8').replace('{"orders":{"order":', '{"orders":{"order":[],"order":');
    let caught: unknown;
    try {
      decodeDelivery({ event: 'order_confirm', contentType, body: doubled });
    } catch (error) {
      caught = error;
    }
    expect((caught as DeliveryDecodeError).code).toBe('duplicate_key');
  });
});

describe('a key repeated below the envelope: inside an order, a product, a subscriber (PHP cannot write one)', () => {
  const order = (inner: string) => `{"orders":{"order":[{"innerId":"1"},{${inner}}]}}`;
  it.each([
    [
      'innerId twice in one order',
      'order_confirm',
      order('"innerId":"2","email":"a@b.hu","innerId":"3"'),
      'innerId',
      'orders.order[1].innerId',
    ],
    [
      'a product field twice',
      'order_confirm',
      order('"innerId":"2","orderProducts":{"orderProduct":[{"sku":"A"},{"sku":"B","price":"1","sku":"C"}]}'),
      'sku',
      'orders.order[1].orderProducts.orderProduct[1].sku',
    ],
    [
      'orderHistory twice',
      'order_confirm',
      order('"innerId":"2","orderHistory":{"status":"1"},"orderHistory":{"status":"2"}'),
      'orderHistory',
      'orders.order[1].orderHistory',
    ],
    [
      'a subscriber’s email twice',
      'newsletter_subscribe',
      '{"newsletter":{"subscriber":[{"id":"1","email":"a@b.hu","email":"c@d.hu"}]}}',
      'email',
      'newsletter.subscriber[0].email',
    ],
    [
      'a key written once plainly and once escaped',
      'order_confirm',
      order('"innerId":"2","\\u0069nnerId":"3"'),
      'innerId',
      'orders.order[1].innerId',
    ],
  ] as const)(
    '%s is duplicate_key naming the key and its path, nothing taken',
    (_n, event, body, key, path) => {
      const error = decodeError(event, body);
      expect(error.code).toBe('duplicate_key');
      expect(error.part).toBe('document');
      expect(error.path).toBe(path);
      expect(error.message).toBe(
        `The JSON has the key "${key}" twice in one object (at ${path}); a JSON reader keeps only the last, so what the first holds would be dropped without a word. ShopRenter writes each key once (PHP's json_encode cannot write one twice): nothing was taken.`,
      );
    },
  );

  it('a key that is not a field name is refused too, but never shown (it may be personal data)', () => {
    const error = decodeError(
      'order_confirm',
      '{"orders":{"order":[{"innerId":"1","extra":{"Kovács Éva":1,"Kovács Éva":2}}]}}',
    );
    expect(error.code).toBe('duplicate_key');
    expect(error.path).toBe('orders.order[0].extra.…');
    expect(error.message).toMatch(
      /^The JSON has a key that is not a field name \(not shown\) twice in one object/,
    );
    expect(error.message).not.toContain('Kovács');
  });

  it('a repeated key in a real multipart delivery, deep in the captured order, is refused', () => {
    const { body, contentType } = encodeDelivery('order_confirm', samplePayload('order_confirm', 2), {
      format: 'json',
      boundary: 'b0undary',
    });
    const doubled = body.toString('utf8').replace('"taxRate":', '"taxRate":"5.0000","taxRate":');
    expect(doubled).not.toBe(body.toString('utf8'));
    let caught: unknown;
    try {
      decodeDelivery({ event: 'order_confirm', contentType, body: doubled });
    } catch (error) {
      caught = error;
    }
    expect((caught as DeliveryDecodeError).code).toBe('duplicate_key');
    expect((caught as DeliveryDecodeError).path).toBe(
      'orders.order[0].orderProducts.orderProduct[0].taxRate',
    );
  });
});

describe('what is not a repeated key', () => {
  it('equal keys in different objects, and keys as values, decode', () => {
    const body =
      '{"orders":{"order":[{"innerId":"1","comment":"order"},{"innerId":"2","comment":"\\"innerId\\": \\"orders\\":"}]}}';
    expect(scanJsonDepth(body, 64)).toBe(countTreeKeys(JSON.parse(body)));
    expect(firstDuplicateKey(body)).toBeNull();
    expect(
      decodeDelivery({ event: 'order_confirm', contentType: 'application/json', body }).orders,
    ).toHaveLength(2);
  });

  it('counts the keys a text writes (blanks before the colon, escapes, a key "__proto__") as the parsed tree holds them', () => {
    for (const text of [
      '{"a" : 1, "b":{"c\\"":[{"d":null}, "e:"]}, "__proto__": {"x": 1}}',
      '[{"a":"\\\\"}, {"b\\\\" :"\\":"}]',
      '{}',
      '"text: not a key"',
    ]) {
      expect(scanJsonDepth(text, 64), text).toBe(countTreeKeys(JSON.parse(text)));
      expect(isJsonDepthWithin(Buffer.from(text), 64), text).toBe(true);
      expect(firstDuplicateKey(text), text).toBeNull();
    }
    const repeated = '{"a":1,"b":{"__proto__":1,"__proto__":2}}';
    expect(scanJsonDepth(repeated, 64)).toBe(countTreeKeys(JSON.parse(repeated)) + 1);
    expect(firstDuplicateKey(repeated)).toEqual({
      key: '__proto__',
      path: 'b.__proto__',
      position: repeated.lastIndexOf('"__proto__"'),
    });
  });

  it('the sample deliveries of every event have none', () => {
    for (const event of ['order_confirm', 'newsletter_subscribe'] as const) {
      const { data } = encodeDelivery(event, samplePayload(event, 3), { format: 'json' });
      expect(scanJsonDepth(data, 64)).toBe(countTreeKeys(JSON.parse(data)));
      expect(firstDuplicateKey(data)).toBeNull();
    }
  });
});

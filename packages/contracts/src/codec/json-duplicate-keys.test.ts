import { describe, expect, it } from 'vitest';
import type { DeliveryDecodeError } from '../errors.js';
import { samplePayload } from '../samples/index.js';
import { decodeDelivery } from './decode-delivery.js';
import { encodeDelivery } from './encode-delivery.js';
import { firstDuplicateKey, mayRepeatEnvelopeKey } from './json-duplicate-keys.js';

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

describe('what is not a repeated envelope key', () => {
  it('equal keys in different items, and "order" as a value, decode', () => {
    const body =
      '{"orders":{"order":[{"innerId":"1","comment":"order"},{"innerId":"2","comment":"\\"order\\" \\"orders\\""}]}}';
    expect(mayRepeatEnvelopeKey(body)).toBe(true); // the cheap test says "maybe"; the walk says no
    expect(firstDuplicateKey(body)).toBeNull();
    expect(
      decodeDelivery({ event: 'order_confirm', contentType: 'application/json', body }).orders,
    ).toHaveLength(2);
  });

  it('only envelope keys are reported, and a path through a sender’s key names the key alone', () => {
    expect(firstDuplicateKey('{"Kovács":1,"Kovács":2,"orders":{"order":[]}}')).toBeNull();
    expect(firstDuplicateKey('{"Kovács":{"order":1,"order":2}}')).toBe('order');
  });

  it('a key repeated inside an item is below the envelope and left to the field schemas', () => {
    expect(firstDuplicateKey('{"orders":{"order":[{"innerId":"1","innerId":"2"}]}}')).toBeNull();
  });

  it('the sample deliveries of every event have none (and most skip the walk)', () => {
    for (const event of ['order_confirm', 'newsletter_subscribe'] as const) {
      const { data } = encodeDelivery(event, samplePayload(event, 3), { format: 'json' });
      expect(mayRepeatEnvelopeKey(data)).toBe(false);
      expect(firstDuplicateKey(data)).toBeNull();
    }
  });
});

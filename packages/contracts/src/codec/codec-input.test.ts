import { describe, expect, it } from 'vitest';
import { ContractsError, DeliveryDecodeError } from '../errors.js';
import { samplePayload } from '../samples/index.js';
import { type DecodeDeliveryInput, decodeDelivery } from './decode-delivery.js';
import { DeliveryEncodeError } from './delivery-encode-error.js';
import { encodeDelivery } from './encode-delivery.js';

// What a JavaScript caller (or a framework) may hand the codec instead of what the types ask for: a
// typed ContractsError saying what to give, never a bare TypeError from deep inside; bytes in any
// Uint8Array view decode like a Buffer; a limit that is NaN or undefined never switches the check off.

const encoded = encodeDelivery('order_confirm', samplePayload('order_confirm', 5), { format: 'json' });

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

function decode(input: Record<string, unknown>) {
  return decodeDelivery({
    event: 'order_confirm',
    ...input,
  } as unknown as DecodeDeliveryInput<'order_confirm'>);
}

describe('decodeDelivery: the caller’s mistakes are ContractsError invalid_input', () => {
  it.each([
    [
      'a number',
      42,
      /body must be the raw request body as received \(a Buffer, a Uint8Array or a string\), got a number$/,
    ],
    ['undefined', undefined, /got undefined$/],
    ['null', null, /got null$/],
    [
      'a parsed object',
      { orders: { order: [] } },
      /got an object: a body parser already read it; give the bytes as sent/,
    ],
  ])('body %s', (_n, body, message) => {
    const error = thrown(() => decode({ contentType: 'application/json', body }));
    expect(error).toBeInstanceOf(ContractsError);
    expect(error).not.toBeInstanceOf(DeliveryDecodeError);
    expect((error as ContractsError).code).toBe('invalid_input');
    expect((error as ContractsError).message).toMatch(message);
  });

  it('a Content-Type that is not a string', () => {
    const error = thrown(() => decode({ contentType: ['application/json'], body: encoded.data }));
    expect((error as ContractsError).code).toBe('invalid_input');
    expect((error as ContractsError).message).toMatch(
      /contentType must be the Content-Type header as a string.*got a list/,
    );
  });

  it('no input at all', () => {
    const error = thrown(() => (decodeDelivery as (input?: unknown) => unknown)());
    expect((error as ContractsError).code).toBe('invalid_input');
    expect((error as ContractsError).message).toMatch(
      /decodeDelivery needs \{event, contentType, body\}.*got undefined/,
    );
  });

  it.each([
    [
      'maxBytes NaN',
      { maxBytes: Number.NaN },
      /limits\.maxBytes must be a whole number ≥ 1 \(default 5242879\), got NaN/,
    ],
    ['maxBytes "100"', { maxBytes: '100' }, /got "100"/],
    ['maxDepth 0', { maxDepth: 0 }, /limits\.maxDepth must be a whole number ≥ 1 \(default 64\), got 0/],
    ['maxDepth Infinity', { maxDepth: Number.POSITIVE_INFINITY }, /got Infinity/],
  ])('limits %s', (_n, limits, message) => {
    const error = thrown(() => decode({ contentType: encoded.contentType, body: encoded.body, limits }));
    expect((error as ContractsError).code).toBe('invalid_input');
    expect((error as ContractsError).message).toMatch(message);
  });
});

describe('decodeDelivery: what is accepted', () => {
  it('a Uint8Array (a view into a larger buffer too) and an ArrayBuffer decode like the Buffer', () => {
    const expected = decode({ contentType: encoded.contentType, body: encoded.body });
    const padded = new Uint8Array(encoded.body.byteLength + 10);
    padded.set(encoded.body, 5);
    for (const body of [
      new Uint8Array(encoded.body),
      padded.subarray(5, 5 + encoded.body.byteLength),
      new Uint8Array(encoded.body).buffer,
    ]) {
      expect(decode({ contentType: encoded.contentType, body })).toEqual(expected);
    }
  });

  it('a missing Content-Type given as null (Headers.get) is refused as missing', () => {
    const error = thrown(() => decode({ contentType: null, body: encoded.data }));
    expect((error as DeliveryDecodeError).code).toBe('unsupported_content_type');
    expect((error as DeliveryDecodeError).message).toMatch(/\(missing\)/);
  });

  it('a limit given as undefined keeps its default: an over-deep document is still refused', () => {
    const deep = `{"orders":{"order":[${'['.repeat(100)}${']'.repeat(100)}]}}`;
    const error = thrown(() =>
      decode({
        contentType: 'application/json',
        body: deep,
        limits: { maxBytes: undefined, maxDepth: undefined },
      }),
    );
    expect((error as DeliveryDecodeError).code).toBe('too_deep');
    const big = Buffer.alloc(6 * 1024 * 1024, 0x20);
    expect(
      (
        thrown(() =>
          decode({ contentType: 'application/json', body: big, limits: { maxBytes: undefined } }),
        ) as DeliveryDecodeError
      ).code,
    ).toBe('body_too_large');
  });
});

describe('encodeDelivery: options that name no format', () => {
  it.each([
    ['format "yaml"', { format: 'yaml' }, /got format "yaml"/],
    ['no options', undefined, /got no options/],
    ['no format', {}, /got format none/],
  ])('%s is DeliveryEncodeError invalid_format', (_n, options, message) => {
    const error = thrown(() =>
      encodeDelivery(
        'order_confirm',
        samplePayload('order_confirm', 1),
        options as unknown as { format: 'json' },
      ),
    );
    expect(error).toBeInstanceOf(DeliveryEncodeError);
    expect((error as DeliveryEncodeError).code).toBe('invalid_format');
    expect((error as DeliveryEncodeError).message).toMatch(
      /encodeDelivery needs options \{format: 'json' \| 'xml'\}/,
    );
    expect((error as DeliveryEncodeError).message).toMatch(message);
  });
});

describe('decodeDelivery: a urlencoded form of very many fields', () => {
  it('is refused after 100 fields, with a short message (it listed every name: 5 MB for a million)', () => {
    const body = 'a=&'.repeat(1_000_000);
    const error = thrown(() => decode({ contentType: 'application/x-www-form-urlencoded', body }));
    expect((error as DeliveryDecodeError).code).toBe('invalid_urlencoded');
    expect((error as DeliveryDecodeError).message).toBe(
      'The form has more than 100 fields; a delivery has one field ("data").',
    );
  });

  it('a form without data lists at most 100 names of at most 40 characters, in the message and in value', () => {
    const long = 'n'.repeat(100_000);
    const error = thrown(() =>
      decode({ contentType: 'application/x-www-form-urlencoded', body: `${long}=1&b=2` }),
    ) as DeliveryDecodeError;
    expect(error.code).toBe('missing_data_field');
    expect(JSON.stringify(error.toJSON()).length).toBeLessThan(1_000);
    expect(error.value).toEqual(['n'.repeat(40), 'b']);
  });

  it('100 fields with data among them still decode', () => {
    const fields = Array.from({ length: 99 }, (_, i) => `f${i}=x`);
    const body = [...fields, `data=${encodeURIComponent(encoded.data)}`].join('&');
    expect(decode({ contentType: 'application/x-www-form-urlencoded', body }).orders).toHaveLength(1);
  });
});

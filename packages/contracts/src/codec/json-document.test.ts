import { describe, expect, it } from 'vitest';
import { decodeDelivery } from './decode-delivery.js';
import { isJsonDepthWithin, JsonReadError, readJsonDocument, scanJsonDepth } from './json-document.js';
import { writeMultipartFormData } from './multipart.js';

/** The string scan's verdict: true when it does not throw too_deep. */
function stringScanAccepts(text: string, maxDepth: number): boolean {
  try {
    scanJsonDepth(text, maxDepth);
    return true;
  } catch (error) {
    if (error instanceof JsonReadError && error.code === 'too_deep') return false;
    throw error;
  }
}

const DOCUMENTS = [
  '{"a":[1,2,{"b":"c"}]}',
  '[[[[]]]]',
  '[[[[[]]]]]',
  '{"brackets in a string":"[[[[[[[[[[{{{{{{"}',
  '{"escaped quote":"\\"[[[[[[[[","x":[[[[[[]]]]]]}',
  '{"backslash at the end":"\\\\","y":[[[[[[]]]]]]}',
  '{"many backslashes":"\\\\\\\\\\"[[[[[[[","z":1}',
  '{"accents":"Hajdú-Bihar Győző ✓ 😀 [[[[[[","w":[[[[]]]]}',
  '"an unterminated string [[[[[[[[[',
  '[[[[[[[[ unbalanced',
  ']]]]]]]][[[[',
  '',
];

describe('JSON depth scan over bytes', () => {
  it.each(DOCUMENTS)('agrees with the string scan: %s', (text) => {
    const bytes = Buffer.from(text, 'utf8');
    for (const maxDepth of [0, 1, 3, 4, 5, 6, 64]) {
      expect(isJsonDepthWithin(bytes, maxDepth), `maxDepth ${maxDepth}`).toBe(
        stringScanAccepts(text, maxDepth),
      );
    }
  });

  it('reports a too-deep document with the string position even when given the bytes', () => {
    const text = '{"a":[[[[[[1]]]]]]}';
    const read = () => readJsonDocument(text, { maxDepth: 4, bytes: Buffer.from(text) });
    expect(read).toThrow(expect.objectContaining({ code: 'too_deep', position: 8 }));
  });

  it.each([10_000, 1_000_000])(
    '%i-deep JSON in the multipart data field is too_deep, not a stack overflow',
    (depth) => {
      const boundary = '------------------------0123456789abcdef';
      const data = `{"orders":{"order":[${'['.repeat(depth)}${']'.repeat(depth)}]}}`;
      const body = writeMultipartFormData([{ name: 'data', value: data }], boundary);
      expect(() =>
        decodeDelivery({
          event: 'order_confirm',
          contentType: `multipart/form-data; boundary=${boundary}`,
          body,
        }),
      ).toThrow(expect.objectContaining({ code: 'too_deep' }));
    },
  );
});

describe('integers beyond the safe range', () => {
  const ordinary = [
    '{"orders":{"order":[{"innerId":9007199254740991,"total":-9007199254740991}]}}',
    '{"a":[0,-0,1.5,1e21,12345678901234567890.5,1.2345678901234567e30,"90071992547409931"]}',
    '{"phone":"+36705551234567890","n":[123456789012345]}',
    '[1,2,3,"\\"12345678901234567\\"",4]',
  ];
  it.each(ordinary)('reads what JSON.parse reads exactly as JSON.parse does: %s', (text) => {
    expect(readJsonDocument(text, { maxDepth: 64 })).toEqual(JSON.parse(text));
  });

  it.each([
    '{"orders":{"order":[{"innerId":90071992547409931}]}}',
    '{"orders":{"order":[{"innerId":-90071992547409933}]}}',
    '[9007199254740993]',
  ])('refuses %s as number_too_large, never an altered value', (text) => {
    let error: unknown;
    try {
      readJsonDocument(text, { maxDepth: 64 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(JsonReadError);
    expect(error).toMatchObject({ code: 'number_too_large' });
    expect((error as Error).message).toContain('Send such values (ids) as strings');
  });

  it('two different orders with large numeric ids are never the same: both are quarantined', () => {
    for (const id of ['90071992547409931', '90071992547409933']) {
      expect(() =>
        decodeDelivery({
          event: 'order_confirm',
          contentType: 'application/json',
          body: `{"orders":{"order":[{"innerId":${id}}]}}`,
        }),
      ).toThrow(expect.objectContaining({ code: 'number_too_large', part: 'document' }));
    }
  });
});

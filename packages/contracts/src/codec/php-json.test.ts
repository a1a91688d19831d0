import { describe, expect, it } from 'vitest';
import { encodePhpJson, encodePhpJsonString, PhpJsonEncodeError } from './php-json.js';

describe('encodePhpJson (PHP json_encode, default flags)', () => {
  it.each([
    ['a slash', 'orders/b3JkZXI', '"orders\\/b3JkZXI"'],
    ['Hungarian accents', 'Hajdú-Bihar Győr', '"Hajd\\u00fa-Bihar Gy\\u0151r"'],
    ['an astral character as a surrogate pair', 'ajándék 🎁', '"aj\\u00e1nd\\u00e9k \\ud83c\\udf81"'],
    ['quote and backslash', 'a"b\\c', '"a\\"b\\\\c"'],
    ['short control escapes', '\b\f\n\r\t', '"\\b\\f\\n\\r\\t"'],
    ['other control characters as \\u00XX', '\u0000\u0001\u001f', '"\\u0000\\u0001\\u001f"'],
    ['HTML characters and DEL unescaped', `<a href='x'>&</a>\u007f`, `"<a href='x'>&<\\/a>\u007f"`],
    ['the euro sign and a non-breaking space', '€\u00a0', '"\\u20ac\\u00a0"'],
    ['plain ASCII untouched', 'Test utca 5', '"Test utca 5"'],
  ])('%s', (_name, input, expected) => {
    expect(encodePhpJson(input)).toBe(expected);
    expect(encodePhpJsonString(input)).toBe(expected);
    expect(JSON.parse(expected)).toBe(input);
  });

  it.each([
    [970.0714, '970.0714'],
    [0, '0'],
    [1.0, '1'],
    [-12.5, '-12.5'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1e-7, '1e-7'],
    [-0, '-0'],
  ])('number %d prints as %s', (value, expected) => {
    expect(encodePhpJson(value)).toBe(expected);
  });

  it('is compact, keeps key order, skips undefined members, writes null for undefined list items', () => {
    expect(encodePhpJson({ b: 1, a: [true, false, null, undefined], c: undefined, d: {}, e: [] })).toBe(
      '{"b":1,"a":[true,false,null,null],"d":{},"e":[]}',
    );
  });

  it('escapes object keys too', () => {
    expect(encodePhpJson({ 'név/á': 'x' })).toBe('{"n\\u00e9v\\/\\u00e1":"x"}');
  });

  it('honours toJSON (dates)', () => {
    expect(encodePhpJson({ at: new Date(Date.UTC(2025, 11, 1, 20, 57, 40)) })).toBe(
      '{"at":"2025-12-01T20:57:40.000Z"}',
    );
  });

  it('output parses back to the same value for many random strings', () => {
    let seed = 42;
    const next = () => {
      seed = (Math.imul(seed, 48271) + 11) >>> 0;
      return seed;
    };
    for (let i = 0; i < 300; i++) {
      const codes = Array.from({ length: next() % 20 }, () => {
        const pick = next() % 4;
        if (pick === 0) return next() % 0x80;
        if (pick === 1) return 0x80 + (next() % 0x780);
        if (pick === 2) return 0x1f300 + (next() % 0x300);
        return 0x2000 + (next() % 0x6000);
      });
      const value = { s: String.fromCodePoint(...codes), n: (next() % 100000) / 100 };
      const encoded = encodePhpJson(value);
      expect(encoded).toMatch(/^[\x20-\x7e]*$/);
      expect(JSON.parse(encoded)).toEqual(value);
    }
  });

  it('refuses NaN/Infinity, bigint, functions and cycles with the path', () => {
    const cases: Array<[unknown, string, string]> = [
      [{ orders: { total: Number.NaN } }, 'non_finite_number', 'orders.total'],
      [[1, Number.POSITIVE_INFINITY], 'non_finite_number', '[1]'],
      [{ id: 10n }, 'unsupported_type', 'id'],
      [{ f: () => 1 }, 'unsupported_type', 'f'],
    ];
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { back: cyclic };
    cases.push([cyclic, 'circular_reference', 'self.back']);
    for (const [value, code, path] of cases) {
      try {
        encodePhpJson(value);
        throw new Error('expected an error');
      } catch (error) {
        expect(error).toBeInstanceOf(PhpJsonEncodeError);
        expect(error).toMatchObject({ code, path });
      }
    }
  });

  it('encodes a shared object twice when it is not a cycle', () => {
    const shared = { unit: 'cm' };
    expect(encodePhpJson({ a: shared, b: [shared] })).toBe('{"a":{"unit":"cm"},"b":[{"unit":"cm"}]}');
  });
});

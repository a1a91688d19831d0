/**
 * PHP `json_encode($value)` with default flags, the way ShopRenter serialises deliveries:
 * compact, `/` escaped as `\/`, every non-ASCII character as a lowercase `\uXXXX` escape
 * (astral characters as a surrogate pair), control characters as `\b \f \n \r \t` or `\u00XX`.
 * `<`, `>`, `&`, `'` and DEL stay as they are (PHP escapes them only with the JSON_HEX_* flags).
 *
 * Numbers use JavaScript's shortest round-trip formatting, which is what PHP >= 7.1 prints with
 * `serialize_precision = -1`: `970.0714` stays `970.0714`, `0` stays `0`, and `1.0` prints as
 * `1` (PHP prints `1.0` only with JSON_PRESERVE_ZERO_FRACTION, which is not a default flag).
 * Known difference: huge magnitudes (>= 1e21) print as `1e+21` here and `1.0e+21` in PHP; no
 * ShopRenter field carries such numbers.
 *
 * Objects encode as `{…}` (also when empty: PHP would print `[]` for an empty array, but an
 * empty JS object is closer to PHP's `stdClass`), `undefined` properties are skipped, `toJSON()`
 * is honoured (dates). NaN, Infinity, bigint, functions, symbols and cycles are refused with a
 * {@link PhpJsonEncodeError} (PHP's json_encode fails on them too).
 */

export type PhpJsonEncodeErrorCode = 'non_finite_number' | 'unsupported_type' | 'circular_reference';

/** Raised when a value cannot be represented in JSON (PHP's json_encode would return false). */
export class PhpJsonEncodeError extends Error {
  override readonly name = 'PhpJsonEncodeError';
  constructor(
    readonly code: PhpJsonEncodeErrorCode,
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

const SHORT_ESCAPES: Record<number, string> = {
  8: '\\b',
  9: '\\t',
  10: '\\n',
  12: '\\f',
  13: '\\r',
  34: '\\"',
  47: '\\/',
  92: '\\\\',
};

/** Characters that are copied verbatim: printable ASCII except `"`, `/` and `\`. */
const NEEDS_ESCAPE = /["/\\\u0000-\u001f\u0080-\uffff]/;

function hex4(code: number): string {
  return '\\u' + code.toString(16).padStart(4, '0');
}

/** A JSON string literal with PHP's default escaping. */
export function encodePhpJsonString(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return '"' + text + '"';
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const short = SHORT_ESCAPES[code];
    if (short !== undefined) out += short;
    else if (code < 0x20 || code > 0x7e) {
      // UTF-16 code units are exactly the \u escapes JSON wants, astral characters included
      // (they are already a surrogate pair). DEL (0x7f) is ASCII and PHP leaves it alone.
      out += code === 0x7f ? text[i] : hex4(code);
    } else out += text[i];
  }
  return out + '"';
}

function formatNumber(value: number, path: string): string {
  if (!Number.isFinite(value)) {
    throw new PhpJsonEncodeError(
      'non_finite_number',
      path,
      `Cannot encode ${value} at ${path || '(root)'}: JSON has no NaN or Infinity; send null or a string.`,
    );
  }
  return Object.is(value, -0) ? '-0' : String(value);
}

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

function encodeValue(value: unknown, path: string, ancestors: Set<object>): string | undefined {
  if (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  ) {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  switch (typeof value) {
    case 'string':
      return encodePhpJsonString(value);
    case 'number':
      return formatNumber(value, path);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return undefined;
    case 'object':
      break;
    default:
      throw new PhpJsonEncodeError(
        'unsupported_type',
        path,
        `Cannot encode a ${typeof value} at ${path || '(root)'}: only strings, numbers, booleans, null, arrays and plain objects are JSON.`,
      );
  }
  if (value === null) return 'null';
  const object = value as object;
  if (ancestors.has(object)) {
    throw new PhpJsonEncodeError(
      'circular_reference',
      path,
      `Cannot encode ${path || '(root)'}: it contains itself (circular reference).`,
    );
  }
  ancestors.add(object);
  let out: string;
  if (Array.isArray(object)) {
    const items = object.map((item, index) => encodeValue(item, childPath(path, index), ancestors) ?? 'null');
    out = '[' + items.join(',') + ']';
  } else {
    const members: string[] = [];
    for (const [key, member] of Object.entries(object)) {
      const encoded = encodeValue(member, childPath(path, key), ancestors);
      if (encoded !== undefined) members.push(encodePhpJsonString(key) + ':' + encoded);
    }
    out = '{' + members.join(',') + '}';
  }
  ancestors.delete(object);
  return out;
}

/** `json_encode($value)` as PHP prints it with default flags (see the module comment). */
export function encodePhpJson(value: unknown): string {
  return encodeValue(value, '', new Set()) ?? 'null';
}

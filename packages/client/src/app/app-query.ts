import { InputError } from '../errors.js';
import { kindOf } from '../option-checks.js';

/** Query parameters as any framework hands them: a string, URLSearchParams, or a parsed object. */
export type QueryInput =
  | string
  | URLSearchParams
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** Every parameter with all its values (a repeated parameter keeps each value). */
export function queryValues(query: QueryInput): Map<string, string[]> {
  if (typeof query !== 'string' && (query === null || typeof query !== 'object')) {
    throw new InputError(
      `query must be the request's query: a string, a URLSearchParams or a parsed object (Express: req.query), got ${kindOf(query)}`,
      { field: 'query' },
    );
  }
  const values = new Map<string, string[]>();
  const add = (key: string, value: string) => {
    const list = values.get(key);
    if (list) list.push(value);
    else values.set(key, [value]);
  };
  if (typeof query === 'string' || query instanceof URLSearchParams) {
    const params = typeof query === 'string' ? new URLSearchParams(query.replace(/^[^?]*\?/, '')) : query;
    for (const [key, value] of params) add(key, value);
    return values;
  }
  // A parsed query may nest (Express 4's `qs`: `?shopname[a]=b` is {shopname: {a: 'b'}}): such a value is
  // no ShopRenter parameter and is left out (a signed one is then missing), never iterated blindly.
  for (const [key, value] of Object.entries(query)) {
    if (typeof value === 'string') add(key, value);
    else if (Array.isArray(value)) for (const v of value) if (typeof v === 'string') add(key, v);
  }
  return values;
}

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/** A 64-character hex HMAC as bytes (either case), or undefined when it is not that shape. */
export function hexDigest(value: string): Buffer | undefined {
  return HEX_SHA256.test(value) ? Buffer.from(value.toLowerCase(), 'hex') : undefined;
}

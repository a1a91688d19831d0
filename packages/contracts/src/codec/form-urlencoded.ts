/** application/x-www-form-urlencoded bodies (`data=%7B…`), decoded strictly. */

export class UrlEncodedFormatError extends Error {
  override readonly name = 'UrlEncodedFormatError';
}

/**
 * At most this many fields in a urlencoded delivery, as in a multipart one
 * (`DEFAULT_MULTIPART_LIMITS.maxParts`): a delivery has one.
 */
export const MAX_DELIVERY_FORM_FIELDS = 100;

/**
 * Name/value pairs in order; `+` is a space; bad percent-escapes or non-UTF-8 escapes throw, and so
 * does a form of more than `maxFields` fields (default: no limit), read no further: a delivery body of
 * a million `a=&` would otherwise cost seconds and an error listing every name.
 */
export function parseUrlEncoded(text: string, maxFields = Number.POSITIVE_INFINITY): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let start = 0; start <= text.length; ) {
    const amp = text.indexOf('&', start);
    const end = amp === -1 ? text.length : amp;
    const piece = text.slice(start, end);
    start = end + 1;
    if (piece === '') continue;
    if (pairs.length === maxFields) {
      throw new UrlEncodedFormatError(
        `The form has more than ${maxFields} fields; a delivery has one field ("data").`,
      );
    }
    const equals = piece.indexOf('=');
    const rawName = equals === -1 ? piece : piece.slice(0, equals);
    const rawValue = equals === -1 ? '' : piece.slice(equals + 1);
    const decode = (raw: string, what: string): string => {
      try {
        return decodeURIComponent(raw.replace(/\+/g, ' '));
      } catch {
        throw new UrlEncodedFormatError(
          `The form ${what} ${JSON.stringify(raw.slice(0, 60))} has a malformed %-escape (or one that is not UTF-8); ` +
            'encode the value with encodeURIComponent.',
        );
      }
    };
    const name = decode(rawName, 'field name');
    pairs.push([name, decode(rawValue, `value of "${name.slice(0, 40)}"`)]);
  }
  return pairs;
}

/** application/x-www-form-urlencoded bodies (`data=%7B…`), decoded strictly. */

export class UrlEncodedFormatError extends Error {
  override readonly name = 'UrlEncodedFormatError';
}

/** Name/value pairs in order; `+` is a space; bad percent-escapes or non-UTF-8 escapes throw. */
export function parseUrlEncoded(text: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const piece of text.split('&')) {
    if (piece === '') continue;
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

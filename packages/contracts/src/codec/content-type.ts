/**
 * `Content-Type` header parsing (RFC 9110 §8.3): `type/subtype *( OWS ";" OWS name=value )`,
 * where a value is a token or a quoted-string with backslash escapes. Type, subtype and
 * parameter names are case-insensitive and returned lower-cased; values keep their case.
 */

export interface ParsedContentType {
  /** `type/subtype`, lower case, e.g. `multipart/form-data`. */
  readonly mediaType: string;
  /** Parameters by lower-cased name; the first occurrence wins. */
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Reads one parameter value at `start` (token or quoted-string); returns it and the next index. */
function readParamValue(header: string, start: number): { value: string; end: number } | null {
  if (header[start] !== '"') {
    let end = start;
    while (end < header.length && header[end] !== ';') end++;
    const value = header.slice(start, end).trim();
    return { value, end };
  }
  let value = '';
  let i = start + 1;
  while (i < header.length) {
    const ch = header[i];
    if (ch === '\\' && i + 1 < header.length) {
      value += header[i + 1];
      i += 2;
    } else if (ch === '"') {
      let end = i + 1;
      while (end < header.length && header[end] !== ';') end++;
      return { value, end };
    } else {
      value += ch;
      i++;
    }
  }
  return null; // unterminated quoted-string
}

/** Parses a Content-Type header; `null` when it is empty or has no valid `type/subtype`. */
export function parseContentType(header: string | undefined | null): ParsedContentType | null {
  if (!header) return null;
  const semicolon = header.indexOf(';');
  const mediaType = (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
  const [type, subtype, extra] = mediaType.split('/');
  if (!type || !subtype || extra !== undefined || !TOKEN.test(type) || !TOKEN.test(subtype)) return null;
  const params: Record<string, string> = {};
  let i = semicolon === -1 ? header.length : semicolon + 1;
  while (i < header.length) {
    const equals = header.indexOf('=', i);
    const nextSemicolon = header.indexOf(';', i);
    if (equals === -1 || (nextSemicolon !== -1 && nextSemicolon < equals)) {
      // a parameter without "=" (or an empty segment): skip it, as browsers and busboy do
      i = nextSemicolon === -1 ? header.length : nextSemicolon + 1;
      continue;
    }
    const name = header.slice(i, equals).trim().toLowerCase();
    let valueStart = equals + 1;
    while (header[valueStart] === ' ' || header[valueStart] === '\t') valueStart++;
    const read = readParamValue(header, valueStart);
    if (read === null) break;
    if (TOKEN.test(name) && !(name in params)) params[name] = read.value;
    i = read.end + 1;
  }
  return { mediaType, params };
}

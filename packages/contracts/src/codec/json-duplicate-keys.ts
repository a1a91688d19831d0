/**
 * Duplicate keys in a JSON document's envelope. `JSON.parse` keeps the last of two equal keys, so
 * `{"orders":{"order":[A]},"orders":{"order":[B]}}` would decode to order B alone and drop A without a
 * word. PHP's `json_encode` never writes a key twice, so a genuine delivery has none; a document that
 * does is ambiguous, like a form with two `data` fields, and is refused whole.
 */

/** The envelope's keys: a document repeats one of them only when one of these tokens occurs twice. */
const ENVELOPE_KEYS = new Set(['orders', 'order', 'newsletter', 'subscriber']);
const ENVELOPE_TOKENS = [...ENVELOPE_KEYS].map((key) => `"${key}"`);

/**
 * A letter written as a `\u` escape (`\u006f` for `o`). PHP's `json_encode` writes ASCII letters as
 * they are (it escapes only non-ASCII, control characters and `/`), so only a crafted document has
 * one, and only through one could an envelope key repeat without its plain token occurring twice.
 */
const ESCAPED_LETTER = /\\u00[4-7][0-9a-f]/i;

/**
 * Whether `text` may repeat an envelope key (cheap: no parsing): one of the keys' tokens occurs
 * twice, or a letter is written as an escape. Otherwise no object can hold an envelope key twice.
 */
export function mayRepeatEnvelopeKey(text: string): boolean {
  return (
    ENVELOPE_TOKENS.some((token) => {
      const first = text.indexOf(token);
      return first !== -1 && text.indexOf(token, first + token.length) !== -1;
    }) || ESCAPED_LETTER.test(text)
  );
}

/**
 * The path of the first envelope key (`orders`, `order`, `newsletter`, `subscriber`) that occurs twice
 * in one object of the top `depthLimit` object levels (`orders`, `orders.order`), or null. Other keys
 * are the sender's and never named (the path is then the key alone). `text` must be valid JSON (it has
 * been parsed already).
 */
export function firstDuplicateKey(text: string, depthLimit = 2): string | null {
  let i = 0;
  const spaces = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0xfeff) i++;
      else return;
    }
  };
  /** Past the string at `i` (its opening quote); returns its text when `read`. */
  const string = (read: boolean): string => {
    const start = i;
    i++;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x5c) i += 2;
      else if (c === 0x22) break;
      else i++;
    }
    i++;
    return read ? (JSON.parse(text.slice(start, i)) as string) : '';
  };
  const value = (depth: number, path: string): string | null => {
    spaces();
    const c = text[i];
    if (c === '{' || c === '[') {
      const object = c === '{';
      const keys = object && depth < depthLimit ? new Set<string>() : null;
      i++;
      spaces();
      if (text[i] === (object ? '}' : ']')) {
        i++;
        return null;
      }
      for (;;) {
        let inner = path;
        if (object) {
          spaces();
          const key = string(keys !== null);
          if (keys !== null) {
            const envelope = ENVELOPE_KEYS.has(key);
            inner = envelope && path !== '…' ? (path === '' ? key : `${path}.${key}`) : '…';
            if (envelope && keys.has(key)) return inner === '…' ? key : inner;
            keys.add(key);
          }
          spaces();
          i++; // ':'
        }
        const found = value(depth + 1, inner);
        if (found !== null) return found;
        spaces();
        if (text[i] === ',') i++;
        else {
          i++; // '}' or ']'
          return null;
        }
      }
    }
    if (c === '"') {
      string(false);
      return null;
    }
    while (i < text.length && !',}] \t\n\r'.includes(text[i] as string)) i++;
    return null;
  };
  return value(0, '');
}

/**
 * Duplicate keys in a JSON document, at any depth. `JSON.parse` keeps the last of two equal keys, so
 * `{"orders":{"order":[A]},"orders":{"order":[B]}}` would decode to order B alone and drop A without a
 * word, and `{"innerId":"1",…,"innerId":"2"}` inside one order would be order 2 with what the first
 * `innerId` said dropped. PHP's `json_encode` never writes a key twice (a PHP array cannot hold one),
 * so a genuine delivery has none; a document that does is ambiguous, like a form with two `data`
 * fields, and is refused whole, wherever in it the key repeats.
 *
 * The check costs little: the depth scan that runs before `JSON.parse` counts the keys the text writes
 * (`json-document.ts`), and they are compared with the keys the parsed tree holds ({@link
 * countTreeKeys}); only when they differ is the document walked again to name the first repeated key
 * and where it is ({@link firstDuplicateKey}).
 */

/** A key that names a field (`innerId`, `orderProduct`, `cart_token`): shown in errors as it is. */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** How a key appears in a path: as itself when it is a field name, else `…` (it may be personal data). */
export function shownKey(key: string): string {
  return FIELD_NAME.test(key) ? key : '…';
}

/** The number of keys the objects of a parsed JSON tree hold, at every depth. */
export function countTreeKeys(tree: unknown): number {
  if (typeof tree !== 'object' || tree === null) return 0;
  let keys = 0;
  if (Array.isArray(tree)) {
    for (const item of tree) keys += countTreeKeys(item);
    return keys;
  }
  for (const key in tree) keys += 1 + countTreeKeys((tree as Record<string, unknown>)[key]);
  return keys;
}

export interface DuplicateKey {
  /** The key as the path shows it: itself when it is a field name, else `…`. */
  readonly key: string;
  /** Where the object with the repeated key is, e.g. `orders.order[0].orderProducts.orderProduct[1].sku`. */
  readonly path: string;
  /** The offset of the second occurrence's opening quote in the text. */
  readonly position: number;
}

/**
 * The first key that occurs twice in one object of `text` (valid JSON, at any depth), with its path
 * (`orders.order[0].innerId`; keys that are not field names shown as `…`), or null.
 */
export function firstDuplicateKey(text: string): DuplicateKey | null {
  let i = 0;
  const spaces = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0xfeff) i++;
      else return;
    }
  };
  /** The string at `i` (its opening quote), decoded; `i` ends past it. */
  const string = (): string => {
    const start = i;
    let escaped = false;
    i++;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x5c) {
        escaped = true;
        i += 2;
      } else if (c === 0x22) break;
      else i++;
    }
    i++;
    return escaped ? (JSON.parse(text.slice(start, i)) as string) : text.slice(start + 1, i - 1);
  };
  const value = (path: string): DuplicateKey | null => {
    spaces();
    const c = text[i];
    if (c === '{' || c === '[') {
      const object = c === '{';
      const keys = object ? new Set<string>() : null;
      let index = 0;
      i++;
      spaces();
      if (text[i] === (object ? '}' : ']')) {
        i++;
        return null;
      }
      for (;;) {
        let inner: string;
        if (keys !== null) {
          spaces();
          const position = i;
          const key = string();
          const shown = shownKey(key);
          inner = path === '' ? shown : `${path}.${shown}`;
          if (keys.has(key)) return { key: shown, path: inner, position };
          keys.add(key);
          spaces();
          i++; // ':'
        } else {
          inner = `${path}[${index++}]`;
        }
        const found = value(inner);
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
      string();
      return null;
    }
    while (i < text.length && !',}] \t\n\r'.includes(text[i] as string)) i++;
    return null;
  };
  return value('');
}

/**
 * Finding the sender's text in a decode error's message (personal-data-mask.ts `maskDecodeMessage`) in
 * time linear in the message's length. Each function does exactly what the regular expression in its
 * comment does (`sender-text.test.ts` checks them against those on generated text); as expressions they
 * were tried from every quote or every occurrence of their first words, each try reading to the message's
 * end: quadratic. A message quotes what the sender sent (the keys of a wrong envelope, whole), so a
 * 400 KB delivery of `{"\"\"\"…": 1}` to a signed URL held the event loop for 17 s when it was answered,
 * and again each time its inspector page or `srhooks deliveries show` masked it.
 */

/**
 * `text.replace(/"(?:[^"\\]|\\.)*"/g, replace)`: every double-quoted string, with backslash escapes.
 *
 * When a quote opens no string (the text ends first, or a backslash is followed by a line break or
 * nothing, which `\\.` does not take), no quote up to that point does either: each of them was read as
 * the second character of an escape, so reading from it meets the same end. The search goes on after it.
 */
export function replaceDoubleQuoted(text: string, replace: (quoted: string) => string): string {
  let out = '';
  let last = 0;
  let open = text.indexOf('"');
  while (open !== -1) {
    let at = open + 1;
    let closed = false;
    while (at < text.length) {
      const char = text.charCodeAt(at);
      if (char === 0x22) {
        closed = true;
        break;
      }
      if (char !== 0x5c) {
        at += 1;
        continue;
      }
      const escaped = text.charCodeAt(at + 1);
      // `.` takes no line terminator (\n, \r, U+2028, U+2029), and there is nothing after a final backslash.
      if (
        Number.isNaN(escaped) ||
        escaped === 0x0a ||
        escaped === 0x0d ||
        escaped === 0x2028 ||
        escaped === 0x2029
      )
        break;
      at += 2;
    }
    if (!closed) {
      if (at >= text.length) break;
      open = text.indexOf('"', at + 1);
      continue;
    }
    out += text.slice(last, open) + replace(text.slice(open, at + 1));
    last = at + 1;
    open = text.indexOf('"', last);
  }
  return last === 0 ? text : out + text.slice(last);
}

const PARSER_SNIPPET_START = /Unexpected token '[\s\S]{1,2}', /;
const NOT_VALID_JSON = ' is not valid JSON';

/**
 * `text.replace(/(Unexpected token '[\s\S]{1,2}', )[\s\S]*( is not valid JSON)/, `$1${hidden}$2`)`: from the
 * first start that has the ending after it, to the ending's last occurrence (the greedy star).
 */
export function hideJsonParserSnippet(text: string, hidden: string): string {
  const end = text.lastIndexOf(NOT_VALID_JSON);
  if (end === -1) return text;
  const start = PARSER_SNIPPET_START.exec(text.slice(0, end));
  if (start === null) return text;
  return text.slice(0, start.index) + start[0] + hidden + text.slice(end);
}

const UNKNOWN_ENTITY = 'unknown entity ';
const ONLY_ALLOWED = ' (only &lt;';

/**
 * `text.replace(/(unknown entity )[\s\S]*?( \(only &lt;)/, `$1${hidden}$2`)`: the first `unknown entity `
 * to the first ` (only &lt;` after it (when the first has none after it, no later one has).
 */
export function hideUnknownEntity(text: string, hidden: string): string {
  const start = text.indexOf(UNKNOWN_ENTITY);
  if (start === -1) return text;
  const end = text.indexOf(ONLY_ALLOWED, start + UNKNOWN_ENTITY.length);
  if (end === -1) return text;
  return text.slice(0, start + UNKNOWN_ENTITY.length) + hidden + text.slice(end);
}

/**
 * Human output with no terminal control in it but the CLI's own colours. Part of what the CLI prints
 * comes from deliveries (an order's innerId and currency, a forward target's answer, …), which whoever
 * can post to a signed URL chooses; a terminal would obey an escape sequence in it (clear the screen,
 * set the title, write the clipboard with OSC 52, conceal text, or re-colour the line to fake a
 * status). So every C0/C1 control character but newline and tab, DEL, and the bidirectional overrides
 * that reorder a line (as the inspector shows them) are printed as `<U+XXXX>`, colour codes included;
 * only the marks of the colours the CLI wrote itself (own-escapes.ts) become escape sequences.
 */
import { withoutNameMarks } from '../cli-invocation.js';
import { ownSgrEscapes, withoutOwnSgrMarks } from './own-escapes.js';

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function visible(char: string): string {
  return `<U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}>`;
}

export function neutralizeControls(text: string): string {
  return ownSgrEscapes(text.replace(CONTROL, visible));
}

/**
 * How many characters `text` takes once printed: the CLI's colours take none, every other control
 * character (an escape that came with data included) takes the width of its `<U+XXXX>`.
 */
export function shownLength(text: string): number {
  return withoutOwnSgrMarks(text).replace(CONTROL, visible).length;
}

/**
 * A value printed inside one line (a table cell, a `listen` feed line): its line breaks and tabs shown as
 * `<U+000A>` / `<U+0009>` like the other controls, so data cannot start a line of its own. An order's
 * innerId of `4242\nevt_01fake  demo  order_confirm  #9999 …  succeeded` printed a forged row in
 * `srhooks events list`.
 */
export function oneLine(text: string): string {
  return text.replace(/[\n\t]/g, visible);
}

/** A multi-line value after a label: its later lines indented by `indent`, so they cannot pose as labels. */
export function indentedLines(text: string, indent: number): string {
  return text.replace(/\n/g, `\n${' '.repeat(indent)}`);
}

/**
 * Characters JSON leaves raw in a string that a terminal may still act on: C1 controls (U+0080–U+009F,
 * which some terminals take as escape sequences in UTF-8 too), the bidirectional marks and overrides
 * that reorder a line, and the line/paragraph separators.
 */
const JSON_UNSAFE = /[\u0080-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `JSON.stringify`, with those characters written as `\uXXXX` escapes: the same document for a parser
 * (they can only occur inside strings), nothing a terminal obeys when a `--json` document is printed to it.
 */
export function terminalSafeJson(value: unknown, space?: number): string {
  return withoutNameMarks(JSON.stringify(value, null, space)).replace(
    JSON_UNSAFE,
    (char) => `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`,
  );
}

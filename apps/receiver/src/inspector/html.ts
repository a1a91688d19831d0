/**
 * HTML built with a tagged template that escapes every interpolated value unless it is already
 * {@link SafeHtml} (the result of another `html` template). Data never reaches the page unescaped:
 * a customer named `<script>` is rendered as text.
 */

export class SafeHtml {
  readonly value: string;

  constructor(value: string) {
    this.value = value;
  }

  toString(): string {
    return this.value;
  }
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/**
 * Unicode's bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069): a
 * stored value holding one (`Kovács\u202Emoc.liame`) would reorder what the page shows of it.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

/**
 * Escapes text for element content and quoted attribute values alike. A bidirectional control character
 * is shown as its code point (`<U+202E>`), so data can't make the page show text in another order than
 * it was stored.
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/[&<>"'`]/g, (char) => ESCAPES[char] ?? char)
    .replace(BIDI_CONTROLS, (char) => `&lt;U+${char.codePointAt(0)?.toString(16).toUpperCase()}&gt;`);
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** `html\`<td>${name}</td>\``: `name` is escaped; nested `html` results and arrays of them are kept. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return new SafeHtml(out);
}

/**
 * Renders a JSON-like value in ShopRenter's documented XML response shape
 * (contracts fixtures/shoprenter/api/webhook/response_xml_*.xml): root `<response>`, string values in CDATA on their own
 * line, a list repeats its element (`<fields>` several times) except `items`, which wraps each
 * entry in `<item>`; `null`, `""` and empty lists are empty elements (`<comment/>`, as
 * `api/order_history/response_xml_get_page.xml` shows); collection counters (`page`, `limit`) and
 * numbers are written bare.
 */

const INDENT = '    ';
const BARE_KEYS = new Set(['page', 'limit']);
// Characters XML 1.0 does not allow at all.
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function elementName(key: string): string {
  const cleaned = key.replace(/[^A-Za-z0-9_.-]/g, '_');
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `_${cleaned}`;
}

function cdata(text: string): string {
  return `<![CDATA[${text.replace(INVALID_XML_CHARS, '').replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

function escapeText(text: string): string {
  return text
    .replace(INVALID_XML_CHARS, '')
    .replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

function writeElement(name: string, value: unknown, depth: number, out: string[]): void {
  const pad = INDENT.repeat(depth);
  const tag = elementName(name);
  if (value === null || value === undefined || value === '') {
    // An empty text is an empty element, as the documented orderHistories page writes `"comment": ""`.
    out.push(`${pad}<${tag}/>`);
    return;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push(`${pad}<${tag}/>`);
    } else if (name === 'items') {
      out.push(`${pad}<${tag}>`);
      for (const entry of value) writeElement('item', entry, depth + 1, out);
      out.push(`${pad}</${tag}>`);
    } else {
      for (const entry of value) writeElement(name, entry, depth, out);
    }
    return;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) {
      out.push(`${pad}<${tag}/>`);
      return;
    }
    out.push(`${pad}<${tag}>`);
    for (const [key, child] of entries) writeElement(key, child, depth + 1, out);
    out.push(`${pad}</${tag}>`);
    return;
  }
  if (typeof value === 'string' && !BARE_KEYS.has(name)) {
    out.push(`${pad}<${tag}>`, `${pad}${INDENT}${cdata(value)}`, `${pad}</${tag}>`);
    return;
  }
  out.push(`${pad}<${tag}>${escapeText(String(value))}</${tag}>`);
}

/** The whole `<response>` document for `body`, with a trailing newline. */
export function toXmlResponse(body: unknown): string {
  const out: string[] = [];
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    out.push('<response>');
    for (const [key, value] of Object.entries(body as Record<string, unknown>))
      writeElement(key, value, 1, out);
    out.push('</response>');
  } else {
    writeElement('response', body, 0, out);
  }
  return `${out.join('\n')}\n`;
}

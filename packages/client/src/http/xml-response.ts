import { readXmlDocument } from '@srhooks/contracts/xml';

const LINK_KEYS = new Set(['first', 'previous', 'next', 'last']);
const MAX_DEPTH = 64;

/**
 * Turns an XML API answer (FACTS.md §3: root `<response>`, values in CDATA, a list repeats its
 * element, collections use `<items><item>`) into the JSON shape the API would have sent, so one
 * set of zod schemas reads both. Parsed with contracts' safe XML reader (no DTD, depth-limited).
 */
export function xmlResponseToJson(xml: string): unknown {
  const document = readXmlDocument(xml, { maxDepth: MAX_DEPTH });
  const [rootName] = Object.keys(document);
  const root = rootName === undefined ? undefined : document[rootName];
  return reshape(root, undefined);
}

function reshape(value: unknown, key: string | undefined): unknown {
  if (Array.isArray(value)) return value.map((item) => reshape(item, key));
  if (value === '' && key !== undefined && LINK_KEYS.has(key)) return null;
  if (key === 'items') {
    if (value === '' || value === null || value === undefined) return [];
    if (typeof value === 'object' && 'item' in (value as Record<string, unknown>)) {
      const inner = (value as Record<string, unknown>).item;
      const list = Array.isArray(inner) ? inner : [inner];
      return list.map((item) => reshape(item, undefined));
    }
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [childKey, child] of Object.entries(value)) out[childKey] = reshape(child, childKey);
    return out;
  }
  return value;
}

export { isXmlContentType } from './xml-content-type.js';

/**
 * The XML form of a delivery. ShopRenter does not document it (shared FACTS.md §4); our
 * assumption is the same tree as the JSON: `<orders><order>…</order></orders>`, one element per
 * field, a list as repeated elements. The assumption lives here, the list positions in
 * `xml-lists.ts` (re-exported here; apart so `assumptions.ts` names them without loading the parser).
 *
 * Reader (safe by construction):
 * - a markup pre-scan refuses any `<!DOCTYPE`, `<!ENTITY`, `<!ELEMENT`, `<!ATTLIST`,
 *   `<!NOTATION` before the parser sees the document (so no XXE and no billion laughs), and
 *   counts element depth without recursion (`maxDepth`);
 * - fast-xml-parser runs with `processEntities: false`; this module then decodes only the five
 *   predefined entities and numeric character references in text (never in CDATA), and refuses
 *   any other `&name;` (it could only come from a DTD, which is refused);
 * - attributes are ignored; values stay strings (the zod schemas decide what is a number);
 *   CDATA content is kept exactly; whitespace between elements is dropped; a leaf's text is
 *   kept exactly (whitespace-only text next to CDATA is layout and is dropped);
 * - elements at {@link XML_LIST_ELEMENTS} always become arrays (a single element becomes a
 *   one-element array), and an empty container in {@link XML_LIST_CONTAINERS} becomes an empty
 *   list; elsewhere a repeated element becomes an array and a single one a value.
 *
 * Writer (`xml-writer.ts`, re-exported here; apart so encoding a delivery loads no XML parser):
 * `<?xml version="1.0" encoding="UTF-8"?>`, a newline, then the envelope without
 * indentation; strings in CDATA (ShopRenter's API XML puts values in CDATA; `]]>` and CR are
 * split out so they survive), numbers and booleans as text, `null` and `""` as an empty
 * element, arrays as repeated elements. XML cannot tell `null` from `""`: both read back as
 * `""` (the delivery schemas turn an empty amount into `null`, so amounts survive).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { XML_LIST_CONTAINERS, XML_LIST_ELEMENTS } from './xml-lists.js';

export { writeXmlDocument, XmlWriteError } from './xml-writer.js';
export { XML_LIST_CONTAINERS, XML_LIST_ELEMENTS };

export type XmlReadErrorCode = 'invalid_xml' | 'xml_doctype_forbidden' | 'too_deep';

/** The document is not acceptable XML; `message` says what and where (line/column when known). */
export class XmlReadError extends Error {
  override readonly name = 'XmlReadError';
  constructor(
    readonly code: XmlReadErrorCode,
    message: string,
    readonly position?: { line: number; column: number },
  ) {
    super(message);
  }
}

function lineAndColumn(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: index - lineStart + 1 };
}

function errorAt(code: XmlReadErrorCode, xml: string, index: number, what: string): XmlReadError {
  const position = lineAndColumn(xml, index);
  return new XmlReadError(code, `${what} (line ${position.line}, column ${position.column})`, position);
}

const FORBIDDEN_DECLARATION = /^<!(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i;

/** Index of the `>` closing the tag that starts at `start`, skipping quoted attribute values. */
function tagEnd(xml: string, start: number): number {
  let quote: string | undefined;
  for (let i = start + 1; i < xml.length; i++) {
    const ch = xml[i];
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '>') return i;
  }
  return -1;
}

/**
 * Walks the markup once, iteratively: refuses DTD declarations and measures element depth.
 * Well-formedness is left to the validator; this only has to be safe on any input.
 */
export function scanXmlMarkup(xml: string, maxDepth: number): void {
  let depth = 0;
  let i = xml.indexOf('<');
  while (i !== -1) {
    let end: number;
    if (xml.startsWith('<!--', i)) {
      end = xml.indexOf('-->', i + 4);
      if (end === -1)
        throw errorAt('invalid_xml', xml, i, 'Invalid XML: a comment is never closed with "-->"');
      end += 2;
    } else if (xml.startsWith('<![CDATA[', i)) {
      end = xml.indexOf(']]>', i + 9);
      if (end === -1)
        throw errorAt('invalid_xml', xml, i, 'Invalid XML: a CDATA section is never closed with "]]>"');
      end += 2;
    } else if (xml.startsWith('<!', i)) {
      if (FORBIDDEN_DECLARATION.test(xml.slice(i, i + 12))) {
        throw errorAt(
          'xml_doctype_forbidden',
          xml,
          i,
          'XML with a DOCTYPE or entity declaration is refused (it enables XXE and entity-expansion attacks); ' +
            'send the document without <!DOCTYPE …>',
        );
      }
      throw errorAt('invalid_xml', xml, i, `Invalid XML: unexpected markup "${xml.slice(i, i + 12)}"`);
    } else if (xml.startsWith('<?', i)) {
      end = xml.indexOf('?>', i + 2);
      if (end === -1)
        throw errorAt('invalid_xml', xml, i, 'Invalid XML: a processing instruction is never closed');
      end += 1;
    } else {
      end = tagEnd(xml, i);
      if (end === -1) throw errorAt('invalid_xml', xml, i, 'Invalid XML: a tag is never closed with ">"');
      if (xml[i + 1] === '/') depth--;
      else if (xml[end - 1] !== '/') {
        depth++;
        if (depth > maxDepth) {
          throw errorAt('too_deep', xml, i, `The XML nests elements more than ${maxDepth} levels deep`);
        }
      }
    }
    i = xml.indexOf('<', end + 1);
  }
}

const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = {
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  apos: "'",
};

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** Decodes predefined entities and character references in parsed text; refuses anything else. */
function decodeText(raw: string, path: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^&;]*)(;?)/g, (match, name: string, semicolon: string) => {
    if (semicolon === '') {
      throw new XmlReadError('invalid_xml', `Invalid XML in <${path}>: a bare "&" must be written as &amp;`);
    }
    const predefined = PREDEFINED_ENTITIES[name];
    if (predefined !== undefined) return predefined;
    const reference = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(name);
    if (reference) {
      const code = reference[1] !== undefined ? Number.parseInt(reference[1], 16) : Number(reference[2]);
      if (isXmlChar(code)) return String.fromCodePoint(code);
      throw new XmlReadError('invalid_xml', `Invalid XML in <${path}>: ${match} is not an allowed character`);
    }
    throw new XmlReadError(
      'invalid_xml',
      `Invalid XML in <${path}>: unknown entity ${match.slice(0, 40)} (only &lt; &gt; &amp; &quot; &apos; and ` +
        'character references are allowed; DTDs are refused)',
    );
  });
}

const TEXT = '#text';
const CDATA = '#cdata'; // not a valid XML name, so it cannot collide with an element

type OrderedNode = Record<string, unknown>;

/** A parser per call: `maxNestedTags` backs up the pre-scan's depth limit. */
function createParser(maxDepth: number): XMLParser {
  return new XMLParser({
    preserveOrder: true,
    processEntities: false,
    htmlEntities: false,
    parseTagValue: false,
    parseAttributeValue: false,
    ignoreAttributes: true,
    trimValues: false,
    cdataPropName: CDATA,
    ignoreDeclaration: true,
    ignorePiTags: true,
    removeNSPrefix: false,
    textNodeName: TEXT,
    maxNestedTags: maxDepth,
  });
}

function elementName(node: OrderedNode): string | undefined {
  for (const key of Object.keys(node)) {
    if (key !== TEXT && key !== CDATA && key !== ':@') return key;
  }
  return undefined;
}

function cdataText(node: OrderedNode): string {
  const inner = node[CDATA];
  if (!Array.isArray(inner)) return '';
  return inner.map((part: OrderedNode) => String(part[TEXT] ?? '')).join('');
}

/** Converts one element's ordered children to a value. Depth is bounded by the pre-scan. */
function convertChildren(name: string, children: OrderedNode[], path: string): unknown {
  const elements = children.filter((child) => elementName(child) !== undefined);
  if (elements.length === 0) {
    const hasCdata = children.some((child) => CDATA in child);
    let value = '';
    for (const child of children) {
      if (CDATA in child) value += cdataText(child);
      else if (TEXT in child) {
        const raw = String(child[TEXT]);
        if (hasCdata && raw.trim() === '') continue;
        value += decodeText(raw, path);
      }
    }
    const listChild = XML_LIST_CONTAINERS[name];
    if (value === '' && listChild !== undefined) return { [listChild]: [] };
    return value;
  }
  const result: Record<string, unknown> = {};
  const repeated = new Set<string>(); // names already turned into a list by repetition
  for (const child of elements) {
    const childName = elementName(child) as string;
    const value = convertChildren(
      childName,
      (child[childName] as OrderedNode[]) ?? [],
      `${path}.${childName}`,
    );
    const existing = Object.hasOwn(result, childName) ? result[childName] : undefined;
    if (XML_LIST_ELEMENTS.has(`${name}/${childName}`) || repeated.has(childName)) {
      if (Array.isArray(existing)) existing.push(value);
      else result[childName] = [value];
    } else if (existing === undefined) result[childName] = value;
    else {
      result[childName] = [existing, value];
      repeated.add(childName);
    }
  }
  const mixedText = children
    .filter((child) => TEXT in child || CDATA in child)
    .map((child) => (CDATA in child ? cdataText(child) : decodeText(String(child[TEXT]), path)))
    .join('')
    .trim();
  if (mixedText !== '') result[TEXT] = mixedText;
  return result;
}

export interface XmlReadOptions {
  /** Maximum element nesting (the root element is depth 1). */
  readonly maxDepth: number;
}

/**
 * Parses an XML document into the JSON-shaped tree `{<root>: …}` described in the module
 * comment. Throws {@link XmlReadError} (`xml_doctype_forbidden`, `too_deep`, `invalid_xml`).
 */
export function readXmlDocument(xml: string, options: XmlReadOptions): Record<string, unknown> {
  scanXmlMarkup(xml, options.maxDepth);
  let validation: ReturnType<typeof XMLValidator.validate>;
  let ordered: OrderedNode[];
  try {
    validation = XMLValidator.validate(xml);
    ordered = validation === true ? (createParser(options.maxDepth).parse(xml) as OrderedNode[]) : [];
  } catch (error) {
    const message = (error as Error).message;
    if (/nested tags/i.test(message)) {
      throw new XmlReadError('too_deep', `The XML nests elements more than ${options.maxDepth} levels deep`);
    }
    throw new XmlReadError('invalid_xml', `Invalid XML: ${message}`);
  }
  if (validation !== true) {
    const { line, col, msg } = validation.err;
    throw new XmlReadError('invalid_xml', `Invalid XML: ${msg} (line ${line}, column ${col})`, {
      line,
      column: col,
    });
  }
  const roots = ordered.filter((node) => elementName(node) !== undefined);
  const root = roots[0];
  if (roots.length !== 1 || root === undefined) {
    throw new XmlReadError(
      'invalid_xml',
      `Invalid XML: expected exactly one root element, found ${roots.length}`,
    );
  }
  const rootName = elementName(root) as string;
  return { [rootName]: convertChildren(rootName, (root[rootName] as OrderedNode[]) ?? [], rootName) };
}

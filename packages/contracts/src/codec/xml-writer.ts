/** The XML writer of a delivery (the rules: see the module comment of xml.ts). It needs no XML parser. */

/** Error of {@link writeXmlDocument}: the value has no XML form (bad element name, control character…). */
export class XmlWriteError extends Error {
  override readonly name = 'XmlWriteError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

const XML_NAME = /^[A-Za-z_][A-Za-z0-9._-]*$/;
const NOT_XML_CHAR =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function cdata(text: string, path: string): string {
  const bad = NOT_XML_CHAR.exec(text);
  if (bad) {
    const code = bad[0].charCodeAt(0).toString(16).padStart(4, '0');
    throw new XmlWriteError(
      path,
      `Cannot write ${path} as XML: it contains U+${code}, which XML 1.0 cannot carry.`,
    );
  }
  // `]]>` would end the section and a CR would be normalised away by XML parsers: split both out.
  const body = text.replace(/]]>/g, ']]]]><![CDATA[>').replace(/\r/g, ']]>&#13;<![CDATA[');
  return `<![CDATA[${body}]]>`;
}

function writeElement(name: string, value: unknown, path: string, out: string[]): void {
  if (value === undefined) return;
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      if (Array.isArray(item)) {
        throw new XmlWriteError(
          path,
          `Cannot write ${path}[${index}] as XML: a list inside a list has no XML form.`,
        );
      }
      writeElement(name, item, `${path}[${index}]`, out);
    });
    return;
  }
  if (!XML_NAME.test(name)) {
    throw new XmlWriteError(
      path,
      `Cannot write ${path} as XML: "${name.slice(0, 40)}" is not a valid element name (letters, digits, _ . -).`,
    );
  }
  if (value === null || value === '') {
    out.push(`<${name}/>`);
    return;
  }
  switch (typeof value) {
    case 'string':
      out.push(`<${name}>${cdata(value, path)}</${name}>`);
      return;
    case 'number':
      if (!Number.isFinite(value))
        throw new XmlWriteError(path, `Cannot write ${path} as XML: ${value} is not a number.`);
      out.push(`<${name}>${String(value)}</${name}>`);
      return;
    case 'boolean':
      out.push(`<${name}>${value ? 'true' : 'false'}</${name}>`);
      return;
    case 'object': {
      const entries = Object.entries(value as Record<string, unknown>).filter(
        ([, member]) => member !== undefined,
      );
      if (entries.length === 0) {
        out.push(`<${name}/>`);
        return;
      }
      out.push(`<${name}>`);
      for (const [key, member] of entries) writeElement(key, member, `${path}.${key}`, out);
      out.push(`</${name}>`);
      return;
    }
    default:
      throw new XmlWriteError(path, `Cannot write ${path} as XML: a ${typeof value} has no XML form.`);
  }
}

/**
 * Writes `{<root>: value}` as an XML document (see the module comment for the rules).
 * Throws {@link XmlWriteError} when a part of the value has no XML form.
 */
export function writeXmlDocument(document: Record<string, unknown>): string {
  const keys = Object.keys(document);
  const rootName = keys[0];
  if (keys.length !== 1 || rootName === undefined) {
    throw new XmlWriteError('', `An XML document needs exactly one root key, got ${keys.length}.`);
  }
  if (Array.isArray(document[rootName])) {
    throw new XmlWriteError(
      rootName,
      `Cannot write ${rootName} as the XML root: the root must be one element, not a list.`,
    );
  }
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  writeElement(rootName, document[rootName], rootName, out);
  return out.join('');
}

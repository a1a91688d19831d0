import { describe, expect, it } from 'vitest';
import { readXmlDocument, scanXmlMarkup, writeXmlDocument, XmlReadError, XmlWriteError } from './xml.js';

const read = (xml: string) => readXmlDocument(xml, { maxDepth: 64 });

function readError(xml: string, maxDepth = 64): XmlReadError {
  try {
    readXmlDocument(xml, { maxDepth });
  } catch (error) {
    if (error instanceof XmlReadError) return error;
    throw error;
  }
  throw new Error('expected an XmlReadError');
}

describe('readXmlDocument', () => {
  it('turns single elements at list positions into one-element arrays', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<orders>
  <order>
    <innerId>190</innerId>
    <orderProducts>
      <orderProduct>
        <sku>A</sku>
        <volume><height>1.5</height><volumeUnit><unit>cm</unit><language>hu</language></volumeUnit></volume>
        <weight><weight>0.4</weight><weightUnit><unit>kg</unit></weightUnit><weightUnit><unit>kg</unit></weightUnit></weight>
      </orderProduct>
    </orderProducts>
  </order>
</orders>`;
    expect(read(xml)).toEqual({
      orders: {
        order: [
          {
            innerId: '190',
            orderProducts: {
              orderProduct: [
                {
                  sku: 'A',
                  volume: { height: '1.5', volumeUnit: [{ unit: 'cm', language: 'hu' }] },
                  weight: { weight: '0.4', weightUnit: [{ unit: 'kg' }, { unit: 'kg' }] },
                },
              ],
            },
          },
        ],
      },
    });
  });

  it('single subscriber → list; repeated unknown elements → list; single unknown → value', () => {
    expect(
      read(
        '<newsletter><subscriber><id>1</id><tag>a</tag><tag>b</tag><tag>c</tag><x>y</x></subscriber></newsletter>',
      ),
    ).toEqual({
      newsletter: { subscriber: [{ id: '1', tag: ['a', 'b', 'c'], x: 'y' }] },
    });
  });

  it('empty list containers become empty lists; other empty elements become ""', () => {
    expect(read('<orders><order><fax/><comment></comment><orderProducts/></order></orders>')).toEqual({
      orders: { order: [{ fax: '', comment: '', orderProducts: { orderProduct: [] } }] },
    });
    expect(read('<orders/>')).toEqual({ orders: { order: [] } });
  });

  it('keeps CDATA exactly and decodes the predefined entities and character references in text', () => {
    const xml =
      '<orders><order><a><![CDATA[ Tom &amp; <Jerry> ]]></a><b>Tom &amp; &lt;Jerry&gt; &quot;&apos; &#233;&#x151; &#x1F381;</b>' +
      '<c>\n  <![CDATA[x]]>\n</c><d>  spaced  </d></order></orders>';
    expect(read(xml)).toEqual({
      orders: { order: [{ a: ' Tom &amp; <Jerry> ', b: `Tom & <Jerry> "' éő 🎁`, c: 'x', d: '  spaced  ' }] },
    });
  });

  it('ignores attributes, comments and processing instructions', () => {
    expect(
      read(
        '<?xml version="1.0"?><!-- hi --><orders a="1"><?pi x?><order id="5"><innerId>5</innerId></order></orders>',
      ),
    ).toEqual({
      orders: { order: [{ innerId: '5' }] },
    });
  });

  it.each([
    ['an unknown entity', '<a>&nbsp;</a>', 'unknown entity &nbsp;'],
    ['a bare ampersand', '<a>fish & chips</a>', "char '&' is not expected"],
    ['a reference to a forbidden character', '<a>&#1;</a>', '&#1; is not an allowed character'],
    ['a mismatched tag', '<a><b></a>', "Expected closing tag 'b'"],
    ['two roots', '<a/><b/>', 'root'],
    ['an unclosed comment', '<a><!-- x </a>', 'comment is never closed'],
    ['an unclosed CDATA', '<a><![CDATA[ x </a>', 'CDATA section is never closed'],
    ['a prototype-polluting name', '<a><__proto__>1</__proto__></a>', 'Invalid XML'],
    ['no element at all', 'just text', 'Invalid XML'],
  ])('rejects %s as invalid_xml', (_name, xml, fragment) => {
    const error = readError(xml);
    expect(error.code).toBe('invalid_xml');
    expect(error.message).toContain(fragment);
  });

  it('refuses DTDs before parsing, with the position', () => {
    const error = readError('<?xml version="1.0"?>\n<!DOCTYPE a SYSTEM "http://evil.example/x.dtd">\n<a/>');
    expect(error.code).toBe('xml_doctype_forbidden');
    expect(error.position).toEqual({ line: 2, column: 1 });
    expect(readError('<!doctype a><a/>').code).toBe('xml_doctype_forbidden');
    expect(readError('<a><!ENTITY x "y"></a>').code).toBe('xml_doctype_forbidden');
  });

  it('does not mistake DOCTYPE text inside CDATA or comments for a declaration', () => {
    expect(read('<a><b><![CDATA[<!DOCTYPE html>]]></b><!-- <!DOCTYPE x> --></a>')).toEqual({
      a: { b: '<!DOCTYPE html>' },
    });
  });

  it('counts depth without recursion: limit holds, self-closing and quoted ">" do not count', () => {
    expect(() => scanXmlMarkup('<a>'.repeat(64) + '</a>'.repeat(64), 64)).not.toThrow();
    let exactly64: unknown = '';
    for (let i = 0; i < 63; i++) exactly64 = { a: exactly64 };
    expect(read('<a>'.repeat(64) + '</a>'.repeat(64))).toEqual({ a: exactly64 });
    expect(readError('<a>'.repeat(65) + '</a>'.repeat(65)).code).toBe('too_deep');
    expect(readError('<a>'.repeat(100_000)).code).toBe('too_deep');
    expect(() => scanXmlMarkup(`<a>${'<b x=">"/>'.repeat(1000)}</a>`, 2)).not.toThrow();
  });
});

describe('writeXmlDocument', () => {
  it('writes the declaration, CDATA strings, plain numbers, empty elements and repeated lists', () => {
    expect(
      writeXmlDocument({
        orders: {
          order: [
            {
              innerId: '1',
              total: 9945,
              fax: '',
              coupon: null,
              flag: true,
              units: [{ u: 'cm' }, { u: 'kg' }],
              empty: {},
            },
          ],
        },
      }),
    ).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<orders><order><innerId><![CDATA[1]]></innerId><total>9945</total><fax/>' +
        '<coupon/><flag>true</flag><units><u><![CDATA[cm]]></u></units><units><u><![CDATA[kg]]></u></units><empty/></order></orders>',
    );
  });

  it('values with ]]>, CR, markup and astral characters survive a round trip', () => {
    const nasty = 'a]]>b\r\nc <d> & "e" 🎁 \t end ';
    const xml = writeXmlDocument({ newsletter: { subscriber: [{ comment: nasty, blank: ' ', cr: '\r' }] } });
    expect(read(xml)).toEqual({ newsletter: { subscriber: [{ comment: nasty, blank: ' ', cr: '\r' }] } });
  });

  it.each([
    [{ a: 1, b: 2 }, 'exactly one root key'],
    [{ orders: [1, 2] }, 'the root must be one element'],
    [{ orders: { 'bad name': 'x' } }, '"bad name" is not a valid element name'],
    [{ orders: { '1st': 'x' } }, '"1st" is not a valid element name'],
    [{ orders: { x: 'bell\u0007' } }, 'U+0007'],
    [{ orders: { x: 'lone \ud800 surrogate' } }, 'U+d800'],
    [{ orders: { x: [[1]] } }, 'a list inside a list'],
    [{ orders: { x: Number.NaN } }, 'NaN is not a number'],
  ])('refuses %j', (document, fragment) => {
    try {
      writeXmlDocument(document as Record<string, unknown>);
      throw new Error('expected an error');
    } catch (error) {
      expect(error).toBeInstanceOf(XmlWriteError);
      expect((error as Error).message).toContain(fragment);
    }
  });
});

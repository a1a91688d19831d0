/**
 * The hostile bodies of the reliability scenarios (hostile-requests.ts picks the kind and the URL):
 * each kind of malformed or hostile delivery body, derived from one sample order, reproducible from
 * the seed.
 */
import { encodeDelivery, samplePayload } from '@srhooks/contracts';
import type { SeededRandom } from './seeded-random.js';

export const BODY_KINDS = [
  'truncated_multipart',
  'wrong_boundary',
  'missing_data',
  'broken_json',
  'wrong_types',
  'xml_doctype',
  'billion_laughs',
  'xml_external_entity',
  'oversize_10mb',
  'oversize_chunked',
  'deep_json',
  'deep_xml',
  'invalid_utf8',
  'huge_headers',
  'malformed_header',
  'unsupported_content_type',
  'broken_urlencoded',
  'empty_body',
  'binary_garbage',
] as const;
export type BodyKind = (typeof BODY_KINDS)[number];

export const BOUNDARY = '------------------------8a1e5b7c3d9f2a64';
const TEN_MB = 10 * 1024 * 1024;

export function multipart(value: Buffer | string, name = 'data', boundary = BOUNDARY): Buffer {
  return Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`),
    Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8'),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
}

export const MULTIPART_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

export interface Body {
  contentType: string | null;
  body: Buffer | Buffer[];
  chunked?: boolean;
  extraHeaders?: string[];
  /** Replaces the Content-Length / Transfer-Encoding line (malformed framing). */
  framing?: string[];
}

export class HostileBodies {
  readonly #random: SeededRandom;
  readonly #orderJson: string;
  readonly #orderXml: string;

  constructor(random: SeededRandom) {
    this.#random = random;
    const payload = samplePayload('order_confirm', random.int(1, 1_000_000));
    this.#orderJson = encodeDelivery('order_confirm', payload, { format: 'json' }).data;
    this.#orderXml = encodeDelivery('order_confirm', payload, { format: 'xml' }).data;
  }

  /** A body of `kind`, derived from the sample order. */
  body(kind: BodyKind): Body {
    const random = this.#random;
    const json = this.#orderJson;
    switch (kind) {
      case 'truncated_multipart': {
        const full = multipart(json);
        const closing = full.lastIndexOf(`--${BOUNDARY}--`);
        // cut anywhere before the closing delimiter is complete
        return {
          contentType: MULTIPART_TYPE,
          body: full.subarray(0, random.int(1, closing + BOUNDARY.length + 3)),
        };
      }
      case 'wrong_boundary': {
        const variant = random.int(0, 3);
        const contentType = [
          `multipart/form-data; boundary=----------------------${random.hex(16)}`,
          'multipart/form-data',
          `multipart/form-data; boundary="${'x'.repeat(random.int(71, 200))}"`,
          'multipart/form-data; boundary=',
        ][variant] as string;
        return { contentType, body: multipart(json) };
      }
      case 'missing_data': {
        const variant = random.int(0, 4);
        if (variant === 0) return { contentType: MULTIPART_TYPE, body: Buffer.from(`--${BOUNDARY}--\r\n`) };
        if (variant === 1)
          return {
            contentType: 'application/x-www-form-urlencoded',
            body: Buffer.from(`payload=${encodeURIComponent(json)}`),
          };
        const name = random.pick(['payload', 'Data', 'data ', 'dat', 'json', '']);
        return { contentType: MULTIPART_TYPE, body: multipart(json, name) };
      }
      case 'broken_json': {
        const variants = [
          () => json.slice(0, random.int(0, json.length - 1)),
          () => `${json}${random.pick(['}', ']', ',', 'x', '{"a":1}'])}`,
          () => json.replace('"', "'"),
          () => json.replace('}', ',}'),
          () => json.replace(/"innerId":"[^"]*"/, '"innerId":NaN'),
          () => json.replace('{"orders"', '{orders'),
          () => `// comment\n${json}`,
          () => json.replace(/"([a-z]+)":/, '"$1"'),
        ];
        const document = random.pick(variants)();
        return random.chance(0.8)
          ? { contentType: MULTIPART_TYPE, body: multipart(document) }
          : { contentType: 'application/json', body: Buffer.from(document) };
      }
      case 'wrong_types': {
        const document = random.pick([
          '{"orders":"x"}',
          '{"orders":42}',
          '{"orders":{"order":[42]}}',
          '{"orders":{"order":["x"]}}',
          '{"orders":{"order":[true]}}',
          '{"orders":{"order":[{"innerId":{"a":1}}]}}',
          '{"orders":{"order":[{"innerId":"1","shippingNetPrice":"abc"}]}}',
          '{"orders":{"order":[{"innerId":"1","orderProducts":{"orderProduct":[{"price":"12 Ft"}]}}]}}',
          '{"orders":{"order":[{"innerId":[1,2]}]}}',
          '{"__proto__":{"polluted":true},"orders":{"order":[{"innerId":{"__proto__":1}}]}}',
          '{"newsletter":{"subscriber":[{"id":{"x":1}}]}}',
          '{"newsletter":"x"}',
          '[1,2,3]',
          '"orders"',
          'null',
          'true',
          '12345',
          '{}',
        ]);
        return random.chance(0.8)
          ? { contentType: MULTIPART_TYPE, body: multipart(document) }
          : { contentType: 'application/json', body: Buffer.from(document) };
      }
      case 'xml_doctype': {
        const document = random.pick([
          `<?xml version="1.0"?><!DOCTYPE orders [<!ENTITY name "Kovács">]><orders><order><innerId>1</innerId><firstname>&name;</firstname></order></orders>`,
          `<!DOCTYPE orders><orders><order><innerId>1</innerId></order></orders>`,
          `<?xml version="1.0"?><!DOCTYPE orders [<!ENTITY % p "<!ENTITY x 'y'>"> %p;]><orders/>`,
          `<!DOCTYPE orders SYSTEM "http://127.0.0.1:9/evil.dtd"><orders><order><innerId>1</innerId></order></orders>`,
          // a genuine XML order with an internal subset slipped in front
          `<!DOCTYPE orders [<!ENTITY x "y">]>${this.#orderXml.replace(/^<\?xml[^>]*\?>/, '')}`,
        ]);
        return this.#xml(document);
      }
      case 'billion_laughs': {
        let entities = '<!ENTITY lol "lol">';
        for (let level = 1; level <= 9; level++) {
          entities += `<!ENTITY lol${level} "${`&lol${level === 1 ? '' : level - 1};`.repeat(10)}">`;
        }
        return this.#xml(
          `<?xml version="1.0"?><!DOCTYPE lolz [${entities}]><orders><order><innerId>&lol9;</innerId></order></orders>`,
        );
      }
      case 'xml_external_entity':
        return this.#xml(
          random.pick([
            '<?xml version="1.0"?><!DOCTYPE orders [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><orders><order><innerId>&xxe;</innerId></order></orders>',
            '<?xml version="1.0"?><!DOCTYPE orders [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/">]><orders><order><innerId>&xxe;</innerId></order></orders>',
            '<?xml version="1.0"?><orders xmlns:xi="http://www.w3.org/2001/XInclude"><order><xi:include href="file:///etc/passwd" parse="text"/></order></orders>x<',
          ]),
        );
      case 'oversize_10mb': {
        const filler = Buffer.alloc(TEN_MB, 'a');
        return {
          contentType: MULTIPART_TYPE,
          body: multipart(
            Buffer.concat([Buffer.from('{"orders":{"order":[{"x":"'), filler, Buffer.from('"}]}}')]),
          ),
        };
      }
      case 'oversize_chunked': {
        const chunk = Buffer.alloc(256 * 1024, 'b');
        const framed = Buffer.concat([
          Buffer.from(`${chunk.length.toString(16)}\r\n`),
          chunk,
          Buffer.from('\r\n'),
        ]);
        const parts: Buffer[] = Array.from({ length: TEN_MB / chunk.length }, () => framed);
        parts.push(Buffer.from('0\r\n\r\n'));
        return { contentType: 'application/json', body: parts, chunked: true };
      }
      case 'deep_json': {
        const depth = 10_000;
        const open = random.chance(0.5) ? '[' : '{"a":';
        const close = open === '[' ? ']' : '}';
        const document = `{"orders":{"order":[{"innerId":"1","x":${open.repeat(depth)}1${close.repeat(depth)}}]}}`;
        return random.chance(0.7)
          ? { contentType: MULTIPART_TYPE, body: multipart(document) }
          : { contentType: 'application/json', body: Buffer.from(document) };
      }
      case 'deep_xml': {
        const depth = 10_000;
        return this.#xml(
          `<orders><order><innerId>1</innerId>${'<x>'.repeat(depth)}1${'</x>'.repeat(depth)}</order></orders>`,
        );
      }
      case 'invalid_utf8': {
        const bad = random.pick([
          [0xff],
          [0xc3, 0x28],
          [0xc0, 0xaf],
          [0xed, 0xa0, 0x80],
          [0xe2, 0x82],
          [0xf8, 0x88, 0x80, 0x80, 0x80],
        ]);
        const at = json.indexOf('"firstname":"') + '"firstname":"'.length;
        const document = Buffer.concat([
          Buffer.from(json.slice(0, at)),
          Buffer.from(bad),
          Buffer.from(json.slice(at)),
        ]);
        return random.chance(0.8)
          ? { contentType: MULTIPART_TYPE, body: multipart(document) }
          : { contentType: 'application/json', body: document };
      }
      case 'huge_headers': {
        const variant = random.int(0, 1);
        const extraHeaders =
          variant === 0
            ? [`X-Padding: ${'a'.repeat(random.int(20_000, 80_000))}`]
            : Array.from({ length: random.int(200, 600) }, (_, i) => `X-Header-${i}: ${'b'.repeat(100)}`);
        return { contentType: MULTIPART_TYPE, body: multipart(json), extraHeaders };
      }
      case 'malformed_header': {
        const framing = random.pick([
          // request smuggling: both framings
          [`Content-Length: ${Buffer.byteLength(json) + 4}`, 'Transfer-Encoding: chunked'],
          // two different lengths
          [`Content-Length: ${Buffer.byteLength(json) + 4}`, `Content-Length: ${Buffer.byteLength(json)}`],
          ['Content-Length: abc'],
          ['Content-Length: -1'],
          ['Transfer-Encoding: gzip, chunked, identity'],
          [`Content-Length: ${Buffer.byteLength(json) + 4}`, 'X-Bad\u0003Name: 1'],
          [`Content-Length: ${Buffer.byteLength(json) + 4}`, 'X-No-Colon'],
          [`Content-Length: ${Buffer.byteLength(json) + 4}`, `X-Control: a\u0001b`],
        ]);
        return { contentType: 'application/json', body: Buffer.from(`${json}\r\n\r\n`), framing };
      }
      case 'unsupported_content_type':
        return {
          contentType: random.pick([
            null,
            'text/plain',
            'image/png',
            'application/octet-stream',
            'multipart/mixed; boundary=x',
            'application/jsonx',
          ]),
          body: Buffer.from(json),
        };
      case 'broken_urlencoded':
        return {
          contentType: 'application/x-www-form-urlencoded',
          body: Buffer.from(
            random.pick([
              `data=${json.slice(0, 20)}%ZZ`,
              'data=%',
              'data=%E0%A4%A',
              `data=${encodeURIComponent('{"orders":')}`,
              '&&&===',
            ]),
          ),
        };
      case 'empty_body':
        return {
          contentType: random.pick([MULTIPART_TYPE, 'application/json', 'application/xml']),
          body: Buffer.alloc(0),
        };
      case 'binary_garbage': {
        // raw bytes (mostly invalid UTF-8) or printable ASCII noise (valid UTF-8, nonsense otherwise)
        const printable = random.chance(0.5);
        const bytes = Buffer.alloc(random.int(1, 4096));
        for (let i = 0; i < bytes.length; i++)
          bytes[i] = printable ? random.int(0x20, 0x7e) : random.int(0, 255);
        return {
          contentType: random.pick([
            MULTIPART_TYPE,
            'application/json',
            'application/xml',
            'application/x-www-form-urlencoded',
          ]),
          body: bytes,
        };
      }
    }
  }

  #xml(document: string): Body {
    const variant = this.#random.int(0, 2);
    if (variant === 0) return { contentType: MULTIPART_TYPE, body: multipart(document) };
    return { contentType: variant === 1 ? 'application/xml' : 'text/xml', body: Buffer.from(document) };
  }

  /** The order JSON the bodies are derived from (for a genuine delivery after the flood). */
  genuine(): { contentType: string; body: Buffer } {
    return { contentType: MULTIPART_TYPE, body: multipart(this.#orderJson) };
  }
}

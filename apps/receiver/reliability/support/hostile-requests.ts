/**
 * Seeded generator of malformed and hostile deliveries (reproducible from the seed): truncated
 * multipart, wrong boundary, missing `data`, broken JSON, wrong types, XML with DOCTYPE / entities /
 * billion laughs / external entities, 10 MB bodies, 10,000-deep nesting, invalid UTF-8, huge
 * headers, unsupported content types, broken urlencoded, empty bodies, binary garbage. Each goes to
 * an authentic signed URL or to a forged one (random, other shop's, other event's, other secret's
 * token, unknown event, malformed shop, traversal, truncated / overlong token, extra or missing
 * segments), and says which answers are correct:
 * - authentic: 400 (quarantined with the decode error), 413 over the hard body limit (the scenario
 *   sets it below 10 MB), 431 for huge headers;
 * - forged: 404 (the URL is refused before the body is read), 431 for huge headers (refused by the
 *   HTTP parser before any routing).
 */
import { signDeliveryPath, WEBHOOK_EVENTS, type WebhookEvent } from '@srhooks/contracts';
import { BODY_KINDS, type BodyKind, HostileBodies } from './hostile-bodies.js';
import type { SeededRandom } from './seeded-random.js';

export { BODY_KINDS, type BodyKind } from './hostile-bodies.js';

export type UrlKind =
  | 'authentic'
  | 'random_token'
  | 'other_shop_token'
  | 'other_event_token'
  | 'other_secret_token'
  | 'unknown_event'
  | 'malformed_shop'
  | 'traversal'
  | 'truncated_token'
  | 'overlong_token'
  | 'extra_segment'
  | 'missing_token';

export interface HostileRequest {
  no: number;
  kind: BodyKind;
  url: UrlKind;
  path: string;
  /** Request line and headers, ending with the blank line. */
  head: Buffer;
  /** Body bytes (already chunk-encoded for `oversize_chunked`). */
  body: Buffer | Buffer[];
  /** Correct answers. */
  expected: readonly number[];
  /**
   * Refused by the HTTP layer before routing (huge or malformed headers): no delivery exists, so
   * nothing is quarantined, and the answer is the same for authentic and forged URLs.
   */
  protocolLevel: boolean;
  /**
   * The server may answer before reading the body (forged URL, over the limit, bad headers) and close
   * the connection; with a large body still unread, the kernel turns that close into a reset and the
   * client can lose the answer. Such a request may end without an answer (counted as `cutOff`).
   */
  mayBeCutOff: boolean;
}

const SHOPS = ['hostile-shop', 'other-shop'] as const;
export const HOSTILE_SHOP = SHOPS[0];

/** How often each body kind is picked (the expensive ones rarely). */
const WEIGHTS: Record<BodyKind, number> = {
  truncated_multipart: 12,
  wrong_boundary: 8,
  missing_data: 8,
  broken_json: 12,
  wrong_types: 12,
  xml_doctype: 6,
  billion_laughs: 4,
  xml_external_entity: 4,
  oversize_10mb: 0.06,
  oversize_chunked: 0.06,
  deep_json: 3,
  deep_xml: 3,
  invalid_utf8: 8,
  huge_headers: 1,
  malformed_header: 2,
  unsupported_content_type: 6,
  broken_urlencoded: 5,
  empty_body: 3,
  binary_garbage: 5,
};

export class HostileRequestGenerator {
  readonly #random: SeededRandom;
  readonly #secret: string;
  readonly #kinds: BodyKind[];
  readonly #totalWeight: number;
  readonly #bodies: HostileBodies;

  constructor(random: SeededRandom, secret: string) {
    this.#random = random;
    this.#secret = secret;
    this.#kinds = [...BODY_KINDS];
    this.#totalWeight = this.#kinds.reduce((sum, kind) => sum + WEIGHTS[kind], 0);
    this.#bodies = new HostileBodies(random);
  }

  /** Request number `no`; `force` pins the kind / URL (to guarantee every class appears). */
  next(no: number, force: { kind?: BodyKind; authentic?: boolean } = {}): HostileRequest {
    const random = this.#random;
    const kind = force.kind ?? this.#pickKind();
    const authentic = force.authentic ?? random.chance(0.7);
    const event = random.pick(WEBHOOK_EVENTS);
    const { url, path } = authentic ? this.#authenticPath(event) : this.#forgedPath(event);
    const body = this.#bodies.body(kind);
    const framing =
      body.framing ??
      (body.chunked ? ['Transfer-Encoding: chunked'] : [`Content-Length: ${(body.body as Buffer).length}`]);
    const headers = [
      `POST ${path} HTTP/1.1`,
      'Host: 127.0.0.1',
      'User-Agent: ShopRenter',
      'Accept: */*',
      ...(body.contentType === null ? [] : [`Content-Type: ${body.contentType}`]),
      ...framing,
      ...(random.chance(0.3) ? ['Expect: 100-continue'] : []),
      'Connection: close',
      ...(body.extraHeaders ?? []),
    ];
    const protocolLevel = kind === 'huge_headers' || kind === 'malformed_header';
    const oversize = kind === 'oversize_10mb' || kind === 'oversize_chunked';
    const expected =
      kind === 'huge_headers' ? [431] : protocolLevel ? [400] : !authentic ? [404] : oversize ? [413] : [400];
    const bodyBytes = Array.isArray(body.body)
      ? body.body.reduce((sum, part) => sum + part.length, 0)
      : body.body.length;
    return {
      no,
      kind,
      url,
      path,
      head: Buffer.from(`${headers.join('\r\n')}\r\n\r\n`, 'latin1'),
      body: body.body,
      expected,
      protocolLevel,
      mayBeCutOff:
        (!authentic || oversize || protocolLevel) && (bodyBytes > 16 * 1024 || kind === 'huge_headers'),
    };
  }

  #pickKind(): BodyKind {
    let roll = this.#random.next() * this.#totalWeight;
    for (const kind of this.#kinds) {
      roll -= WEIGHTS[kind];
      if (roll < 0) return kind;
    }
    return 'broken_json';
  }

  #authenticPath(event: WebhookEvent): { url: UrlKind; path: string } {
    return { url: 'authentic', path: signDeliveryPath({ shop: HOSTILE_SHOP, event }, this.#secret) };
  }

  #forgedPath(event: WebhookEvent): { url: UrlKind; path: string } {
    const random = this.#random;
    const good = signDeliveryPath({ shop: HOSTILE_SHOP, event }, this.#secret);
    const token = good.slice(good.lastIndexOf('/') + 1);
    const otherEvent = random.pick(WEBHOOK_EVENTS.filter((e) => e !== event));
    const url = random.pick<UrlKind>([
      'random_token',
      'other_shop_token',
      'other_event_token',
      'other_secret_token',
      'unknown_event',
      'malformed_shop',
      'traversal',
      'truncated_token',
      'overlong_token',
      'extra_segment',
      'missing_token',
    ]);
    const base = `/hooks/${HOSTILE_SHOP}/${event}`;
    switch (url) {
      case 'random_token':
        return { url, path: `${base}/${randomToken(random, token.length)}` };
      case 'other_shop_token': {
        const other = signDeliveryPath({ shop: SHOPS[1], event }, this.#secret);
        return { url, path: `${base}/${other.slice(other.lastIndexOf('/') + 1)}` };
      }
      case 'other_event_token': {
        const other = signDeliveryPath({ shop: HOSTILE_SHOP, event: otherEvent }, this.#secret);
        return { url, path: `${base}/${other.slice(other.lastIndexOf('/') + 1)}` };
      }
      case 'other_secret_token':
        return { url, path: signDeliveryPath({ shop: HOSTILE_SHOP, event }, `${this.#secret}-guess`) };
      case 'unknown_event':
        return {
          url,
          path: `/hooks/${HOSTILE_SHOP}/${random.pick(['order_delete', 'ORDER_CONFIRM', 'x', '%00'])}/${token}`,
        };
      case 'malformed_shop':
        return {
          url,
          path: `/hooks/${random.pick(['Hostile-Shop', 'hostile.shop', 'hostile%2Fshop', '-', 'a'.repeat(300), '%00'])}/${event}/${token}`,
        };
      case 'traversal':
        return {
          url,
          path: random.pick([
            `${base}/../../admin/api/events`,
            `/hooks/..%2F..%2Fadmin/${event}/${token}`,
            `${base}/${token}%2F..`,
          ]),
        };
      case 'truncated_token':
        return { url, path: `${base}/${token.slice(0, random.int(1, token.length - 1))}` };
      case 'overlong_token':
        return { url, path: `${base}/${token}${'A'.repeat(random.int(1, 4000))}` };
      case 'extra_segment':
        return { url, path: `${good}/extra` };
      case 'missing_token':
        return { url, path: random.pick([base, `${base}/`]) };
      default:
        return { url: 'random_token', path: `${base}/${randomToken(random, token.length)}` };
    }
  }

  /** The order JSON the bodies are derived from (for a genuine delivery after the flood). */
  genuine(): { contentType: string; body: Buffer } {
    return this.#bodies.genuine();
  }
}

function randomToken(random: SeededRandom, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let token = '';
  for (let i = 0; i < length; i++) token += alphabet[random.int(0, alphabet.length - 1)];
  return token;
}

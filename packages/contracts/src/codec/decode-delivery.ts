/**
 * `decodeDelivery`: one HTTP delivery body → the typed orders or subscribers it carries, or a
 * {@link DeliveryDecodeError} that says which layer was wrong (`part`), where (`path`) and what
 * was found (`value`). Checks run in this order, each with its own `code`:
 *
 * 1. size (`body_too_large`), emptiness (`empty_body`), a content coding (`unsupported_content_encoding`:
 *    a `Content-Encoding` other than `identity`, as gzip; the body is read as sent), UTF-8 (`invalid_utf8`,
 *    with the offset);
 * 2. content type (`unsupported_content_type`, listing the accepted ones);
 * 3. the form: multipart (`malformed_multipart`, `missing_data_field` naming the fields present)
 *    or urlencoded (`invalid_urlencoded`, also for more than 100 fields, `missing_data_field`
 *    listing at most 100 names); a form with more than one `data`
 *    field is ambiguous (`duplicate_data_field`): neither is taken, so no order is silently dropped;
 * 4. the document: JSON (`too_deep` by a bracket scan before parsing, `invalid_json` with the
 *    position) or XML (`xml_doctype_forbidden`, `too_deep`, `invalid_xml`); in a form field the
 *    format is detected from the first non-space character (`<` = XML, otherwise JSON); a JSON
 *    key given twice in one object, at any depth (`duplicate_key`, naming the key and its path: the
 *    reader would keep the last only);
 * 5. the envelope (`wrong_envelope`): `{"orders":{"order":[…]}}` for order events,
 *    `{"newsletter":{"subscriber":[…]}}` for newsletter events;
 * 6. the fields, by the zod delivery schemas (`invalid_field`, first problem's path and value).
 *
 * Quirk accepted on purpose: a list that arrives as a single object
 * (`{"orders":{"order":{…}}}`, also `orderProduct`, `volumeUnit`, …) is read as a one-element
 * list, because PHP serialisers and XML produce that shape for one item. `null`/`""` as a list
 * is an empty list.
 */
import { isUtf8 } from 'node:buffer';
import {
  ContractsError,
  DeliveryDecodeError,
  type DeliveryDecodeErrorCode,
  type DeliveryPart,
  InvalidEventError,
} from '../errors.js';
import {
  type DeliveryFormat,
  isOrderEvent,
  isWebhookEvent,
  type NewsletterEvent,
  type OrderEvent,
  WEBHOOK_EVENTS,
  type WebhookEvent,
} from '../events.js';
import {
  type NewsletterEnvelope,
  NewsletterEnvelopeSchema,
  type OrderItem,
  type OrdersEnvelope,
  OrdersEnvelopeSchema,
  type Subscriber,
} from '../schemas/delivery.js';
import { unsupportedContentCoding } from './content-coding.js';
import { parseContentType } from './content-type.js';
import { envelopeShapeOf } from './envelope.js';
import { compileFastParse } from './fast-schema-parse.js';
import { MAX_DELIVERY_FORM_FIELDS, parseUrlEncoded, UrlEncodedFormatError } from './form-urlencoded.js';
import { JsonReadError, readJsonDocument } from './json-document.js';
import { MultipartFormatError, readMultipartFormData } from './multipart.js';
import { decodeUtf8Strict, firstInvalidUtf8Offset } from './utf8.js';
import { readXmlDocument, XmlReadError } from './xml.js';

export interface DecodeLimits {
  /** Largest accepted body in bytes (ShopRenter's own API refuses bodies from 5 MB). */
  readonly maxBytes: number;
  /** Deepest accepted nesting of JSON objects/arrays or XML elements. */
  readonly maxDepth: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = Object.freeze({
  maxBytes: 5 * 1024 * 1024 - 1,
  maxDepth: 64,
});

export interface DecodeDeliveryInput<E extends WebhookEvent = WebhookEvent> {
  /** The event the delivery URL was registered for (the body does not name it). */
  readonly event: E;
  /** The request's Content-Type header, as received. */
  readonly contentType: string | undefined;
  /** The raw body as received: a Buffer (or any `Uint8Array`), or a string (read as UTF-8). */
  readonly body: Buffer | Uint8Array | string;
  /**
   * The request's Content-Encoding header, as received (undefined when it has none). A body is read as
   * sent: any coding but `identity` is refused (`unsupported_content_encoding`), never misread as text.
   */
  readonly contentEncoding?: string | undefined;
  readonly limits?: Partial<DecodeLimits>;
}

export interface DecodedOrderDelivery<E extends OrderEvent = OrderEvent> {
  readonly event: E;
  readonly format: DeliveryFormat;
  readonly orders: OrderItem[];
  /** The raw document (the `data` field's JSON or XML text, or the raw body). */
  readonly data: string;
}

export interface DecodedNewsletterDelivery<E extends NewsletterEvent = NewsletterEvent> {
  readonly event: E;
  readonly format: DeliveryFormat;
  readonly subscribers: Subscriber[];
  readonly data: string;
}

/** Discriminated on `event`: a `switch (decoded.event)` narrows to orders or subscribers. */
export type DecodedDelivery = DecodedOrderDelivery | DecodedNewsletterDelivery;

export const ACCEPTED_CONTENT_TYPES = [
  'multipart/form-data',
  'application/json',
  'application/xml',
  'text/xml',
  'application/x-www-form-urlencoded',
] as const;

const DATA_FIELD = 'data';

function fail(
  code: DeliveryDecodeErrorCode,
  part: DeliveryPart,
  message: string,
  details?: { path?: string; value?: unknown },
): never {
  throw new DeliveryDecodeError(code, part, message, details);
}

/**
 * Size, emptiness, content coding and UTF-8 validity of the whole body (its text is only decoded where a
 * format needs it).
 */
function checkBody(body: Buffer, limits: DecodeLimits, contentEncoding: string | undefined): void {
  if (body.length > limits.maxBytes) {
    fail(
      'body_too_large',
      'body',
      `The body is ${body.length} bytes; at most ${limits.maxBytes} bytes are accepted. Split the delivery.`,
      { value: body.length },
    );
  }
  if (body.length === 0)
    fail('empty_body', 'body', 'The body is empty; a delivery carries a `data` document.');
  const coding = unsupportedContentCoding(contentEncoding);
  if (coding !== undefined) {
    fail(
      'unsupported_content_encoding',
      'body',
      `The body is sent with Content-Encoding "${coding}"; deliveries are read as sent, without a content coding (assumed: ShopRenter sends them uncompressed). Send the body without Content-Encoding.`,
      { value: coding },
    );
  }
  if (!isUtf8(body)) {
    const offset = firstInvalidUtf8Offset(body);
    fail(
      'invalid_utf8',
      'body',
      `The body is not valid UTF-8 (first bad byte at offset ${offset}); ShopRenter deliveries are UTF-8. ` +
        'Re-encode the body as UTF-8.',
      { value: body.subarray(Math.max(0, offset), offset + 8).toString('hex') },
    );
  }
}

/** The body as text (a leading BOM dropped); checkBody has proved it is UTF-8. */
function utf8Text(body: Buffer): string {
  return decodeUtf8Strict(body) ?? body.toString('utf8');
}

/** The document as text, and as UTF-8 bytes when they are at hand (the JSON depth scan prefers them). */
type Transport =
  | { kind: 'form'; document: string; bytes?: Uint8Array }
  | { kind: 'raw'; document: string; format: DeliveryFormat; bytes: Uint8Array };

function fieldFromForm(names: string[], value: string | undefined): string {
  const count = names.filter((name) => name === DATA_FIELD).length;
  if (count > 1) {
    fail(
      'duplicate_data_field',
      'form',
      `The form has ${count} "${DATA_FIELD}" fields; a delivery carries one document in one "${DATA_FIELD}" field, so none of them was taken.`,
      { path: DATA_FIELD, value: count },
    );
  }
  if (value === undefined) {
    const present = names.length === 0 ? 'none' : names.map((name) => `"${name.slice(0, 40)}"`).join(', ');
    fail(
      'missing_data_field',
      'form',
      `The form has no "${DATA_FIELD}" field (fields present: ${present}); ShopRenter sends the document in "${DATA_FIELD}".`,
      { value: names.slice(0, 100).map((name) => name.slice(0, 40)) },
    );
  }
  if (value.trim() === '')
    fail('empty_body', 'form', `The "${DATA_FIELD}" field is empty.`, { path: DATA_FIELD });
  return value;
}

function readTransport(contentType: string | undefined, body: Buffer): Transport {
  const parsed = parseContentType(contentType);
  const mediaType = parsed?.mediaType;
  switch (mediaType) {
    case 'multipart/form-data': {
      const boundary = parsed?.params.boundary;
      if (boundary === undefined || boundary === '') {
        fail(
          'malformed_multipart',
          'content-type',
          'The Content-Type multipart/form-data has no boundary parameter; send `multipart/form-data; boundary=…`.',
          { value: contentType },
        );
      }
      let parts: ReturnType<typeof readMultipartFormData>;
      try {
        parts = readMultipartFormData(body, boundary);
      } catch (error) {
        if (error instanceof MultipartFormatError) fail('malformed_multipart', 'form', error.message);
        throw error;
      }
      const data = parts.find((part) => part.name === DATA_FIELD);
      const value = data === undefined ? undefined : data.value.toString('utf8').replace(/^\uFEFF/, '');
      return {
        kind: 'form',
        document: fieldFromForm(
          parts.map((part) => part.name),
          value,
        ),
        ...(data === undefined ? {} : { bytes: data.value }),
      };
    }
    case 'application/x-www-form-urlencoded': {
      let pairs: Array<[string, string]>;
      try {
        pairs = parseUrlEncoded(utf8Text(body).trim(), MAX_DELIVERY_FORM_FIELDS);
      } catch (error) {
        if (error instanceof UrlEncodedFormatError) fail('invalid_urlencoded', 'form', error.message);
        throw error;
      }
      const data = pairs.find(([name]) => name === DATA_FIELD);
      return {
        kind: 'form',
        document: fieldFromForm(
          pairs.map(([name]) => name),
          data?.[1],
        ),
      };
    }
    case 'application/json':
      return { kind: 'raw', document: utf8Text(body), format: 'json', bytes: body };
    case 'application/xml':
    case 'text/xml':
      return { kind: 'raw', document: utf8Text(body), format: 'xml', bytes: body };
    default:
      return fail(
        'unsupported_content_type',
        'content-type',
        `Content-Type ${contentType ? JSON.stringify(contentType.slice(0, 100)) : '(missing)'} is not accepted; ` +
          `send one of: ${ACCEPTED_CONTENT_TYPES.join(', ')}.`,
        { value: contentType },
      );
  }
}

function readDocument(
  document: string,
  format: DeliveryFormat,
  limits: DecodeLimits,
  bytes: Uint8Array | undefined,
): unknown {
  try {
    return format === 'json'
      ? readJsonDocument(document, { maxDepth: limits.maxDepth, ...(bytes === undefined ? {} : { bytes }) })
      : readXmlDocument(document.trimStart(), { maxDepth: limits.maxDepth }); // tolerate a leading newline
  } catch (error) {
    if (error instanceof JsonReadError || error instanceof XmlReadError) {
      fail(error.code, 'document', error.message, {
        ...(error instanceof JsonReadError && error.path !== undefined ? { path: error.path } : {}),
      });
    }
    throw error;
  }
}

function checkEnvelope(event: WebhookEvent, document: unknown, format: DeliveryFormat): void {
  const problem = envelopeShapeOf(event, document, format);
  if (problem !== null) fail('wrong_envelope', 'envelope', problem.message, { value: problem.found });
}

/** `['orders', 'order', 0, 'sku']` → `orders.order[0].sku`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** The input value at a zod issue path; a single object where a list was expected counts as index 0. */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (typeof key === 'number' && !Array.isArray(current)) {
      if (key !== 0) return undefined;
      continue;
    }
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 60));
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'an object';
  return String(value);
}

/** What a value is, in words (a caller's mistake is described, never quoted). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') {
    const name = Object.getPrototypeOf(value)?.constructor?.name;
    return typeof name === 'string' && name !== '' && name !== 'Object' ? `a ${name}` : 'an object';
  }
  return `a ${typeof value}`;
}

/**
 * The raw body as bytes: a Buffer as it is, a string as UTF-8, any other `Uint8Array` view or an
 * `ArrayBuffer` (what `await request.arrayBuffer()` gives) without a copy. Anything else is a caller's
 * mistake (`invalid_input`), not a bad delivery: an already-parsed body has lost the bytes as sent.
 */
function bodyBytes(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  throw new ContractsError(
    'invalid_input',
    `decodeDelivery: body must be the raw request body as received (a Buffer, a Uint8Array or a string), got ${kindOf(body)}${
      body !== null && typeof body === 'object'
        ? ': a body parser already read it; give the bytes as sent'
        : ''
    }`,
  );
}

/** The Content-Type header: a string, or missing (`undefined`, or `null` as `Headers.get` gives it). */
function contentTypeHeader(contentType: unknown): string | undefined {
  if (contentType === undefined || contentType === null) return undefined;
  if (typeof contentType === 'string') return contentType;
  throw new ContractsError(
    'invalid_input',
    `decodeDelivery: contentType must be the Content-Type header as a string (or undefined when the request has none), got ${kindOf(contentType)}`,
  );
}

/** An optional header given as a string (undefined when the request has none). */
function headerText(name: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  throw new ContractsError(
    'invalid_input',
    `decodeDelivery: ${name} must be the header as a string (or undefined when the request has none), got ${kindOf(value)}`,
  );
}

/**
 * The limits: each given one a whole number ≥ 1, an `undefined` one left at its default. Before, `NaN`
 * or `undefined` replaced the default and switched the check off (no size compares greater than them).
 */
function decodeLimits(limits: Partial<DecodeLimits> | undefined): DecodeLimits {
  if (limits === undefined) return DEFAULT_DECODE_LIMITS;
  const checked = { ...DEFAULT_DECODE_LIMITS };
  for (const name of ['maxBytes', 'maxDepth'] as const) {
    const value: unknown = limits?.[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new ContractsError(
        'invalid_input',
        `decodeDelivery: limits.${name} must be a whole number ≥ 1 (default ${DEFAULT_DECODE_LIMITS[name]}), got ${typeof value === 'number' ? String(value) : typeof value === 'string' ? JSON.stringify(value.slice(0, 20)) : kindOf(value)}`,
      );
    }
    checked[name] = value;
  }
  return checked;
}

/** The envelope schemas, compiled once (zod's result without most of zod's cost; see fast-schema-parse.ts). */
const fastOrdersEnvelope = compileFastParse(OrdersEnvelopeSchema);
const fastNewsletterEnvelope = compileFastParse(NewsletterEnvelopeSchema);

/** Validates and normalises the document: the fast path when it has a result, otherwise zod (and its error). */
function parseEnvelope(event: WebhookEvent, tree: unknown) {
  const isOrder = isOrderEvent(event);
  const fast = (isOrder ? fastOrdersEnvelope : fastNewsletterEnvelope)(tree);
  if (fast !== null) {
    return { success: true as const, data: fast.value as OrdersEnvelope | NewsletterEnvelope };
  }
  return isOrder ? OrdersEnvelopeSchema.safeParse(tree) : NewsletterEnvelopeSchema.safeParse(tree);
}

export function decodeDelivery<E extends OrderEvent>(input: DecodeDeliveryInput<E>): DecodedOrderDelivery<E>;
export function decodeDelivery<E extends NewsletterEvent>(
  input: DecodeDeliveryInput<E>,
): DecodedNewsletterDelivery<E>;
export function decodeDelivery(input: DecodeDeliveryInput): DecodedDelivery;
/**
 * Decodes one delivery body for the event its URL was registered for. Throws
 * {@link DeliveryDecodeError} (see the module comment for the codes, in checking order), or for a
 * caller's mistake {@link InvalidEventError} (`event` not one of the six events) or a
 * `ContractsError` `invalid_input` (no input object, a body that is not bytes or a string — say, one a
 * body parser already turned into an object —, a Content-Type that is not a string, limits that are
 * not whole numbers ≥ 1).
 */
export function decodeDelivery(input: DecodeDeliveryInput): DecodedDelivery {
  if (input === null || typeof input !== 'object') {
    throw new ContractsError(
      'invalid_input',
      `decodeDelivery needs {event, contentType, body} (the event the URL was registered for, the Content-Type header and the raw body), got ${kindOf(input)}`,
    );
  }
  const { event } = input;
  if (!isWebhookEvent(event)) throw new InvalidEventError(String(event), WEBHOOK_EVENTS);
  const limits = decodeLimits(input.limits);
  const body = bodyBytes(input.body);
  const contentType = contentTypeHeader(input.contentType);
  checkBody(body, limits, headerText('contentEncoding', input.contentEncoding));
  const transport = readTransport(contentType, body);
  const document = transport.document;
  const format: DeliveryFormat =
    transport.kind === 'raw' ? transport.format : document.trimStart().startsWith('<') ? 'xml' : 'json';
  const tree = readDocument(document, format, limits, transport.bytes);
  checkEnvelope(event, tree, format);

  const parsed = parseEnvelope(event, tree);
  if (!parsed.success) {
    const [first, ...rest] = parsed.error.issues;
    const path = first ? formatIssuePath(first.path) : '';
    const value = first ? valueAt(tree, first.path) : undefined;
    // The first three of the others by path; an ellipsis says the count names more than are listed.
    const more =
      rest.length === 0
        ? ''
        : ` (and ${rest.length} more: ${rest
            .slice(0, 3)
            .map((issue) => formatIssuePath(issue.path))
            .join(', ')}${rest.length > 3 ? ', …' : ''})`;
    fail(
      'invalid_field',
      'field',
      `Field ${path} is invalid: ${first?.message ?? 'invalid value'} (got ${describeValue(value)})${more}.`,
      { path, value },
    );
  }
  const envelope = parsed.data;
  if ('orders' in envelope)
    return { event: event as OrderEvent, format, orders: envelope.orders.order, data: document };
  return {
    event: event as NewsletterEvent,
    format,
    subscribers: envelope.newsletter.subscriber,
    data: document,
  };
}

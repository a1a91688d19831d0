/**
 * `encodeDelivery`: what ShopRenter POSTs for a payload. The document (PHP-style JSON, or XML
 * per the assumption in `xml.ts`) goes into the multipart form field `data`, framed exactly like
 * the captured deliveries (`deliveries/*.multipart.http`): same headers, same CRLFs, a boundary
 * in curl's `------------------------<16 hex>` style unless one is given.
 */
import { InvalidEventError } from '../errors.js';
import { type DeliveryFormat, isWebhookEvent, WEBHOOK_EVENTS, type WebhookEvent } from '../events.js';
import type {
  NewsletterEnvelope,
  NewsletterEnvelopeInput,
  OrdersEnvelope,
  OrdersEnvelopeInput,
} from '../schemas/delivery.js';
import { DeliveryEncodeError } from './delivery-encode-error.js';
import { envelopeShapeOf } from './envelope.js';
import {
  isValidBoundary,
  MultipartFormatError,
  randomBoundary,
  writeMultipartFormData,
} from './multipart.js';
import { encodePhpJson, PhpJsonEncodeError } from './php-json.js';
import { writeXmlDocument, XmlWriteError } from './xml-writer.js';

export interface EncodeDeliveryOptions {
  readonly format: DeliveryFormat;
  /** Multipart boundary; a fresh random one in ShopRenter's style when omitted. */
  readonly boundary?: string;
}

export interface EncodedDelivery {
  /** `multipart/form-data; boundary=…`, the request's Content-Type. */
  readonly contentType: string;
  /** The complete request body. */
  readonly body: Buffer;
  /** The document inside the `data` field (JSON or XML text). */
  readonly data: string;
}

/** Payloads as decoded (numbers) or as the shop sends them (numeric strings) are both accepted. */
export type DeliveryPayload =
  | OrdersEnvelope
  | NewsletterEnvelope
  | OrdersEnvelopeInput
  | NewsletterEnvelopeInput;

function encodeDocument(payload: DeliveryPayload, format: DeliveryFormat): string {
  try {
    return format === 'json' ? encodePhpJson(payload) : writeXmlDocument(payload as Record<string, unknown>);
  } catch (error) {
    if (error instanceof PhpJsonEncodeError || error instanceof XmlWriteError) {
      throw new DeliveryEncodeError('not_encodable', error.message, error.path);
    }
    throw error;
  }
}

/** A token boundary goes bare into the header, anything else quoted (RFC 2046 §5.1.1). */
function contentTypeFor(boundary: string): string {
  const token = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(boundary);
  return `multipart/form-data; boundary=${token ? boundary : `"${boundary}"`}`;
}

/**
 * Encodes `payload` as ShopRenter delivers it for `event`. Throws {@link DeliveryEncodeError}
 * (`wrong_envelope`, `not_encodable`, `invalid_boundary`, `invalid_format`) or {@link InvalidEventError}.
 */
export function encodeDelivery(
  event: WebhookEvent,
  payload: DeliveryPayload,
  options: EncodeDeliveryOptions,
): EncodedDelivery {
  if (!isWebhookEvent(event)) throw new InvalidEventError(String(event), WEBHOOK_EVENTS);
  const format: unknown = options?.format;
  if (format !== 'json' && format !== 'xml') {
    throw new DeliveryEncodeError(
      'invalid_format',
      `encodeDelivery needs options {format: 'json' | 'xml'} (the subscription's webHookParameters type), got ${
        options === undefined || options === null
          ? 'no options'
          : `format ${typeof format === 'string' ? JSON.stringify(format.slice(0, 20)) : format === undefined ? 'none' : `a ${typeof format}`}`
      }`,
    );
  }
  const problem = envelopeShapeOf(event, payload, options.format);
  if (problem !== null) throw new DeliveryEncodeError('wrong_envelope', problem.message);
  if (options.boundary !== undefined && !isValidBoundary(options.boundary)) {
    throw new DeliveryEncodeError(
      'invalid_boundary',
      `Invalid multipart boundary ${JSON.stringify(options.boundary)}: use 1-70 letters, digits or '()+_,-./:=? ` +
        '(not ending in a space), or omit it for a random one.',
    );
  }
  const data = encodeDocument(payload, options.format);
  const dataBytes = Buffer.from(data, 'utf8');
  let boundary = options.boundary ?? randomBoundary();
  // A random boundary colliding with the document is astronomically unlikely; pick another if so.
  while (options.boundary === undefined && dataBytes.includes(`--${boundary}`)) boundary = randomBoundary();
  try {
    const body = writeMultipartFormData([{ name: 'data', value: dataBytes }], boundary);
    return { contentType: contentTypeFor(boundary), body, data };
  } catch (error) {
    if (error instanceof MultipartFormatError)
      throw new DeliveryEncodeError('invalid_boundary', error.message);
    throw error;
  }
}

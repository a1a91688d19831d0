import type { IncomingMessage } from 'node:http';
import { DeliveryError } from './delivery-error.js';
import { readNodeBody } from './read-body.js';
import {
  checkDeliveryOptionKeys,
  checkDeliveryTarget,
  type DeliveryOptions,
  type DeliveryResult,
  decodeVerified,
  maxBytesOption,
  secretList,
  tooLarge,
  unreadableBody,
} from './verify-delivery.js';

/**
 * `handleDelivery` for Node's `IncomingMessage` (plain `node:http`, Express, or Fastify's
 * `request.raw` in a plugin whose content-type parser reads nothing: see the README). Mount it
 * without a body parser (or after `express.raw()`): it reads the stream itself, up to `maxBytes`. Express's `originalUrl` is used when present, so mounting under a
 * prefix works.
 */
export async function handleNodeDelivery(
  req: IncomingMessage,
  options: DeliveryOptions,
): Promise<DeliveryResult> {
  checkDeliveryOptionKeys(options, 'handleNodeDelivery()');
  const secrets = secretList(options?.secrets);
  const maxBytes = maxBytesOption(options?.maxBytes);
  const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const path = url.split('?')[0] ?? '/';
  const target = checkDeliveryTarget(req.method ?? 'GET', path, secrets);
  if (!('shop' in target)) {
    req.resume();
    return { ok: false, error: target };
  }
  const contentType = req.headers['content-type'];
  const parsedBody = (req as IncomingMessage & { body?: unknown }).body;
  if (Buffer.isBuffer(parsedBody)) {
    if (parsedBody.byteLength > maxBytes) return { ok: false, error: tooLarge(maxBytes) };
    return decodeVerified(target, contentType, parsedBody, maxBytes);
  }
  if (
    req.readableEnded ||
    (parsedBody !== undefined && typeof parsedBody === 'object' && parsedBody !== null)
  ) {
    return {
      ok: false,
      error: new DeliveryError(
        'body_already_consumed',
        500,
        'the request body was already read by a body parser: in Express, mount the delivery route before express.json()/urlencoded(), or use express.raw({type: "*/*"}); in Fastify: register the route in a plugin of its own whose content-type parser reads nothing (removeAllContentTypeParsers(), then addContentTypeParser("*", (request, payload, done) => done(null)); see the @srhooks/client README)',
      ),
    };
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return { ok: false, error: tooLarge(maxBytes) };
  }
  let body: Buffer | undefined;
  try {
    body = await readNodeBody(req, maxBytes);
  } catch (error) {
    return { ok: false, error: unreadableBody(error) };
  }
  if (body === undefined) return { ok: false, error: tooLarge(maxBytes) };
  // read here as sent: a compressed body is refused by its Content-Encoding, never misread as text
  return decodeVerified(target, contentType, body, maxBytes, headerValue(req.headers['content-encoding']));
}

/** A header as one string (repeated ones joined), or undefined. */
function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

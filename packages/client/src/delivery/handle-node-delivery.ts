import type { IncomingMessage } from 'node:http';
import { DeliveryError } from './delivery-error.js';
import { readNodeBody } from './read-body.js';
import {
  checkDeliveryTarget,
  DEFAULT_MAX_BYTES,
  type DeliveryOptions,
  type DeliveryResult,
  decodeVerified,
  secretList,
  tooLarge,
} from './verify-delivery.js';

/**
 * `handleDelivery` for Node's `IncomingMessage` (plain `node:http`, Express or Fastify's raw
 * request). Mount it without a body parser (or after `express.raw()`): it reads the stream
 * itself, up to `maxBytes`. Express's `originalUrl` is used when present, so mounting under a
 * prefix works.
 */
export async function handleNodeDelivery(
  req: IncomingMessage,
  options: DeliveryOptions,
): Promise<DeliveryResult> {
  const maxBytes = options?.maxBytes ?? DEFAULT_MAX_BYTES;
  const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const path = url.split('?')[0] ?? '/';
  const target = checkDeliveryTarget(req.method ?? 'GET', path, secretList(options?.secrets));
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
        'the request body was already read by a body parser: mount the delivery route before express.json()/urlencoded(), or use express.raw({type: "*/*"})',
      ),
    };
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return { ok: false, error: tooLarge(maxBytes) };
  }
  const body = await readNodeBody(req, maxBytes);
  if (body === undefined) return { ok: false, error: tooLarge(maxBytes) };
  return decodeVerified(target, contentType, body, maxBytes);
}

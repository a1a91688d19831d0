import { DeliveryError } from './delivery-error.js';
import { readRequestBody } from './read-body.js';
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
 * Verifies and decodes a ShopRenter delivery given as a Fetch-API `Request` (Hono, Next.js
 * route handlers, Bun, Deno). The URL must be one built by `buildDeliveryUrl` with one of
 * `secrets`; the body is read up to `maxBytes`. Never throws for a bad delivery (nor for one whose
 * body stops half-way: `body_unreadable`): the result says which HTTP status to answer. Rejects with
 * an `InputError` for unusable options (secrets, maxBytes).
 */
export async function handleDelivery(request: Request, options: DeliveryOptions): Promise<DeliveryResult> {
  checkDeliveryOptionKeys(options, 'handleDelivery()');
  const secrets = secretList(options?.secrets);
  const maxBytes = maxBytesOption(options?.maxBytes);
  const target = checkDeliveryTarget(request.method, new URL(request.url).pathname, secrets);
  if (!('shop' in target)) {
    await request.body?.cancel();
    return { ok: false, error: target };
  }
  if (request.bodyUsed || request.body?.locked) {
    return {
      ok: false,
      error: new DeliveryError(
        'body_already_consumed',
        500,
        'the request body was already read (request.text()/json()/formData(), or a middleware): call handleDelivery with the Request before anything reads its body, or pass request.clone()',
      ),
    };
  }
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await request.body?.cancel();
    return { ok: false, error: tooLarge(maxBytes) };
  }
  let body: Buffer | undefined;
  try {
    body = await readRequestBody(request.body, maxBytes);
  } catch (error) {
    return { ok: false, error: unreadableBody(error) };
  }
  if (body === undefined) return { ok: false, error: tooLarge(maxBytes) };
  return decodeVerified(
    target,
    request.headers.get('content-type') ?? undefined,
    body,
    maxBytes,
    request.headers.get('content-encoding') ?? undefined,
  );
}

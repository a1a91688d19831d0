import { readRequestBody } from './read-body.js';
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
 * Verifies and decodes a ShopRenter delivery given as a Fetch-API `Request` (Hono, Next.js
 * route handlers, Bun, Deno). The URL must be one built by `buildDeliveryUrl` with one of
 * `secrets`; the body is read up to `maxBytes`. Never throws for a bad delivery: the result says
 * which HTTP status to answer.
 */
export async function handleDelivery(request: Request, options: DeliveryOptions): Promise<DeliveryResult> {
  const maxBytes = options?.maxBytes ?? DEFAULT_MAX_BYTES;
  const target = checkDeliveryTarget(
    request.method,
    new URL(request.url).pathname,
    secretList(options?.secrets),
  );
  if (!('shop' in target)) {
    await request.body?.cancel();
    return { ok: false, error: target };
  }
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await request.body?.cancel();
    return { ok: false, error: tooLarge(maxBytes) };
  }
  const body = await readRequestBody(request.body, maxBytes);
  if (body === undefined) return { ok: false, error: tooLarge(maxBytes) };
  return decodeVerified(target, request.headers.get('content-type') ?? undefined, body, maxBytes);
}

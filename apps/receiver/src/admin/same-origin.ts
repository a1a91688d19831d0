/**
 * Origin check for state-changing browser requests (defence in depth beside the CSRF token): the
 * request's `Origin` header, or when a browser sent none the origin of its `Referer`, must be this
 * receiver's own origin — as the request addressed it (scheme + Host, which honours trustProxy), or
 * the configured public URL.
 */
import type { FastifyRequest } from 'fastify';

export type OriginVerdict = 'same-origin' | 'cross-origin' | 'unknown';

function originOf(url: string): string | null {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/** The origins this receiver answers as for this request. */
export function ownOrigins(request: FastifyRequest, publicUrl: string | undefined): Set<string> {
  const origins = new Set<string>();
  const requested = originOf(`${request.protocol}://${request.host}`);
  if (requested) origins.add(requested);
  const configured = publicUrl ? originOf(publicUrl) : null;
  if (configured) origins.add(configured);
  return origins;
}

/** `unknown` when the request carries neither Origin nor Referer (treated as a refusal by callers). */
export function checkSameOrigin(request: FastifyRequest, publicUrl: string | undefined): OriginVerdict {
  const origin = request.headers.origin;
  const referer = request.headers.referer;
  let claimed: string | null;
  if (origin !== undefined && origin !== '') {
    claimed = origin === 'null' ? 'null' : originOf(origin);
  } else if (referer !== undefined && referer !== '') {
    claimed = originOf(referer);
  } else {
    return 'unknown';
  }
  if (claimed === null) return 'cross-origin';
  return ownOrigins(request, publicUrl).has(claimed) ? 'same-origin' : 'cross-origin';
}

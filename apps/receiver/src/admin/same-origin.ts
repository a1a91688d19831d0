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

/**
 * Whether the session cookie gets `Secure`: the request came over https (a trusted proxy's
 * `X-Forwarded-Proto` counts), or it is addressed to the host of an `https://` public URL. The second
 * covers a TLS proxy whose forwarded headers the receiver is not told to trust (no SRHOOKS_TRUST_PROXY):
 * the browser is on https there all the same, and without `Secure` it would also send the cookie to
 * `http://` on that host, in clear text (a plain-http port of the proxy, a redirect, a network attacker's
 * injected link). A request to any other host (`http://localhost:3000`, an internal address) is left as is.
 */
export function secureCookieFor(request: FastifyRequest, publicUrl: string | undefined): boolean {
  if (request.protocol === 'https') return true;
  if (!publicUrl) return false;
  try {
    const configured = new URL(publicUrl);
    return configured.protocol === 'https:' && configured.host === new URL(`https://${request.host}`).host;
  } catch {
    return false;
  }
}

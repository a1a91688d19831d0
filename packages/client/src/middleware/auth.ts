import { abortable } from './abortable.js';
import type { FetchMiddleware } from './types.js';

/** Supplies the `Authorization` header; OAuth providers can also renew after a 401. */
export interface AuthProvider {
  /** The header value to send now, e.g. `Bearer eyJ…` or `Basic dXNlcjpwYXNz`. */
  authorization(): Promise<string>;
  /**
   * Called when the API answered 401 to `authorization`. Returns true when a fresh credential may
   * help (the request is then sent once more), false when retrying is pointless (Basic auth).
   */
  rejected(authorization: string): boolean;
  /**
   * The scope `request` needs when the credential in `authorization` is known to lack it (from
   * the token's claims), else undefined (ShopRenter answers a missing scope 401/40101, an assumption,
   * FACTS.md §2). Such a 401 is final unless `scopeMayBeGranted` says a new token is worth a try.
   */
  missingScope?(authorization: string, request: Request): string | undefined;
  /**
   * Called after a 401 for a scope `authorization` lacks. True when a fresh credential may carry it (the
   * scope may have been granted since the token was issued) and the provider dropped the old one: the
   * request is sent once more when the next credential has the scope.
   */
  scopeMayBeGranted?(authorization: string): boolean;
}

const missingScopeByResponse = new WeakMap<Response, string>();

/** The scope a 401 answer was missing, when the auth layer could tell from the token. */
export function missingScopeOf(response: Response): string | undefined {
  return missingScopeByResponse.get(response);
}

/**
 * Sets `Authorization` on every request; after a 401, lets the provider renew once and sends the
 * request again (a token can be revoked or expire early on the server; a scope the token lacks may have
 * been granted since it was issued).
 */
export function authMiddleware(provider: AuthProvider): FetchMiddleware {
  return (next) => async (request) => {
    const spare = request.clone();
    // A token request is shared by every caller: one that gives up stops waiting, the request goes on.
    const authorization = await abortable(provider.authorization(), request.signal);
    const response = await next(withAuthorization(request, authorization));
    if (response.status !== 401) return response;
    const scope = provider.missingScope?.(authorization, spare);
    if (scope !== undefined) {
      if (provider.scopeMayBeGranted?.(authorization)) {
        const fresh = await abortable(provider.authorization(), request.signal);
        if (provider.missingScope?.(fresh, spare) === undefined) {
          await response.body?.cancel();
          return next(withAuthorization(spare, fresh));
        }
      }
      missingScopeByResponse.set(response, scope);
      return response;
    }
    if (!provider.rejected(authorization)) return response;
    await response.body?.cancel();
    return next(withAuthorization(spare, await abortable(provider.authorization(), request.signal)));
  };
}

function withAuthorization(request: Request, authorization: string): Request {
  const headers = new Headers(request.headers);
  headers.set('Authorization', authorization);
  return new Request(request, { headers });
}

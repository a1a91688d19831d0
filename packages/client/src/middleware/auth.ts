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
}

/**
 * Sets `Authorization` on every request; after a 401, lets the provider renew once and sends the
 * request again (a token can be revoked or expire early on the server).
 */
export function authMiddleware(provider: AuthProvider): FetchMiddleware {
  return (next) => async (request) => {
    const spare = request.clone();
    const authorization = await provider.authorization();
    const response = await next(withAuthorization(request, authorization));
    if (response.status !== 401 || !provider.rejected(authorization)) return response;
    await response.body?.cancel();
    return next(withAuthorization(spare, await provider.authorization()));
  };
}

function withAuthorization(request: Request, authorization: string): Request {
  const headers = new Headers(request.headers);
  headers.set('Authorization', authorization);
  return new Request(request, { headers });
}

import { createHash, timingSafeEqual } from 'node:crypto';
import { API_AUTH_SCHEME, MISSING_SCOPE_STATUS } from '../assumptions.js';
import { apiErrors } from '../errors.js';
import type { ShopSeed } from '../options.js';
import { type TokenSigningKey, verifyJwt } from './jwt.js';

/** Who is calling the API: an OAuth client (Bearer token) or the shop's legacy API user (Basic). */
export interface Principal {
  kind: 'bearer' | 'basic';
  /** Client id, or `basic:<username>`; the rate limit is kept per principal id and shop. */
  id: string;
  scopes: ReadonlySet<string>;
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function tokenUrl(shop: string): string {
  return `POST /${shop}/app/token`;
}

/**
 * Which API a request came in on: `api2` (`/{shop}/api`, ShopRenter's
 * `https://{shop}.api2.myshoprenter.hu/api`) takes only Bearer tokens; `legacy`
 * (`/{shop}/legacy-api`, the legacy `https://{shop}.api.myshoprenter.hu`) only HTTP Basic auth.
 */
export type ApiKind = 'api2' | 'legacy';

/** The path of each API base of a shop, for hints. */
export function apiBasePath(shop: string, kind: ApiKind): string {
  return kind === 'api2' ? `/${shop}/api` : `/${shop}/legacy-api`;
}

function basicPrincipal(shop: ShopSeed, encoded: string, allScopes: readonly string[]): Principal {
  if (!shop.basicAuth) {
    throw apiErrors.unauthorized(
      `Basic auth is not enabled for shop '${shop.name}'; use a Bearer token from ${tokenUrl(shop.name)} on ${apiBasePath(shop.name, 'api2')}.`,
      'Basic',
    );
  }
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const username = colon === -1 ? decoded : decoded.slice(0, colon);
  const password = colon === -1 ? '' : decoded.slice(colon + 1);
  if (!sameSecret(username, shop.basicAuth.username) || !sameSecret(password, shop.basicAuth.password)) {
    throw apiErrors.unauthorized("Wrong API user name or password; check the shop's API settings.", 'Basic');
  }
  return { kind: 'basic', id: `basic:${username}`, scopes: new Set(allScopes) };
}

async function bearerPrincipal(
  shop: ShopSeed,
  token: string,
  key: TokenSigningKey,
  nowMs: number,
  revoked: (jti: string) => boolean,
): Promise<Principal> {
  const result = await verifyJwt(token, key, nowMs);
  if (!result.ok) {
    const why =
      result.reason === 'expired'
        ? 'The access token has expired'
        : result.reason === 'bad_signature'
          ? 'The access token signature is not valid (not issued by this shop, or issued before a restart)'
          : 'The access token is malformed';
    throw apiErrors.unauthorized(`${why}; request a new one from ${tokenUrl(shop.name)}.`);
  }
  const { claims } = result;
  if (typeof claims.jti === 'string' && revoked(claims.jti)) {
    throw apiErrors.unauthorized(
      `The access token has been revoked; request a new one from ${tokenUrl(shop.name)}.`,
    );
  }
  if (claims.shop !== shop.name) {
    throw apiErrors.unauthorized(
      `The access token was issued for shop '${claims.shop}', not '${shop.name}'; request one from ${tokenUrl(shop.name)}.`,
    );
  }
  const client = shop.clients.find((c) => c.clientId === claims.sub);
  if (!client || client.installId !== claims.installId) {
    throw apiErrors.unauthorized(
      `The API client of this token no longer exists in shop '${shop.name}' (or the app was uninstalled).`,
    );
  }
  return { kind: 'bearer', id: claims.sub, scopes: new Set(claims.scopes) };
}

/**
 * Resolves the Authorization header of an API request; throws 401 with what to do next. API2
 * takes only `Bearer` (documented: sr-api-docs `development/api/12_acquiring_an_access_token.md`);
 * what it answers to Basic auth is not documented: the sandbox's 401/40101, as for a bad token
 * (assumptions.ts [A40]). The legacy API takes only Basic auth (its answer to a Bearer token is
 * assumed the same way).
 */
export async function authenticate(
  header: string | undefined,
  shop: ShopSeed,
  key: TokenSigningKey,
  nowMs: number,
  allScopes: readonly string[],
  api: ApiKind = 'api2',
  revoked: (jti: string) => boolean = () => false,
): Promise<Principal> {
  const expected =
    api === 'api2'
      ? `send 'Authorization: Bearer <access_token>' (token from ${tokenUrl(shop.name)})`
      : "send 'Authorization: Basic <base64 of user:password>' with the shop's API user";
  const challenge = api === 'api2' ? 'Bearer' : 'Basic';
  if (!header) throw apiErrors.unauthorized(`Missing Authorization header: ${expected}.`, challenge);
  const space = header.indexOf(' ');
  const scheme = (space === -1 ? header : header.slice(0, space)).toLowerCase();
  const credentials = space === -1 ? '' : header.slice(space + 1).trim();
  if (scheme === API_AUTH_SCHEME[api] && credentials) {
    return api === 'api2'
      ? bearerPrincipal(shop, credentials, key, nowMs, revoked)
      : basicPrincipal(shop, credentials, allScopes);
  }
  if (api === 'api2' && scheme === 'basic') {
    throw apiErrors.unauthorized(
      `API2 (${apiBasePath(shop.name, 'api2')}) takes only 'Authorization: Bearer <access_token>' (token from ${tokenUrl(shop.name)}); HTTP Basic auth (an API user and password) works only on the legacy API base ${apiBasePath(shop.name, 'legacy')}.`,
    );
  }
  if (api === 'legacy' && scheme === 'bearer') {
    throw apiErrors.unauthorized(
      `The legacy API (${apiBasePath(shop.name, 'legacy')}) takes only HTTP Basic auth (the shop's API user); send access tokens to API2 at ${apiBasePath(shop.name, 'api2')}.`,
      'Basic',
    );
  }
  throw apiErrors.unauthorized(`Unsupported Authorization header: ${expected}.`, challenge);
}

/**
 * Throws 401/40101 "You have no permission for this operation!" unless the caller was granted
 * `scope` (assumptions.ts [A4]: the documentation's only permission text; which status a
 * missing scope gets is not documented).
 */
export function requireScope(principal: Principal, scope: string): void {
  if (!principal.scopes.has(scope)) {
    const hint = `This request needs the '${scope}' scope, which the API client was not granted. Grant it in the shop's API settings and request a new token.`;
    throw MISSING_SCOPE_STATUS === 401 ? apiErrors.unauthorized(hint) : apiErrors.forbidden(hint);
  }
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/** Claims of the access tokens the sandbox issues (league/oauth2-server style plus `scope`/`shop`). */
export interface AccessTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  jti: string;
  shop: string;
  /** Space-separated granted scopes (OAuth 2 style). */
  scope: string;
  /** The same scopes as a list (league/oauth2-server style). */
  scopes: string[];
  iat: number;
  nbf: number;
  exp: number;
}

export type JwtVerification =
  | { ok: true; claims: AccessTokenClaims }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

const HEADER = base64url(JSON.stringify({ typ: 'JWT', alg: 'HS256' }));

function base64url(input: string | Buffer): string {
  return Buffer.from(input).toString('base64url');
}

function sign(input: string, key: Buffer): Buffer {
  return createHmac('sha256', key).update(input).digest();
}

/** Signs claims as a compact HS256 JWT. */
export function signJwt(claims: AccessTokenClaims, key: Buffer): string {
  const unsigned = `${HEADER}.${base64url(JSON.stringify(claims))}`;
  return `${unsigned}.${sign(unsigned, key).toString('base64url')}`;
}

function isClaims(value: unknown): value is AccessTokenClaims {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    typeof c.sub === 'string' &&
    typeof c.shop === 'string' &&
    typeof c.scope === 'string' &&
    typeof c.exp === 'number' &&
    Array.isArray(c.scopes)
  );
}

/** Verifies an HS256 JWT signed with `key` and checks `exp` against `nowMs`. */
export function verifyJwt(token: string, key: Buffer, nowMs: number): JwtVerification {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed' };
  const [header, payload, signature] = parts as [string, string, string];
  let headerJson: unknown;
  let claims: unknown;
  try {
    headerJson = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if ((headerJson as { alg?: unknown } | null)?.alg !== 'HS256' || !isClaims(claims)) {
    return { ok: false, reason: 'malformed' };
  }
  const expected = sign(`${header}.${payload}`, key);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad_signature' };
  }
  if (nowMs >= claims.exp * 1000) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}

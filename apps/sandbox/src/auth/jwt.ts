import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, errors, exportJWK, type JWK, jwtVerify, SignJWT } from 'jose';

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
  /** Tokens of an installed app: the install they belong to (an uninstall revokes them). */
  installId?: string;
}

export type JwtVerification =
  | { ok: true; claims: AccessTokenClaims }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

/**
 * The protected header of every token, exactly as in the documentation's example access token
 * (`eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9` = `{"typ":"JWT","alg":"RS256"}`, sr-api-docs
 * `development/api/12_acquiring_an_access_token.md`): RS256, no `kid`.
 */
const HEADER = { typ: 'JWT', alg: 'RS256' } as const;

/** The sandbox's token signing key: an RSA key pair, made at start (or read from the data file). */
export interface TokenSigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** A fresh 2048-bit RSA key pair. */
export function generateSigningKey(): TokenSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, publicKey };
}

let processKeyPem: string | undefined;

/**
 * An RS256 key (PKCS#8 PEM) made once per process, at the first call: for a process that starts many
 * sandboxes (a test run), each given it as `signingKeyPem`, so that each does not make its own (about 0.3 s
 * of CPU each). Sandboxes sharing it accept each other's tokens.
 */
export function processSigningKeyPem(): string {
  processKeyPem ??= signingKeyPem(generateSigningKey());
  return processKeyPem;
}

/** The key pair from a PKCS#8 PEM private key (as `signingKeyPem` writes it). */
export function signingKeyFromPem(pem: string): TokenSigningKey {
  const privateKey = createPrivateKey(pem);
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

export function signingKeyPem(key: TokenSigningKey): string {
  return key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** The public key as a JWK Set (`kid` = its RFC 7638 thumbprint, `use: sig`, `alg: RS256`). */
export async function publicJwks(key: TokenSigningKey): Promise<{ keys: JWK[] }> {
  const jwk = await exportJWK(key.publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { keys: [{ ...jwk, kid, use: 'sig', alg: HEADER.alg }] };
}

/** Signs claims as a compact RS256 JWT with the documented header. */
export function signJwt(claims: AccessTokenClaims, key: TokenSigningKey): Promise<string> {
  return new SignJWT({ ...claims }).setProtectedHeader({ ...HEADER }).sign(key.privateKey);
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

/** Verifies an RS256 JWT against the sandbox's public key and checks `exp` against `nowMs`. */
export async function verifyJwt(
  token: string,
  key: TokenSigningKey,
  nowMs: number,
): Promise<JwtVerification> {
  try {
    const { payload } = await jwtVerify(token, key.publicKey, {
      algorithms: [HEADER.alg],
      currentDate: new Date(nowMs),
    });
    if (!isClaims(payload)) return { ok: false, reason: 'malformed' };
    return { ok: true, claims: payload };
  } catch (error) {
    if (error instanceof errors.JWTExpired) return { ok: false, reason: 'expired' };
    if (error instanceof errors.JWSSignatureVerificationFailed) return { ok: false, reason: 'bad_signature' };
    return { ok: false, reason: 'malformed' };
  }
}

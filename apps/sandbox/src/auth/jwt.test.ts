import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  type AccessTokenClaims,
  generateSigningKey,
  publicJwks,
  signingKeyFromPem,
  signingKeyPem,
  signJwt,
  verifyJwt,
} from './jwt.js';

const key = generateSigningKey();
const claims: AccessTokenClaims = {
  iss: 'srhooks-sandbox',
  aud: 'c',
  sub: 'c',
  jti: 'j',
  shop: 'demo',
  scope: 'store.webhook:read',
  scopes: ['store.webhook:read'],
  iat: 1000,
  nbf: 1000,
  exp: 2000,
};

describe('RS256 JWT', () => {
  it('has the header of the documentation example token, byte for byte', async () => {
    const token = await signJwt(claims, key);
    // The documented example access token starts with this segment: {"typ":"JWT","alg":"RS256"}.
    expect(token.split('.')[0]).toBe('eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9');
    expect(decodeProtectedHeader(token)).toEqual({ typ: 'JWT', alg: 'RS256' });
  });

  it('round-trips claims and carries scope and exp in the payload', async () => {
    const token = await signJwt(claims, key);
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    expect(payload).toMatchObject({ scope: 'store.webhook:read', exp: 2000 });
    expect(await verifyJwt(token, key, 1_999_999)).toEqual({ ok: true, claims });
  });

  it('verifies with the published JWKS, as any RS256 client would', async () => {
    const jwks = await publicJwks(key);
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const token = await signJwt({ ...claims, exp: 4_000_000_000 }, key);
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { algorithms: ['RS256'] });
    expect(payload.sub).toBe('c');
    const other = await publicJwks(generateSigningKey());
    await expect(jwtVerify(token, createLocalJWKSet(other))).rejects.toThrow();
  });

  it('keeps the key across a PEM round trip (persistent sandboxes)', async () => {
    const again = signingKeyFromPem(signingKeyPem(key));
    expect(await verifyJwt(await signJwt(claims, key), again, 1_500_000)).toEqual({ ok: true, claims });
  });

  it.each([
    ['expired at exp', async (t: string) => t, 2_000_000, 'expired'],
    [
      'signed with another key',
      async () => signJwt(claims, generateSigningKey()),
      1_500_000,
      'bad_signature',
    ],
    [
      'payload changed after signing',
      async (t: string) => {
        const [h, , s] = t.split('.');
        const forged = Buffer.from(JSON.stringify({ ...claims, scopes: ['store.webhook:write'] })).toString(
          'base64url',
        );
        return `${h}.${forged}.${s}`;
      },
      1_500_000,
      'bad_signature',
    ],
    ['not three parts', async () => 'abc.def', 1_500_000, 'malformed'],
    [
      'alg none',
      async (t: string) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${t.split('.')[1]}.`,
      1_500_000,
      'malformed',
    ],
    [
      'alg HS256',
      async (t: string) =>
        `${Buffer.from('{"typ":"JWT","alg":"HS256"}').toString('base64url')}.${t.split('.')[1]}.${t.split('.')[2]}`,
      1_500_000,
      'malformed',
    ],
  ])('rejects a token %s', async (_name, mutate, now, reason) => {
    expect(await verifyJwt(await mutate(await signJwt(claims, key)), key, now)).toEqual({
      ok: false,
      reason,
    });
  });
});

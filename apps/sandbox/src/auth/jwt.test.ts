import { describe, expect, it } from 'vitest';
import { type AccessTokenClaims, signJwt, verifyJwt } from './jwt.js';

const key = Buffer.from('0123456789abcdef0123456789abcdef');
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

describe('HS256 JWT', () => {
  it('round-trips claims and carries scope and exp in the payload', () => {
    const token = signJwt(claims, key);
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    expect(payload).toMatchObject({ scope: 'store.webhook:read', exp: 2000 });
    expect(verifyJwt(token, key, 1_999_999)).toEqual({ ok: true, claims });
  });

  it.each([
    ['expired at exp', (t: string) => t, 2_000_000, 'expired'],
    [
      'signed with another key',
      () => signJwt(claims, Buffer.from('x'.repeat(32))),
      1_500_000,
      'bad_signature',
    ],
    [
      'payload changed after signing',
      (t: string) => {
        const [h, , s] = t.split('.');
        const forged = Buffer.from(JSON.stringify({ ...claims, scopes: ['store.webhook:write'] })).toString(
          'base64url',
        );
        return `${h}.${forged}.${s}`;
      },
      1_500_000,
      'bad_signature',
    ],
    ['not three parts', () => 'abc.def', 1_500_000, 'malformed'],
    [
      'alg none',
      (t: string) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${t.split('.')[1]}.`,
      1_500_000,
      'malformed',
    ],
  ])('rejects a token %s', (_name, mutate, now, reason) => {
    expect(verifyJwt(mutate(signJwt(claims, key)), key, now)).toEqual({ ok: false, reason });
  });
});

import { describe, expect, it } from 'vitest';
import { readJwtClaims } from './jwt-claims.js';

function jwt(payload: unknown): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(payload)}.c2lnbmF0dXJl`;
}

describe('readJwtClaims', () => {
  it('reads exp and space-separated scopes', () => {
    expect(readJwtClaims(jwt({ exp: 1700000000, scope: 'store.webhook:read store.webhook:write' }))).toEqual({
      exp: 1700000000,
      scopes: ['store.webhook:read', 'store.webhook:write'],
    });
  });

  it('reads scopes given as a list', () => {
    expect(readJwtClaims(jwt({ scopes: ['order.order:read'] })).scopes).toEqual(['order.order:read']);
  });

  it('returns no claims for something that is not a JWT', () => {
    expect(readJwtClaims('opaque-token')).toEqual({ exp: undefined, scopes: [] });
    expect(readJwtClaims('a.!!!.c')).toEqual({ exp: undefined, scopes: [] });
  });
});

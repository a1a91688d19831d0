/** The claims srhooks reads from an access token: scopes and expiry (FACTS.md §1). */
export interface JwtClaims {
  exp: number | undefined;
  scopes: string[];
}

/** Reads the payload (middle part) of a JWT without verifying it: the server verifies, we only plan refreshes. */
export function readJwtClaims(token: string): JwtClaims {
  const payload = token.split('.')[1];
  if (!payload) return { exp: undefined, scopes: [] };
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return { exp: undefined, scopes: [] };
  }
  if (!claims || typeof claims !== 'object') return { exp: undefined, scopes: [] };
  const exp = typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp : undefined;
  return { exp, scopes: readScopes(claims.scope ?? claims.scopes ?? claims.scp) };
}

function readScopes(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string');
  return [];
}

import { describe, expect, it } from 'vitest';
import { AdminAuth, SESSION_TTL_MS } from './admin-auth.js';
import { readCookie, serializeCookie } from './cookies.js';

const TOKEN = 'admin-token-0123456789abcdef';

describe('AdminAuth', () => {
  it.each([
    [`Bearer ${TOKEN}`, 'valid'],
    [`bearer ${TOKEN}`, 'valid'],
    [`Bearer   ${TOKEN}  `, 'valid'],
    [undefined, 'absent'],
    ['', 'absent'],
    [`Bearer ${TOKEN}x`, 'invalid'],
    [`Bearer ${TOKEN.slice(0, -1)}`, 'invalid'],
    ['Bearer', 'invalid'],
    [`Token ${TOKEN}`, 'invalid'],
    [`Bearer ${TOKEN} extra`, 'invalid'],
  ] as const)('checkBearer(%j) is %s', (header, expected) => {
    expect(new AdminAuth(TOKEN).checkBearer(header)).toBe(expected);
  });

  it('creates sessions whose cookie holds neither the token nor anything derived without the key', () => {
    const auth = new AdminAuth(TOKEN);
    const { session, cookieValue, maxAgeSeconds } = auth.createSession();
    expect(cookieValue).not.toContain(TOKEN);
    expect(cookieValue.split('.')).toHaveLength(4);
    expect(maxAgeSeconds).toBe(SESSION_TTL_MS / 1000);
    expect(auth.readSession(cookieValue)).toEqual(session);
    expect(session.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(auth.createSession().session.id).not.toBe(session.id);
  });

  it('refuses tampered, foreign, expired and revoked sessions', () => {
    let now = new Date('2025-12-01T12:00:00Z');
    const auth = new AdminAuth(TOKEN, { now: () => now });
    const { session, cookieValue } = auth.createSession();
    const [version, id, expires, signature] = cookieValue.split('.') as [string, string, string, string];
    const later = (Number.parseInt(expires, 36) + 3600).toString(36);
    expect(auth.readSession(`${version}.${id}.${later}.${signature}`)).toBeNull();
    expect(
      auth.readSession(`${version}.${id.replace(/^./, id[0] === 'A' ? 'B' : 'A')}.${expires}.${signature}`),
    ).toBeNull();
    expect(auth.readSession(`v2.${id}.${expires}.${signature}`)).toBeNull();
    expect(auth.readSession(`${cookieValue}.extra`)).toBeNull();
    expect(auth.readSession('')).toBeNull();
    expect(auth.readSession(null)).toBeNull();
    expect(new AdminAuth('another-admin-token-0123456').readSession(cookieValue)).toBeNull();

    now = new Date(now.getTime() + SESSION_TTL_MS - 1000);
    expect(auth.readSession(cookieValue)?.id).toBe(session.id);
    now = new Date(now.getTime() + 1000);
    expect(auth.readSession(cookieValue)).toBeNull();

    now = new Date('2025-12-01T12:00:00Z');
    auth.revoke(session);
    expect(auth.readSession(cookieValue)).toBeNull();
    const other = auth.createSession();
    expect(auth.readSession(other.cookieValue)?.id).toBe(other.session.id);
  });

  it('ties CSRF tokens to their session', () => {
    const auth = new AdminAuth(TOKEN);
    const a = auth.createSession().session;
    const b = auth.createSession().session;
    expect(auth.checkCsrf(a, a.csrfToken)).toBe(true);
    expect(auth.checkCsrf(a, b.csrfToken)).toBe(false);
    expect(auth.checkCsrf(a, undefined)).toBe(false);
    expect(auth.checkCsrf(a, '')).toBe(false);
    expect(auth.isAdminToken(TOKEN)).toBe(true);
    expect(auth.isAdminToken(a.csrfToken)).toBe(false);
  });
});

describe('cookies', () => {
  it('reads one cookie among several and tolerates junk', () => {
    expect(readCookie('a=1; srhooks_admin=v1.x.y.z; b=2', 'srhooks_admin')).toBe('v1.x.y.z');
    expect(readCookie('srhooks_admin_other=1', 'srhooks_admin')).toBeNull();
    expect(readCookie('junk; srhooks_admin=%E0%A4%A', 'srhooks_admin')).toBeNull();
    expect(readCookie(undefined, 'srhooks_admin')).toBeNull();
  });

  it('writes HttpOnly, SameSite=Strict, Path=/ cookies, Secure on request', () => {
    expect(serializeCookie('s', 'v', { maxAge: 60, secure: false })).toBe(
      's=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=60',
    );
    expect(serializeCookie('s', 'v', { maxAge: 60, secure: true })).toBe(
      's=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=60; Secure',
    );
    expect(serializeCookie('s', '', { maxAge: 0, secure: false })).toBe(
      's=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
    );
  });
});

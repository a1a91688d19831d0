/**
 * Admin credentials: the admin token (checked in constant time), browser sessions and CSRF tokens.
 *
 * Sessions are stateless and signed: the cookie holds `v1.<session id>.<expiry>.<HMAC>` where the HMAC
 * key is derived from the admin token, never the token itself. So a cookie is worthless without the
 * token, several receiver instances sharing the token accept each other's sessions, and changing the
 * token ends every session. Logging out revokes the session id in this process (and deletes the cookie);
 * SessionRevocations records it in the store for the other instances.
 *
 * The CSRF token of a session is an HMAC of its id (synchronizer token without server state): pages
 * embed it in forms and a meta tag; a cross-site page cannot read it.
 *
 * A text the inspector must carry in an address but not show there (what was searched for: a customer's
 * name, e-mail address or phone number) is sealed with AES-256-GCM under another key derived from the
 * token (`sealText`/`openText`): the address, the browser's history and a proxy's access log hold
 * ciphertext; every instance sharing the token reads it; a new token makes old sealed texts unreadable.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/** The session cookie's name on plain http (`http://localhost:3000`, an internal address). */
export const SESSION_COOKIE = 'srhooks_admin';
/**
 * Its name when it is `Secure` (https): the `__Host-` prefix makes the browser refuse it unless it is
 * Secure, `Path=/` and has no `Domain`, so a page on a sibling subdomain (`evil.example.com`) cannot set
 * a cookie of that name for this host and shadow the session (log the browser out, or into a session of
 * its own choosing).
 */
export const SECURE_SESSION_COOKIE = '__Host-srhooks_admin';

/** The session cookie's name for a request whose cookie is (or would be) `Secure`. */
export function sessionCookieName(secure: boolean): string {
  return secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
}
/** A browser session lasts this long after login. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

const VERSION = 'v1';

export interface AdminSession {
  id: string;
  expiresAt: Date;
  /** The value state-changing requests must send (`_csrf` field or `x-csrf-token` header). */
  csrfToken: string;
}

export interface AdminAuthOptions {
  /** Default the system clock. */
  now?: () => Date;
  sessionTtlMs?: number;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Equal-length comparison in constant time (both sides hashed first, so length leaks nothing either). */
export function constantTimeEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token of an `Authorization: Bearer <token>` header; `null` when the header is not that. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match?.[1] ?? null;
}

const SEAL_VERSION = 't1';
const SEAL_IV_BYTES = 12;
const SEAL_TAG_BYTES = 16;

export class AdminAuth {
  readonly #tokenDigest: Buffer;
  readonly #sessionKey: Buffer;
  readonly #textKey: Buffer;
  readonly #now: () => Date;
  readonly #ttlMs: number;
  /** Session id → expiry (ms), for logged-out sessions until they would have expired anyway. */
  readonly #revoked = new Map<string, number>();

  constructor(adminToken: string, options: AdminAuthOptions = {}) {
    if (adminToken.length === 0) throw new Error('AdminAuth needs a non-empty admin token');
    this.#tokenDigest = digest(adminToken);
    this.#sessionKey = createHmac('sha256', adminToken).update('srhooks admin session key v1').digest();
    this.#textKey = createHmac('sha256', adminToken).update('srhooks inspector sealed text key v1').digest();
    this.#now = options.now ?? (() => new Date());
    this.#ttlMs = options.sessionTtlMs ?? SESSION_TTL_MS;
  }

  /** True when `token` is the admin token (constant time). */
  isAdminToken(token: string): boolean {
    return timingSafeEqual(digest(token), this.#tokenDigest);
  }

  /** The token of an `Authorization: Bearer <token>` header when it is the admin token. */
  checkBearer(header: string | undefined): 'absent' | 'valid' | 'invalid' {
    if (header === undefined || header === '') return 'absent';
    const token = bearerToken(header);
    if (token === null) return 'invalid';
    return this.isAdminToken(token) ? 'valid' : 'invalid';
  }

  /** A new session and the cookie value that carries it. */
  createSession(): { session: AdminSession; cookieValue: string; maxAgeSeconds: number } {
    const id = randomBytes(18).toString('base64url');
    const expiresMs = this.#now().getTime() + this.#ttlMs;
    const expires = Math.floor(expiresMs / 1000).toString(36);
    const unsigned = `${VERSION}.${id}.${expires}`;
    const cookieValue = `${unsigned}.${this.#sign(unsigned)}`;
    return {
      session: this.#session(id, Number.parseInt(expires, 36) * 1000),
      cookieValue,
      maxAgeSeconds: Math.floor(this.#ttlMs / 1000),
    };
  }

  /** The session a cookie value carries, or null when it is malformed, forged, expired or logged out. */
  readSession(cookieValue: string | null): AdminSession | null {
    if (!cookieValue) return null;
    const parts = cookieValue.split('.');
    if (parts.length !== 4) return null;
    const [version, id, expires, signature] = parts as [string, string, string, string];
    if (version !== VERSION || !/^[A-Za-z0-9_-]{24}$/.test(id) || !/^[0-9a-z]{1,12}$/.test(expires))
      return null;
    if (!constantTimeEqual(signature, this.#sign(`${version}.${id}.${expires}`))) return null;
    const expiresMs = Number.parseInt(expires, 36) * 1000;
    const nowMs = this.#now().getTime();
    if (!(expiresMs > nowMs)) return null;
    if (this.#revoked.has(id)) return null;
    return this.#session(id, expiresMs);
  }

  /** Ends a session in this process (the caller also deletes the cookie). */
  revoke(session: AdminSession): void {
    const nowMs = this.#now().getTime();
    for (const [id, expiresMs] of this.#revoked) if (expiresMs <= nowMs) this.#revoked.delete(id);
    this.#revoked.set(session.id, session.expiresAt.getTime());
  }

  /** True when `given` is the session's CSRF token (constant time). */
  checkCsrf(session: AdminSession, given: string | undefined): boolean {
    if (given === undefined || given === '') return false;
    return constantTimeEqual(given, session.csrfToken);
  }

  /** `text` sealed for an address: `t1.` and base64url of IV, tag and ciphertext (another each time). */
  sealText(text: string): string {
    const iv = randomBytes(SEAL_IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#textKey, iv);
    const sealed = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return `${SEAL_VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url')}`;
  }

  /** The text `sealText` sealed, or null for anything else (cut, altered, sealed under another token). */
  openText(sealed: string): string | null {
    const prefix = `${SEAL_VERSION}.`;
    if (!sealed.startsWith(prefix)) return null;
    const bytes = Buffer.from(sealed.slice(prefix.length), 'base64url');
    if (bytes.length < SEAL_IV_BYTES + SEAL_TAG_BYTES) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#textKey, bytes.subarray(0, SEAL_IV_BYTES));
      decipher.setAuthTag(bytes.subarray(SEAL_IV_BYTES, SEAL_IV_BYTES + SEAL_TAG_BYTES));
      const text = Buffer.concat([
        decipher.update(bytes.subarray(SEAL_IV_BYTES + SEAL_TAG_BYTES)),
        decipher.final(),
      ]);
      return text.toString('utf8');
    } catch {
      return null;
    }
  }

  #session(id: string, expiresMs: number): AdminSession {
    return { id, expiresAt: new Date(expiresMs), csrfToken: this.#sign(`csrf.${id}`) };
  }

  #sign(value: string): string {
    return createHmac('sha256', this.#sessionKey).update(value, 'utf8').digest('base64url');
  }
}

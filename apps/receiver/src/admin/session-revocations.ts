/**
 * Logout across instances: a logged-out session id is recorded in the store, which every receiver
 * instance on it consults before accepting that session's cookie. So a copied cookie stops working
 * everywhere, not only on the instance that served the logout.
 *
 * Each instance remembers a "not revoked" answer for `cacheMs` (default 5 s), so a page load (the page,
 * its fragments, its live stream) costs one store read, not one each; a logout elsewhere therefore
 * takes effect here within that time. If the store cannot answer within `timeoutMs`, the session is
 * accepted (the pages it would open need the store anyway) and a warning is logged: an unreachable or
 * hanging store never makes the admin area hang.
 */
import { withStoreTimeout } from '../ingest/store-call.js';
import type { Store } from '../store/store.js';
import type { AdminSession } from './admin-auth.js';

export const DEFAULT_REVOCATION_CACHE_MS = 5000;
/** Entries kept at most; the oldest answers are forgotten first. */
const MAX_CACHED = 1000;

export interface SessionRevocationsOptions {
  cacheMs?: number;
  /** Longest wait for the store (default 5 s, the receiver passes storeTimeoutMs). */
  timeoutMs?: number;
  now?: () => number;
  onStoreError?: (error: unknown) => void;
}

export class SessionRevocations {
  readonly #store: Store;
  readonly #cacheMs: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #onStoreError: (error: unknown) => void;
  /** Session id → until when "not revoked" may be answered without asking the store. */
  readonly #notRevokedUntil = new Map<string, number>();

  constructor(store: Store, options: SessionRevocationsOptions = {}) {
    this.#store = store;
    this.#cacheMs = options.cacheMs ?? DEFAULT_REVOCATION_CACHE_MS;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#now = options.now ?? Date.now;
    this.#onStoreError = options.onStoreError ?? (() => {});
  }

  async isRevoked(session: Pick<AdminSession, 'id'>): Promise<boolean> {
    const now = this.#now();
    const until = this.#notRevokedUntil.get(session.id);
    if (until !== undefined && until > now) return false;
    let revoked: boolean;
    try {
      revoked = await withStoreTimeout(
        'admin session check',
        this.#store.isAdminSessionRevoked(session.id, { now: new Date(now) }),
        this.#timeoutMs,
      );
    } catch (error) {
      this.#onStoreError(error);
      return false;
    }
    this.#notRevokedUntil.delete(session.id);
    if (!revoked) {
      this.#notRevokedUntil.set(session.id, now + this.#cacheMs);
      if (this.#notRevokedUntil.size > MAX_CACHED) {
        const oldest = this.#notRevokedUntil.keys().next().value;
        if (oldest !== undefined) this.#notRevokedUntil.delete(oldest);
      }
    }
    return revoked;
  }

  /** Records the logout for every instance; throws when the store cannot (the caller logs it). */
  async revoke(session: AdminSession): Promise<void> {
    this.#notRevokedUntil.delete(session.id);
    await withStoreTimeout(
      'logout',
      this.#store.revokeAdminSession(session.id, session.expiresAt, { now: new Date(this.#now()) }),
      this.#timeoutMs,
    );
  }
}

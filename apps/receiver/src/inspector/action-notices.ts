/**
 * The "Replay queued: N dead letters …" notice of `/ui/dead-letters`, unforgeable. "Replay all" redirects
 * (post-redirect-get) to the page with `?replayed=<token>`: a random id this process issued for that
 * replay, held in memory with the count, the filter replayed and the session that pressed it, for one
 * minute, and consumed by the first view. The page shows the notice only for a token it finds with the
 * same session and filter; a crafted, reused, expired or other process's value shows no notice (and no
 * error). Before, the query carried the count itself (`?replayed=5`), so anyone could send an operator a
 * link showing a replay that never happened.
 */
import { randomBytes } from 'node:crypto';

/** What a replay notice is about: the page's filter and who pressed "Replay all". */
export interface ReplayNoticeScope {
  /** The admin session that pressed "Replay all"; null when the request came with no session. */
  sessionId: string | null;
  handler?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

export interface ReplayNoticesOptions {
  /** How long an issued notice can be shown. Default 60,000 ms. */
  ttlMs?: number;
  /** At most this many notices are held (the oldest are dropped first). Default 1,000. */
  max?: number;
  /** Default `Date.now`. */
  now?: () => number;
}

interface Notice {
  count: number;
  scope: string;
  expiresAt: number;
}

export const REPLAY_NOTICE_TTL_MS = 60_000;
const REPLAY_NOTICE_MAX = 1000;

function scopeKey(scope: ReplayNoticeScope): string {
  return JSON.stringify([
    scope.sessionId,
    scope.handler ?? null,
    scope.from?.getTime() ?? null,
    scope.to?.getTime() ?? null,
  ]);
}

export class ReplayNotices {
  readonly #notices = new Map<string, Notice>();
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;

  constructor(options: ReplayNoticesOptions = {}) {
    this.#ttlMs = options.ttlMs ?? REPLAY_NOTICE_TTL_MS;
    this.#max = options.max ?? REPLAY_NOTICE_MAX;
    this.#now = options.now ?? Date.now;
  }

  /** A new token for a replay of `count` dead letters in `scope`, to put in the redirect. */
  issue(count: number, scope: ReplayNoticeScope): string {
    const now = this.#now();
    for (const [token, notice] of this.#notices) {
      if (notice.expiresAt <= now) this.#notices.delete(token);
    }
    while (this.#notices.size >= this.#max) {
      const oldest = this.#notices.keys().next().value;
      if (oldest === undefined) break;
      this.#notices.delete(oldest);
    }
    const token = randomBytes(18).toString('base64url');
    this.#notices.set(token, { count, scope: scopeKey(scope), expiresAt: now + this.#ttlMs });
    return token;
  }

  /**
   * The count of the replay `token` was issued for, when it was issued for `scope` and has not expired;
   * null otherwise. The token is consumed either way: a second view (a reload, a shared link) shows nothing.
   */
  take(token: string, scope: ReplayNoticeScope): number | null {
    const notice = this.#notices.get(token);
    if (notice === undefined) return null;
    this.#notices.delete(token);
    if (notice.expiresAt <= this.#now() || notice.scope !== scopeKey(scope)) return null;
    return notice.count;
  }

  /** Notices held (issued, not yet shown or expired-and-swept). */
  get size(): number {
    return this.#notices.size;
  }
}

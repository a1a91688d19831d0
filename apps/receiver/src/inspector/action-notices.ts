/**
 * The inspector's action notices, unforgeable: what a page says after an action pressed on it (replayed,
 * released, re-processed, erased, disabled, enabled, marked uninstalled, "Replay all"). The action's POST
 * redirects (post-redirect-get) to the page with `?notice=<token>`: a random id this process issued for
 * that action, held in memory with what the notice says, the page and subject it is about (a delivery,
 * the dead-letters filter replayed) and the admin session that pressed it, for one minute, and consumed
 * by the first view. A page shows a notice only for a token it finds issued for the same page, subject
 * and session; a crafted, reused, expired, other-session or other process's value shows the page without
 * a notice, and no error. Before, the query carried the notice itself (`?notice=replayed`,
 * `?done=disabled&handler=erp`, `?replayed=5`), so anyone could send an operator a link showing an action
 * that never happened.
 */
import { randomBytes } from 'node:crypto';
import type { DeliveryNoticeKey } from './delivery-page.js';
import type { HandlerActionResult } from './handlers-page.js';
import type { ShopActionResult } from './shops-page.js';

/** The query parameter that carries an action notice's token on every page that shows one. */
export const ACTION_NOTICE_PARAM = 'notice';

/** What each page's notice holds (never text of its own: each page words it). */
export interface ActionNoticeOf {
  /** `/ui/deliveries/:id`, after replay, release, re-process or an erasure of one of its events. */
  delivery: { notice: DeliveryNoticeKey };
  /** `/ui/dead-letters`, after "Replay all": how many dead letters it queued. */
  'dead-letters': { replayed: number };
  /** `/ui/handlers`, after Disable or Enable of `handler`. */
  handlers: { handler: string; done: HandlerActionResult };
  /** `/ui/shops`, after "Mark uninstalled" of `shop`: the pending jobs it cancelled. */
  shops: { shop: string; done: ShopActionResult; cancelled: number };
}
export type ActionNoticePage = keyof ActionNoticeOf;

/** Who and what a notice is about: shown only on the same page, subject and session. */
export interface ActionNoticeScope {
  /** The admin session that pressed the action; null when the request came with no session. */
  sessionId: string | null;
  /**
   * What on the page the action was about (the delivery's id, the dead-letters filter as a key); ''
   * when the page has one notice for everything on it (the handlers and shops lists).
   */
  subject: string;
}

export interface ActionNoticesOptions {
  /** How long an issued notice can be shown. Default 60,000 ms. */
  ttlMs?: number;
  /** At most this many notices are held (the oldest are dropped first). Default 1,000. */
  max?: number;
  /** Default `Date.now`. */
  now?: () => number;
}

interface HeldNotice {
  value: unknown;
  scope: string;
  expiresAt: number;
}

export const ACTION_NOTICE_TTL_MS = 60_000;
const ACTION_NOTICE_MAX = 1000;

function scopeKey(page: ActionNoticePage, scope: ActionNoticeScope): string {
  return JSON.stringify([page, scope.sessionId, scope.subject]);
}

/** The dead-letters page's subject: the filter replayed (handler, from, to), whatever their order in the address. */
export function deadLetterFilterSubject(filter: {
  handler?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}): string {
  return JSON.stringify([
    filter.handler ?? null,
    filter.from?.getTime() ?? null,
    filter.to?.getTime() ?? null,
  ]);
}

export class ActionNotices {
  readonly #notices = new Map<string, HeldNotice>();
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;

  constructor(options: ActionNoticesOptions = {}) {
    this.#ttlMs = options.ttlMs ?? ACTION_NOTICE_TTL_MS;
    this.#max = options.max ?? ACTION_NOTICE_MAX;
    this.#now = options.now ?? Date.now;
  }

  /** A new token for `notice` on `page`, about `scope`, to put in the action's redirect. */
  issue<P extends ActionNoticePage>(page: P, notice: ActionNoticeOf[P], scope: ActionNoticeScope): string {
    const now = this.#now();
    for (const [token, held] of this.#notices) {
      if (held.expiresAt <= now) this.#notices.delete(token);
    }
    while (this.#notices.size >= this.#max) {
      const oldest = this.#notices.keys().next().value;
      if (oldest === undefined) break;
      this.#notices.delete(oldest);
    }
    const token = randomBytes(18).toString('base64url');
    this.#notices.set(token, { value: notice, scope: scopeKey(page, scope), expiresAt: now + this.#ttlMs });
    return token;
  }

  /**
   * The notice `token` was issued for, when it was issued for `page` and `scope` and has not expired;
   * null otherwise (no token too). The token is consumed either way: a second view (a reload, a link sent
   * on) shows nothing.
   */
  take<P extends ActionNoticePage>(
    page: P,
    token: string | undefined,
    scope: ActionNoticeScope,
  ): ActionNoticeOf[P] | null {
    if (token === undefined) return null;
    const held = this.#notices.get(token);
    if (held === undefined) return null;
    this.#notices.delete(token);
    if (held.expiresAt <= this.#now() || held.scope !== scopeKey(page, scope)) return null;
    // Issued for this page: its value is this page's notice (issue's type).
    return held.value as ActionNoticeOf[P];
  }

  /** Notices held (issued, not yet shown or expired-and-swept). */
  get size(): number {
    return this.#notices.size;
  }
}

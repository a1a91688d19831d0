/**
 * How each shop's start-up reconcile ended on this receiver, for `GET /admin/api/shops` (and `srhooks shops
 * --receiver`): a shop whose reconcile failed has none of its subscriptions made, and ShopRenter sends
 * nothing for a missing subscription — before, only the error log line said so, while the shops list
 * showed the configured events as if they were subscribed. In memory: each receiver reconciles at its own
 * start (several on one PostgreSQL store each say what theirs did).
 */
import type { ShopReconcileResult } from './reconcile-shops.js';

declare module 'fastify' {
  interface FastifyInstance {
    reconcileStatus: ReconcileStatus;
  }
}

export interface ShopReconcileState {
  /** The last try made the shop's subscriptions match the config. */
  ok: boolean;
  /** When that try ended. */
  at: Date;
  /** Why it failed (the client's message, with what to fix); null when it succeeded. */
  error: string | null;
  /** When it is tried again (a failure that may pass by itself); null when it is not (fix it, restart). */
  nextAttemptAt: Date | null;
}

export class ReconcileStatus {
  readonly #shops = new Map<string, ShopReconcileState>();

  /** A try ended (reconcile-shops.ts `reconcileShop`). */
  record(result: ShopReconcileResult, at = new Date()): void {
    this.#shops.set(result.shop, {
      ok: result.ok,
      at,
      error: result.ok ? null : (result.error ?? 'no reason recorded'),
      nextAttemptAt: null,
    });
  }

  /** The failed shop is tried again at `at` (reconcile-retries.ts). */
  scheduled(shop: string, at: Date): void {
    const state = this.#shops.get(shop);
    if (state && !state.ok) state.nextAttemptAt = at;
  }

  /** The shop's last try on this receiver; undefined before its first (or without `reconcile: true`). */
  get(shop: string): ShopReconcileState | undefined {
    return this.#shops.get(shop);
  }
}

/**
 * Start-up reconcile tried again for a shop it could not reach: ShopRenter (or the network) down for a
 * moment at start left the shop without its subscriptions until the next restart, and ShopRenter sends
 * nothing for a missing subscription. A shop whose reconcile failed for a reason that can pass (no
 * answer, a 5xx, a 429, the token endpoint unreachable) is reconciled again after 30 s, 1, 2, 5 and then
 * every 10 minutes until it succeeds; one that failed for a reason that will not pass by itself (refused
 * credentials, a missing scope, a config without credentials) is not, its error line says what to fix.
 * The timers never keep the process alive and end with the receiver.
 */
import type { ReceiverConfig } from '../config/config-schema.js';
import { type ReconcileOptions, reconcileShop, type ShopReconcileResult } from './reconcile-shops.js';

/** The waits before each next try; the last one repeats. */
export const RECONCILE_RETRY_DELAYS_MS: readonly number[] = [30_000, 60_000, 120_000, 300_000, 600_000];

export interface ReconcileRetriesOptions extends ReconcileOptions {
  /** The waits before each next try (default RECONCILE_RETRY_DELAYS_MS; tests shorten them). */
  readonly delaysMs?: readonly number[];
}

export class ReconcileRetries {
  readonly #config: ReceiverConfig;
  readonly #options: ReconcileRetriesOptions;
  readonly #delaysMs: readonly number[];
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #closed = false;

  constructor(config: ReceiverConfig, options: ReconcileRetriesOptions) {
    this.#config = config;
    this.#options = options;
    this.#delaysMs = options.delaysMs ?? RECONCILE_RETRY_DELAYS_MS;
  }

  /** Schedules a new try for each shop of the start-up pass whose failure may pass. */
  start(results: readonly ShopReconcileResult[]): void {
    for (const result of results) if (!result.ok && result.retryable) this.#schedule(result.shop, 0);
  }

  /** The shops waiting for a new try (tests, status). */
  get waiting(): string[] {
    return [...this.#timers.keys()];
  }

  /** Cancels every try not started yet (the receiver is stopping). */
  close(): void {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #schedule(shopName: string, tries: number): void {
    if (this.#closed) return;
    const delayMs = this.#delaysMs[Math.min(tries, this.#delaysMs.length - 1)] ?? 600_000;
    const retryAt = new Date(Date.now() + delayMs);
    this.#options.status?.scheduled(shopName, retryAt);
    this.#options.logger.info(
      { shop: shopName, retryAt: retryAt.toISOString(), tries: tries + 1 },
      'subscriptions will be reconciled again (the shop could not be reached)',
    );
    const timer = setTimeout(() => {
      this.#timers.delete(shopName);
      void this.#retry(shopName, tries + 1);
    }, delayMs);
    timer.unref();
    this.#timers.set(shopName, timer);
  }

  async #retry(shopName: string, tries: number): Promise<void> {
    const shop = this.#config.shops.find((candidate) => candidate.name === shopName);
    if (this.#closed || !shop) return;
    const result = await reconcileShop(this.#config, shop, this.#options);
    if (!result.ok && result.retryable) this.#schedule(shopName, tries);
  }
}

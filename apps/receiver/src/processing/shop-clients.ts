/**
 * One lazily created ShopRenter client per shop, from the shop's credentials in srhooks.config.json;
 * shared by `module` handlers (`ctx.client`) and the `verify` step, so all calls for a shop share one
 * token and the client's 3 requests/second bucket. With `failureAdvice`, a shop's credential and scope
 * failures say what that advice says (app mode: the platform app's advice for installed shops).
 */
import { createShopRenterClient, type ShopRenterClient, type ShopRenterClientOptions } from '@srhooks/client';
import type { ShopConfig } from '../config/config-schema.js';
import { shopApiAuth } from '../config/shop-api-auth.js';
import { withFailureAdvice } from './advised-client.js';
import { ShopCredentialsMissingError } from './processing-errors.js';

export type ShopClientFactory = (options: ShopRenterClientOptions) => ShopRenterClient;

/** A shop's API failure in other words than the client's, or null to keep the client's. */
export type ShopFailureAdvice = (shop: string, error: unknown) => string | null;

export class ShopClients {
  readonly #shops: ReadonlyMap<string, ShopConfig>;
  readonly #clients = new Map<string, ShopRenterClient>();
  readonly #create: ShopClientFactory;
  readonly #lookup: ((shop: string) => ShopConfig | undefined) | undefined;
  readonly #failureAdvice: ShopFailureAdvice | undefined;

  /**
   * `lookup` finds shops that are not in `shops` (app mode: shops that installed the app, with the
   * app's credentials), so they get clients the same way; `failureAdvice` words their credential and
   * scope failures.
   */
  constructor(
    shops: readonly ShopConfig[],
    create: ShopClientFactory = createShopRenterClient,
    lookup?: (shop: string) => ShopConfig | undefined,
    failureAdvice?: ShopFailureAdvice,
  ) {
    this.#shops = new Map(shops.map((shop) => [shop.name, shop]));
    this.#create = create;
    this.#lookup = lookup;
    this.#failureAdvice = failureAdvice;
  }

  /** Drops the cached client of a shop (app mode: the shop uninstalled the app). */
  forget(shop: string): void {
    this.#clients.delete(shop);
  }

  /** True when the shop has API credentials (clientId and clientSecret, or username and password). */
  has(shop: string): boolean {
    return shopApiAuth(this.#shops.get(shop) ?? this.#lookup?.(shop)) !== undefined;
  }

  /** The shop's client; throws ShopCredentialsMissingError when the shop has no credentials. */
  clientFor(shop: string): ShopRenterClient {
    const existing = this.#clients.get(shop);
    if (existing) return existing;
    const config = this.#shops.get(shop) ?? this.#lookup?.(shop);
    const auth = shopApiAuth(config);
    if (!config || !auth) throw new ShopCredentialsMissingError(shop);
    const client = this.#create({
      shop,
      auth,
      ...(config.apiUrl ? { apiUrl: config.apiUrl } : {}),
      ...(config.tokenUrl ? { tokenUrl: config.tokenUrl } : {}),
    });
    const advice = this.#failureAdvice;
    const shopClient = advice ? withFailureAdvice(client, (error) => advice(shop, error)) : client;
    this.#clients.set(shop, shopClient);
    return shopClient;
  }
}

/**
 * One lazily created ShopRenter client per shop, from the shop's credentials in srhooks.config.json;
 * shared by `module` handlers (`ctx.client`) and the `verify` step, so all calls for a shop share one
 * token and the client's 3 requests/second bucket.
 */
import { createShopRenterClient, type ShopRenterClient, type ShopRenterClientOptions } from '@srhooks/client';
import type { ShopConfig } from '../config/config-schema.js';
import { ShopCredentialsMissingError } from './processing-errors.js';

export type ShopClientFactory = (options: ShopRenterClientOptions) => ShopRenterClient;

export class ShopClients {
  readonly #shops: ReadonlyMap<string, ShopConfig>;
  readonly #clients = new Map<string, ShopRenterClient>();
  readonly #create: ShopClientFactory;
  readonly #lookup: ((shop: string) => ShopConfig | undefined) | undefined;

  /**
   * `lookup` finds shops that are not in `shops` (app mode: shops that installed the app, with the
   * app's credentials), so they get clients the same way.
   */
  constructor(
    shops: readonly ShopConfig[],
    create: ShopClientFactory = createShopRenterClient,
    lookup?: (shop: string) => ShopConfig | undefined,
  ) {
    this.#shops = new Map(shops.map((shop) => [shop.name, shop]));
    this.#create = create;
    this.#lookup = lookup;
  }

  /** Drops the cached client of a shop (app mode: the shop uninstalled the app). */
  forget(shop: string): void {
    this.#clients.delete(shop);
  }

  /** True when the shop has clientId and clientSecret. */
  has(shop: string): boolean {
    const config = this.#shops.get(shop) ?? this.#lookup?.(shop);
    return Boolean(config?.clientId && config.clientSecret);
  }

  /** The shop's client; throws ShopCredentialsMissingError when the shop has no credentials. */
  clientFor(shop: string): ShopRenterClient {
    const existing = this.#clients.get(shop);
    if (existing) return existing;
    const config = this.#shops.get(shop) ?? this.#lookup?.(shop);
    if (!config?.clientId || !config.clientSecret) throw new ShopCredentialsMissingError(shop);
    const client = this.#create({
      shop,
      auth: { clientId: config.clientId, clientSecret: config.clientSecret },
      ...(config.apiUrl ? { apiUrl: config.apiUrl } : {}),
      ...(config.tokenUrl ? { tokenUrl: config.tokenUrl } : {}),
    });
    this.#clients.set(shop, client);
    return client;
  }
}

/**
 * Every shop this receiver serves, wherever it comes from: `shops` in the config file, and (app
 * mode) the shops that installed the app, from the store. An installed shop looks exactly like a
 * config shop to the rest of the receiver — a `ShopConfig` with the app's subscriptions, handlers
 * and credentials (the app's ClientId/ClientSecret work on every shop that installed it, FACTS.md
 * §7) — so `ctx.client`, `verify` and order recovery treat both alike.
 *
 * Installed shops are kept in memory and refreshed from the store (every few seconds, and at once
 * by this instance's own installs/uninstalls), so lookups on the ingest path are synchronous.
 * Listeners (`onChange`) hear of every reload and every record this instance wrote: the recovery
 * loop uses it to start and stop passes for shops that install or uninstall while it runs.
 */
import type { ShopConfig } from '../config/config-schema.js';
import type { AppShopRecord, AppShopStore } from '../store/app-shops/app-shop-store.js';
import { type AppConfig, forShop } from './app-config.js';

export class ShopDirectory {
  readonly #configShops: ReadonlyMap<string, ShopConfig>;
  readonly #app: AppConfig | undefined;
  readonly #appShops: AppShopStore | null;
  #installed = new Map<string, AppShopRecord>();
  /** How many records `remember` took, and the count at each shop's latest (refresh keeps newer ones). */
  #remembered = 0;
  readonly #rememberedAt = new Map<string, number>();
  readonly #listeners = new Set<() => void>();

  constructor(configShops: readonly ShopConfig[], app?: AppConfig, appShops?: AppShopStore | null) {
    this.#configShops = new Map(configShops.map((shop) => [shop.name, shop]));
    this.#app = app;
    this.#appShops = appShops ?? null;
  }

  /**
   * Reloads the installed shops from the store. A record this instance remembered while the read was
   * under way and that is newer than the one read (an uninstall handled meanwhile) is kept: the read
   * may have seen the store before that write, and would otherwise put the shop back as installed —
   * its URLs accepted, its jobs run — until the next reload.
   */
  async refresh(from?: AppShopStore): Promise<void> {
    if (!this.#appShops) return;
    const startedAt = this.#remembered;
    const records = await (from ?? this.#appShops).list();
    const next = new Map(records.map((record) => [record.shop, record]));
    // Only records remembered during the read: the store is the truth otherwise (updatedAt comes from
    // each instance's clock, so an older-looking record read later may well be the newer write).
    for (const [shop, at] of this.#rememberedAt) {
      if (at <= startedAt) continue;
      const known = this.#installed.get(shop);
      const read = next.get(shop);
      if (known && (read === undefined || known.updatedAt.getTime() > read.updatedAt.getTime()))
        next.set(shop, known);
    }
    this.#installed = next;
    this.#changed();
  }

  /**
   * Reads one shop's record from the store and takes it, when the list in memory may be behind the store:
   * another instance on the same PostgreSQL store recorded an install (or a re-install after an uninstall
   * this instance knows of) since this instance's last reload. Asked by the requests that would otherwise be
   * refused on the list in memory (a delivery of a shop known as uninstalled, an entry call of a shop not
   * known as installed), so an install is honoured at once on every instance, not after the next reload
   * (within 5 s). A record this instance wrote while the read was under way is kept (as in `refresh`).
   * The record now known (undefined: the shop never installed the app). Store errors are thrown.
   * `from`: the view of the shop records to read it through (a request's, bounded during the shutdown).
   */
  async reloadShop(name: string, from?: AppShopStore): Promise<AppShopRecord | undefined> {
    if (!this.#appShops) return this.#installed.get(name);
    const startedAt = this.#remembered;
    const read = await (from ?? this.#appShops).get(name);
    const at = this.#rememberedAt.get(name);
    if (at !== undefined && at > startedAt) return this.#installed.get(name);
    // The store is the truth otherwise (updatedAt comes from each instance's clock: not compared).
    if (!read) return this.#installed.get(name);
    return this.#take(read);
  }

  /**
   * Whether the shop has uninstalled the app according to the store now (not a config shop): one read of the
   * shop's record, taken into the list in memory (as `reloadShop`). For the decisions that must not go by a
   * list that may be behind the store — another instance on the same PostgreSQL store handled a re-install
   * (or an uninstall) since this one last read it, and its change feed may be down —: whether a claimed job
   * runs or is cancelled as an uninstalled shop's, whether a drained spooled delivery gets handler jobs, whether
   * an admin's replay or backfill of the shop's events is refused (admin-operations.ts). A
   * record this instance wrote while the read was under way is newer and decides; a shop the store has no
   * record of never installed the app (false). Store errors are thrown (the caller decides nothing then).
   * `from`: the view of the shop records to read through (the admin area's, bounded during the shutdown).
   */
  async uninstalledInStore(name: string, from?: AppShopStore): Promise<boolean> {
    if (this.#configShops.has(name) || !this.#appShops) return false;
    const startedAt = this.#remembered;
    const read = await (from ?? this.#appShops).get(name);
    const at = this.#rememberedAt.get(name);
    if (at !== undefined && at > startedAt) return this.isUninstalled(name);
    if (!read) return false;
    return this.#take(read).status === 'uninstalled';
  }

  /**
   * The shops that have uninstalled the app according to the store now (not config shops): the installed shops
   * re-read from the store (`refresh`, one read), then `uninstalledShops`. For the admin's replays of many
   * shops' work at once (the dead letters), which must not go by a list that may be behind the store, as
   * `uninstalledInStore` for one shop. Store errors are thrown. `from`: as for `uninstalledInStore`.
   */
  async uninstalledShopsInStore(from?: AppShopStore): Promise<string[]> {
    await this.refresh(from);
    return this.uninstalledShops();
  }

  /** A record just read from the store, taken unless the list holds the same; the record now known. */
  #take(read: AppShopRecord): AppShopRecord {
    // Nothing new (a shop that did uninstall, its deliveries still coming): listeners are not woken for it.
    const known = this.#installed.get(read.shop);
    if (known && known.status === read.status && known.updatedAt.getTime() === read.updatedAt.getTime())
      return known;
    // Taken as a record remembered now, so a reload whose list was read before this one keeps it.
    this.remember(read);
    return read;
  }

  /** Takes a record this instance just wrote (before the next refresh). */
  remember(record: AppShopRecord): void {
    this.#remembered += 1;
    this.#rememberedAt.set(record.shop, this.#remembered);
    this.#installed.set(record.shop, record);
    this.#changed();
  }

  /** Calls `listener` after every reload and remembered record; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }

  /**
   * The earliest time order recovery reads from for the shop: an installed shop's install time (the
   * app was not subscribed before it, so nothing earlier was missed); null for config shops.
   */
  recoveryNotBefore(name: string): Date | null {
    if (this.#configShops.has(name)) return null;
    return this.#installed.get(name)?.installedAt ?? null;
  }

  /** The app shop record (any status), when the shop ever installed the app. */
  appShop(name: string): AppShopRecord | undefined {
    return this.#installed.get(name);
  }

  appShops(): AppShopRecord[] {
    return [...this.#installed.values()];
  }

  /** A shop that uninstalled the app (and is not also a config shop): its URLs answer 404. */
  isUninstalled(name: string): boolean {
    return !this.#configShops.has(name) && this.#installed.get(name)?.status === 'uninstalled';
  }

  /** A shop of the config file's `shops` (served by that entry, whatever the app's install says). */
  isConfigShop(name: string): boolean {
    return this.#configShops.has(name);
  }

  /** The shops that uninstalled the app (and are not also config shops). */
  uninstalledShops(): string[] {
    return [...this.#installed.keys()].filter((name) => this.isUninstalled(name));
  }

  /** When the shop uninstalled the app (not also a config shop), else null (recovery's refusal says so). */
  uninstalledAt(name: string): Date | null {
    if (!this.isUninstalled(name)) return null;
    return this.#installed.get(name)?.uninstalledAt ?? null;
  }

  /** The shop's configuration: the config file's, else the installed app shop's (pending or installed). */
  shop(name: string): ShopConfig | undefined {
    const configured = this.#configShops.get(name);
    if (configured) return configured;
    const record = this.#installed.get(name);
    if (!record || record.status === 'uninstalled') return undefined;
    return this.appShopConfig(name);
  }

  /** Config shops, then installed (or pending) app shops. */
  shops(): ShopConfig[] {
    const result = [...this.#configShops.values()];
    for (const record of this.#installed.values()) {
      if (record.status !== 'uninstalled' && !this.#configShops.has(record.shop)) {
        result.push(this.appShopConfig(record.shop));
      }
    }
    return result;
  }

  /**
   * What an installed shop looks like as a config shop. Recovery runs once the install holds a token
   * (status `installed`) and `app.recovery` is not false; a pending install has none yet.
   */
  appShopConfig(name: string): ShopConfig {
    const app = this.#app;
    if (!app) throw new TypeError('appShopConfig needs app mode (config.app)');
    const installed = this.#installed.get(name)?.status === 'installed';
    return {
      name,
      events: [...app.events],
      webhooks: [...app.webhooks],
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      ...(app.apiUrl ? { apiUrl: forShop(app.apiUrl, name) } : {}),
      ...(app.tokenUrl ? { tokenUrl: forShop(app.tokenUrl, name) } : {}),
      reconcile: false,
      recovery: installed && app.recovery,
      verify: false,
      handlers: [...app.handlers],
    };
  }
}

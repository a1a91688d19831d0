import { AppRegistry, parseAppRegistration } from '../apps/app-registry.js';
import { generateSigningKey, signingKeyFromPem, signingKeyPem, type TokenSigningKey } from '../auth/jwt.js';
import { SandboxConfigError, SandboxNotFoundError } from '../errors.js';
import { type Faults, parseFaults } from '../faults/faults.js';
import { SlidingWindowRateLimiter } from '../limits/rate-limiter.js';
import { type ApiClientSeed, isClockOffset, type ResolvedSandboxOptions, type ShopSeed } from '../options.js';
import {
  defaultOrderListSettings,
  type OrderListSettings,
  parseOrderListSettings,
} from '../resources/orders/order-list-settings.js';
import { DeliveryDispatcher } from '../simulator/delivery-dispatcher.js';
import { ShopSimulator } from '../simulator/shop-simulator.js';
import { JsonFileStore } from './persistence.js';
import { emptyShopData, type ShopData, upgradeShopData } from './shop-data.js';

export interface RequestCount {
  total: number;
  byStatus: Record<number, number>;
}

/** One shop at run time: its configuration, its data, its injected faults, its request counters. */
export interface ShopRuntime {
  seed: ShopSeed;
  data: ShopData;
  faults: Faults;
  /** How `GET /orders` sorts and pages (sandbox-only, set at run time; not persisted). */
  orderList: OrderListSettings;
  requests: RequestCount;
  /**
   * Access tokens issued for the shop and revoked ones (`jti` → `exp` in seconds; dropped once expired):
   * `revokeTokens` makes every token issued so far refused (sandbox-only, not persisted).
   */
  tokens: { issued: Map<string, number>; revoked: Map<string, number> };
}

const DATA_FORMAT = 'srhooks-sandbox/1';

interface PersistedSandbox {
  format: typeof DATA_FORMAT;
  /** PKCS#8 PEM of the RS256 token key, so tokens stay valid across restarts of a persistent sandbox. */
  signingKeyPem?: string;
  /** The HS256 key of data files written before tokens were RS256 (ignored: a new key is made). */
  signingKey?: string;
  shops: Record<string, Partial<ShopData>>;
}

function isPersistedSandbox(value: unknown): value is PersistedSandbox {
  const v = value as PersistedSandbox | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.format === DATA_FORMAT &&
    typeof v.shops === 'object' &&
    v.shops !== null
  );
}

export type LogFn = (details: Record<string, unknown>, message: string) => void;

/**
 * Everything a running sandbox knows: shops, signing key, rate limiter, faults, counters, the
 * delivery dispatcher and the simulator. Persisted to `options.dataFile` when one is given.
 */
export class SandboxState {
  /** The RS256 token key: the given one, else the persisted one, else one made on first use (see {@link tokenKey}). */
  #tokenKey: TokenSigningKey | null;
  readonly rateLimiter: SlidingWindowRateLimiter | undefined;
  readonly dispatcher: DeliveryDispatcher;
  readonly simulator: ShopSimulator;
  /** Registered platform apps and their installs. */
  readonly apps = new AppRegistry();
  private readonly shops = new Map<string, ShopRuntime>();
  /** Data of shops that are in the data file but not configured this time (kept, not served). */
  private readonly unconfigured: Record<string, Partial<ShopData>> = {};
  private readonly store: JsonFileStore<PersistedSandbox> | undefined;

  /**
   * The key tokens are signed with. A new 2048-bit RSA key costs about 0.2 s of CPU, so it is made
   * when first needed (a token, the key set, a token check, saving the data file), not at start.
   */
  get tokenKey(): TokenSigningKey {
    this.#tokenKey ??= generateSigningKey();
    return this.#tokenKey;
  }

  /** The shops' clock against this machine's, in seconds: `clockOffsetSeconds`, then `setClockOffset`'s. */
  #clockOffsetSeconds: number;

  /** The shops' clock: this machine's moved by the clock offset (order, history and subscriber times). */
  now(): Date {
    return new Date(Date.now() + this.#clockOffsetSeconds * 1000);
  }

  /** Sets the shops' clock off by `seconds` from now on (a shop clock set back or forward while it runs). */
  setClockOffset(seconds: number): void {
    if (!isClockOffset(seconds))
      throw new SandboxConfigError(
        'bad_sandbox_options',
        'the clock offset must be a whole number of seconds within a week either way.',
      );
    this.#clockOffsetSeconds = seconds;
  }

  constructor(
    readonly options: ResolvedSandboxOptions,
    log: LogFn = () => {},
  ) {
    this.#clockOffsetSeconds = options.clockOffsetSeconds;
    const persisted = options.dataFile ? JsonFileStore.read(options.dataFile, isPersistedSandbox) : undefined;
    this.#tokenKey =
      options.signingKey ?? (persisted?.signingKeyPem ? signingKeyFromPem(persisted.signingKeyPem) : null);
    for (const seed of options.shops) {
      const saved = persisted?.shops[seed.name];
      this.shops.set(seed.name, {
        seed,
        data: saved ? upgradeShopData(saved) : emptyShopData(),
        faults: {},
        orderList: defaultOrderListSettings(),
        requests: { total: 0, byStatus: {} },
        tokens: { issued: new Map(), revoked: new Map() },
      });
    }
    for (const [name, data] of Object.entries(persisted?.shops ?? {})) {
      if (!this.shops.has(name)) this.unconfigured[name] = data;
    }
    this.rateLimiter =
      options.rateLimitPerSecond === undefined
        ? undefined
        : new SlidingWindowRateLimiter(options.rateLimitPerSecond);
    if (options.dataFile) this.store = new JsonFileStore(options.dataFile, () => this.snapshot());
    this.dispatcher = new DeliveryDispatcher({
      timeScale: options.timeScale,
      timeoutMs: options.deliveryTimeoutMs,
      expectContinueTimeoutMs: options.expectContinueTimeoutMs,
      onChange: () => this.changed(),
      lateDeliveryMs: (shop) => this.shops.get(shop)?.faults.lateDeliverMs,
      log,
    });
    this.simulator = new ShopSimulator(this);
    for (const app of options.apps) {
      try {
        this.apps.register(parseAppRegistration(app));
      } catch (error) {
        throw new SandboxConfigError(
          'bad_app',
          `app ${JSON.stringify(app.appId ?? '?')}: ${(error as Error).message}`,
        );
      }
    }
    for (const shop of this.shops.values()) this.dispatcher.resume(shop.data);
    this.changed();
  }

  shopNames(): string[] {
    return [...this.shops.keys()];
  }

  findShop(name: string): ShopRuntime | undefined {
    return this.shops.get(name);
  }

  /** The shop, or a 404 error naming the configured shops. */
  shop(name: string): ShopRuntime {
    const shop = this.shops.get(name);
    if (!shop) {
      throw new SandboxNotFoundError(
        `Shop '${name}'`,
        `This sandbox serves: ${this.shopNames().join(', ')} (add shops with a seed file).`,
        'unknown_shop',
      );
    }
    return shop;
  }

  /** The shop's own API clients plus those of the apps installed on it right now. */
  /** The shop's own API clients and those of the apps installed there (assumptions.ts [A30]). */
  clientsFor(shop: ShopRuntime): ApiClientSeed[] {
    return [...shop.seed.clients, ...this.apps.clientsFor(shop.seed.name)];
  }

  /** Replaces the injected faults of a shop (`{}` clears them). */
  setFaults(shop: string, faults: Faults): void {
    this.shop(shop).faults = parseFaults(faults);
  }

  /** Notes a token the token endpoint issued for `shop` (its `jti` and `exp`, in seconds). */
  tokenIssued(shop: string, jti: string, exp: number): void {
    const { issued } = this.shop(shop).tokens;
    dropExpired(issued);
    issued.set(jti, exp);
  }

  /**
   * Revokes every access token issued for `shop` so far (a test's "the shop no longer accepts this
   * token": a secret regenerated, an administrator's revocation); tokens issued later are valid.
   * Returns how many unexpired tokens it revoked.
   */
  revokeTokens(shop: string): number {
    const { issued, revoked } = this.shop(shop).tokens;
    dropExpired(issued);
    dropExpired(revoked);
    const count = issued.size;
    for (const [jti, exp] of issued) revoked.set(jti, exp);
    issued.clear();
    return count;
  }

  /** Whether the token `jti` of `shop` was revoked. */
  tokenRevoked(shop: string, jti: string): boolean {
    return this.findShop(shop)?.tokens.revoked.has(jti) ?? false;
  }

  /** Replaces how `GET /orders` sorts and pages for a shop (`{}`: by inner id, as asked). */
  setOrderList(shop: string, settings: unknown): OrderListSettings {
    const runtime = this.shop(shop);
    runtime.orderList = parseOrderListSettings(settings);
    return runtime.orderList;
  }

  recordResponse(shop: string, status: number): void {
    const runtime = this.shops.get(shop);
    if (!runtime) return;
    runtime.requests.total += 1;
    runtime.requests.byStatus[status] = (runtime.requests.byStatus[status] ?? 0) + 1;
  }

  /** API and token requests answered so far, for one shop or all of them. */
  requestCount(shop?: string): RequestCount {
    const shops = shop === undefined ? [...this.shops.values()] : [this.shop(shop)];
    const result: RequestCount = { total: 0, byStatus: {} };
    for (const s of shops) {
      result.total += s.requests.total;
      for (const [status, count] of Object.entries(s.requests.byStatus)) {
        const code = Number(status);
        result.byStatus[code] = (result.byStatus[code] ?? 0) + count;
      }
    }
    return result;
  }

  /** Marks the data as changed; written to the data file (if any) at the end of this tick. */
  changed(): void {
    this.store?.markDirty();
  }

  /** Stops deliveries and writes the data file. */
  close(): void {
    this.dispatcher.close();
    this.store?.markDirty();
    this.store?.flush();
  }

  private snapshot(): PersistedSandbox {
    const shops: Record<string, Partial<ShopData>> = { ...this.unconfigured };
    for (const [name, shop] of this.shops) shops[name] = shop.data;
    return { format: DATA_FORMAT, signingKeyPem: signingKeyPem(this.tokenKey), shops };
  }
}

/** Drops the entries of `tokens` whose `exp` (seconds) has passed. */
function dropExpired(tokens: Map<string, number>): void {
  const now = Date.now() / 1000;
  for (const [jti, exp] of tokens) if (exp <= now) tokens.delete(jti);
}

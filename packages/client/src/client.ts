import type { paths } from '@srhooks/contracts';
import createClient from 'openapi-fetch';
import { assertAuth, isClientCredentials, type ShopRenterAuth } from './auth/auth-options.js';
import { readJwtClaims } from './auth/jwt-claims.js';
import { type AccessToken, TokenManager } from './auth/token-manager.js';
import type { BackoffOptions } from './backoff.js';
import {
  assertShopName,
  DEFAULT_API_URL,
  DEFAULT_LEGACY_API_URL,
  DEFAULT_TOKEN_URL,
  resolveUrlTemplate,
} from './endpoint-urls.js';
import { InputError } from './errors.js';
import { withTextBodies } from './http/api-call.js';
import { ServerClock, serverClockMiddleware } from './http/server-clock.js';
import { type AuthProvider, authMiddleware } from './middleware/auth.js';
import { rateLimitMiddleware } from './middleware/rate-limit.js';
import { type RetryOptions, retryMiddleware } from './middleware/retry.js';
import { timeoutMiddleware } from './middleware/timeout.js';
import {
  type ClientLogger,
  composeFetch,
  type Fetch,
  type FetchMiddleware,
  silentLogger,
} from './middleware/types.js';
import { xmlToJsonMiddleware } from './middleware/xml-to-json.js';
import { DEFAULT_API_TIMEOUT_MS } from './network-failure.js';
import { type RateLimitOptions, sharedRequestWindow } from './rate-limit/shared-request-window.js';
import { type BatchFunction, createBatch } from './resources/batch.js';
import {
  createNewsletterSubscribersResource,
  type NewsletterSubscribersResource,
} from './resources/newsletter-subscribers.js';
import { createOrdersResource, type OrdersResource } from './resources/orders.js';
import type { WebhookSpec } from './resources/webhook-input.js';
import { createWebhooksResource, type WebhooksResource } from './resources/webhooks.js';
import { requiredScope } from './scopes.js';
import { type ApplySyncOptions, applySync, type SyncReport } from './sync/apply-sync.js';
import { planSync, type SyncPlan } from './sync/plan-sync.js';

export interface ShopRenterClientOptions {
  /** The shop's ShopRenter name (`my-shop` of my-shop.shoprenter.hu). */
  shop: string;
  auth: ShopRenterAuth;
  /**
   * API base URL template with `{shop}`. Default `https://{shop}.api2.myshoprenter.hu/api`, or
   * `https://{shop}.api.myshoprenter.hu` with Basic auth. Plain http only to loopback.
   */
  apiUrl?: string;
  /** Token endpoint template. Default `https://oauth.app.shoprenter.net/{shop}/app/token`. */
  tokenUrl?: string;
  /** Fetch implementation (default `globalThis.fetch`). */
  fetch?: Fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  logger?: ClientLogger;
  /** The (client, shop) token bucket; `false` turns the client-side limiter off. */
  rateLimit?: RateLimitOptions | false;
  /** Retry policy for 429/503 (all methods) and 500/502/504/network errors (idempotent methods). */
  retry?: RetryOptions;
  /** Per-request timeout in ms (default 30 000). */
  timeoutMs?: number;
  /** Renew the OAuth token this many seconds before it expires (default 60). */
  tokenRefreshMarginSeconds?: number;
  /**
   * The OAuth token request's own policy (it does not go through `retry`/`timeoutMs`): attempts when
   * the endpoint answers 429/5xx or cannot be reached (default 3; 1 = one request, not retried) and the
   * time limit of each attempt in ms (default 15 000).
   */
  tokenRequest?: TokenRequestOptions;
}

export interface TokenRequestOptions {
  /** Attempts in all, first one included (default 3). 1 disables retrying. */
  maxAttempts?: number;
  /** Time limit of each attempt in ms (default 15 000). */
  timeoutMs?: number;
}

export interface SyncOptions extends Omit<ApplySyncOptions, 'client' | 'refresh'> {
  /** Only compute the plan; change nothing. */
  dryRun?: boolean;
}

export interface ShopRenterClient {
  readonly shop: string;
  /** The resolved API base URL, e.g. `https://my-shop.api2.myshoprenter.hu/api`. */
  readonly apiUrl: string;
  /**
   * The shop's clock against this machine's, from the `Date` header of the API's last answer (see
   * http/server-clock.ts): for reads by the shop's own time ("changed since").
   */
  readonly serverClock: ServerClock;
  readonly webhooks: WebhooksResource;
  readonly orders: OrdersResource;
  readonly newsletterSubscribers: NewsletterSubscribersResource;
  readonly batch: BatchFunction;
  /** A valid OAuth access token (cached; renewed before expiry). Throws InputError with Basic auth. */
  getToken(): Promise<AccessToken>;
  /** Lists the current subscriptions, plans against `desired` and (unless `dryRun`) applies the plan. */
  sync(desired: readonly WebhookSpec[], options?: SyncOptions): Promise<SyncReport>;
}

/**
 * A typed ShopRenter client: openapi-fetch over the contracts' OpenAPI types, with the
 * cross-cutting behaviour in fetch middleware, outermost first:
 * retry → auth → rate limit → timeout → XML-to-JSON → fetch.
 * Retry sits outside auth and the rate limiter so every attempt waits for a token of the bucket
 * and carries a current access token (openapi-fetch's own middleware cannot re-send a request
 * through the other middleware, which is why these wrap its `fetch`).
 */
export function createShopRenterClient(options: ShopRenterClientOptions): ShopRenterClient {
  if (!options || typeof options !== 'object') {
    throw new InputError('createShopRenterClient needs options {shop, auth}', { field: 'options' });
  }
  const shop = assertShopName(options.shop);
  const auth = assertAuth(options.auth);
  const oauth = isClientCredentials(auth);
  const apiUrl = resolveUrlTemplate(
    options.apiUrl ?? (oauth ? DEFAULT_API_URL : DEFAULT_LEGACY_API_URL),
    shop,
    'apiUrl',
  );
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const logger = options.logger ?? silentLogger;
  const baseFetch: Fetch = options.fetch ?? ((request) => globalThis.fetch(request));

  let tokens: TokenManager | undefined;
  let provider: AuthProvider;
  if (oauth) {
    const tokenUrl = resolveUrlTemplate(options.tokenUrl ?? DEFAULT_TOKEN_URL, shop, 'tokenUrl');
    const manager = new TokenManager({
      shop,
      tokenUrl,
      clientId: auth.clientId,
      clientSecret: auth.clientSecret,
      fetch: baseFetch,
      now,
      sleep,
      random,
      ...(options.tokenRefreshMarginSeconds === undefined
        ? {}
        : { refreshMarginSeconds: options.tokenRefreshMarginSeconds }),
      ...tokenRequestPolicy(options.tokenRequest),
    });
    tokens = manager;
    provider = {
      authorization: async () => `Bearer ${(await manager.getToken()).accessToken}`,
      rejected: (authorization) => {
        manager.invalidate(authorization.replace(/^Bearer /, ''));
        logger.info({ shop }, 'access token rejected (401), fetching a new one');
        return true;
      },
      missingScope: (authorization, request) => {
        const scope = requiredScope(request.method, request.url);
        const granted = readJwtClaims(authorization.replace(/^Bearer /, '')).scopes;
        return scope !== undefined && granted.length > 0 && !granted.includes(scope) ? scope : undefined;
      },
      scopeMayBeGranted: (authorization) => {
        const renewed = manager.renewForScope(authorization.replace(/^Bearer /, ''));
        if (renewed)
          logger.info(
            { shop },
            'token lacks a scope the API asked for; fetching a new one in case it was granted since',
          );
        return renewed;
      },
    };
  } else {
    const header = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    provider = { authorization: async () => header, rejected: () => false };
  }

  const layers: FetchMiddleware[] = [
    retryMiddleware(options.retry ?? {}, { now, sleep, random }, logger),
    authMiddleware(provider),
  ];
  if (options.rateLimit !== false) {
    const clientId = oauth ? auth.clientId : auth.username;
    const window = sharedRequestWindow(
      { origin: new URL(apiUrl).origin, clientId, shop },
      options.rateLimit ?? {},
      options.now ? { now: options.now } : {},
    );
    layers.push(rateLimitMiddleware(window, logger));
  }
  const serverClock = new ServerClock(now);
  layers.push(
    timeoutMiddleware(options.timeoutMs ?? DEFAULT_API_TIMEOUT_MS),
    xmlToJsonMiddleware(),
    serverClockMiddleware(serverClock),
  );

  const api = withTextBodies(
    createClient<paths>({
      baseUrl: apiUrl,
      fetch: composeFetch(baseFetch, layers),
      headers: { Accept: 'application/json' },
    }),
  );
  const context = { api, apiBase: apiUrl };
  const batch = createBatch(context);

  const client: ShopRenterClient = {
    shop,
    apiUrl,
    serverClock,
    webhooks: createWebhooksResource(context),
    orders: createOrdersResource(context, batch),
    newsletterSubscribers: createNewsletterSubscribersResource(context),
    batch,
    async getToken() {
      if (!tokens) {
        throw new InputError(
          'getToken() needs OAuth client credentials ({clientId, clientSecret}); this client uses Basic auth',
          {
            field: 'auth',
            code: 'no_oauth',
          },
        );
      }
      return tokens.getToken();
    },
    async sync(desired, syncOptions = {}) {
      const { dryRun, ...applyOptions } = syncOptions;
      const plan: SyncPlan = planSync(desired, await client.webhooks.all());
      if (dryRun) return applySync(plan, { ...applyOptions, client, refresh: false, dryRun: true });
      return applySync(plan, { ...applyOptions, client, refresh: false });
    },
  };
  return client;
}

/** `tokenRequest` checked: whole attempts of at least 1, a time limit of at least 1 ms. */
function tokenRequestPolicy(policy: TokenRequestOptions | undefined): {
  maxAttempts?: number;
  timeoutMs?: number;
} {
  if (policy === undefined) return {};
  const { maxAttempts, timeoutMs } = policy;
  if (maxAttempts !== undefined && !(Number.isInteger(maxAttempts) && maxAttempts >= 1)) {
    throw new InputError(
      `tokenRequest.maxAttempts must be a whole number of at least 1 (1 = not retried), got ${String(maxAttempts)}`,
      { field: 'tokenRequest.maxAttempts' },
    );
  }
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs >= 1)) {
    throw new InputError(
      `tokenRequest.timeoutMs must be a number of milliseconds ≥ 1, got ${String(timeoutMs)}`,
      {
        field: 'tokenRequest.timeoutMs',
      },
    );
  }
  return {
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  };
}

export type { BackoffOptions };

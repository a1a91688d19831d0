import type { paths } from '@srhooks/contracts';
import createClient, { type PathSerializer } from 'openapi-fetch';
import { assertAuth, isClientCredentials, type ShopRenterAuth } from './auth/auth-options.js';
import { readJwtClaims } from './auth/jwt-claims.js';
import { type AccessToken, type TokenCache, TokenManager } from './auth/token-manager.js';
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
import {
  checkOptionKeys,
  kindOf,
  numberOption,
  optionKeys,
  SYNC_OPTION_WORDS,
  shownValue,
} from './option-checks.js';
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
  /**
   * Keeps the OAuth token between processes: read before a token is requested, written after (see
   * {@link TokenCache}). A failing cache never fails a call. Not used with Basic auth (no tokens).
   */
  tokenCache?: TokenCache;
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
  checkOptionKeys(options, CLIENT_OPTION_KEYS, '');
  const shop = assertShopName(options.shop);
  const auth = assertAuth(options.auth);
  const policy = checkedPolicy(options);
  const tokenCache = checkedTokenCache(options.tokenCache);
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
      ...(policy.tokenRefreshMarginSeconds === undefined
        ? {}
        : { refreshMarginSeconds: policy.tokenRefreshMarginSeconds }),
      ...tokenRequestPolicy(options.tokenRequest),
      ...(tokenCache
        ? {
            cache: tokenCache,
            onCacheError: (operation: string, error: unknown) =>
              logger.warn(
                { shop, operation, error: error instanceof Error ? error.name : typeof error },
                `the token cache failed (${operation}); requesting tokens as without it`,
              ),
          }
        : {}),
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
    retryMiddleware(policy.retry, { now, sleep, random }, logger),
    authMiddleware(provider),
  ];
  if (policy.rateLimit !== false) {
    const clientId = oauth ? auth.clientId : auth.username;
    const window = sharedRequestWindow(
      { origin: new URL(apiUrl).origin, clientId, shop },
      policy.rateLimit,
      options.now ? { now: options.now } : {},
    );
    layers.push(rateLimitMiddleware(window, logger));
  }
  const serverClock = new ServerClock(now);
  layers.push(timeoutMiddleware(policy.timeoutMs), xmlToJsonMiddleware(), serverClockMiddleware(serverClock));

  const api = withTextBodies(
    createClient<paths>({
      baseUrl: apiUrl,
      fetch: composeFetch(baseFetch, layers),
      headers: { Accept: 'application/json' },
      pathSerializer: idsAsInHrefs,
    }),
  );
  const context = { api, apiBase: apiUrl, shop };
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
      checkOptionKeys(syncOptions, SYNC_OPTION_KEYS, 'options', SYNC_OPTION_WORDS);
      const { dryRun, ...applyOptions } = syncOptions;
      planSync(desired, []); // the desired list's InputErrors before any request (token, list)
      const plan: SyncPlan = planSync(desired, await client.webhooks.all());
      if (dryRun) return applySync(plan, { ...applyOptions, client, refresh: false, dryRun: true });
      return applySync(plan, { ...applyOptions, client, refresh: false });
    },
  };
  return client;
}

/**
 * The numeric policies checked before anything is sent: each must be a finite number in its range,
 * else an `InputError` naming the option (`retry.maxAttempts`, `timeoutMs`, …). Without this, `NaN`
 * (a `Number(process.env.X)` of an unset variable) retried forever (`attempt >= NaN` is never
 * true), timed every request out at once, or failed deep inside with a bare `RangeError`; an option
 * given as `undefined` counts as left out (before, it replaced the default with `undefined`).
 */
function checkedPolicy(options: ShopRenterClientOptions): {
  retry: RetryOptions;
  rateLimit: RateLimitOptions | false;
  timeoutMs: number;
  tokenRefreshMarginSeconds: number | undefined;
} {
  for (const name of ['fetch', 'now', 'sleep', 'random'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new InputError(`${name} must be a function, got ${kindOf(options[name])}`, { field: name });
    }
  }
  const retry = objectOption('retry', options.retry, RETRY_OPTION_KEYS);
  const rateLimit =
    options.rateLimit === false
      ? false
      : objectOption('rateLimit', options.rateLimit, RATE_LIMIT_OPTION_KEYS);
  const ms = { unit: 'milliseconds' };
  const defined = <T extends object>(entries: T): T =>
    Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined)) as T;
  return {
    timeoutMs: numberOption('timeoutMs', options.timeoutMs, DEFAULT_API_TIMEOUT_MS, { min: 1, ...ms }),
    tokenRefreshMarginSeconds:
      options.tokenRefreshMarginSeconds === undefined
        ? undefined
        : numberOption('tokenRefreshMarginSeconds', options.tokenRefreshMarginSeconds, 0, {
            min: 0,
            unit: 'seconds',
          }),
    retry: defined({
      maxAttempts: optionalNumber('retry.maxAttempts', retry.maxAttempts, {
        min: 1,
        whole: true,
        unit: 'attempts',
        hint: '1 = not retried',
      }),
      baseDelayMs: optionalNumber('retry.baseDelayMs', retry.baseDelayMs, { min: 0, ...ms }),
      maxDelayMs: optionalNumber('retry.maxDelayMs', retry.maxDelayMs, { min: 0, ...ms }),
      maxRetryAfterMs: optionalNumber('retry.maxRetryAfterMs', retry.maxRetryAfterMs, { min: 0, ...ms }),
      retryStatuses: statusList('retry.retryStatuses', retry.retryStatuses),
      idempotentRetryStatuses: statusList('retry.idempotentRetryStatuses', retry.idempotentRetryStatuses),
    }),
    rateLimit:
      rateLimit === false
        ? false
        : defined({
            requestsPerSecond: optionalNumber('rateLimit.requestsPerSecond', rateLimit.requestsPerSecond, {
              min: 1,
              whole: true,
              unit: 'requests',
              hint: 'ShopRenter allows 3; rateLimit: false turns the limiter off',
            }),
            safetyMarginMs: optionalNumber('rateLimit.safetyMarginMs', rateLimit.safetyMarginMs, {
              min: 0,
              ...ms,
            }),
          }),
  };
}

function objectOption<T extends object>(
  field: string,
  value: T | undefined,
  known: readonly (keyof T & string)[],
): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(`${field} must be an object of options, got ${kindOf(value)}`, { field });
  }
  checkOptionKeys(value, known, field);
  return value;
}

const CLIENT_OPTION_KEYS = optionKeys<ShopRenterClientOptions>()([
  'shop',
  'auth',
  'apiUrl',
  'tokenUrl',
  'fetch',
  'now',
  'sleep',
  'random',
  'logger',
  'rateLimit',
  'retry',
  'timeoutMs',
  'tokenRefreshMarginSeconds',
  'tokenRequest',
  'tokenCache',
]);
const RETRY_OPTION_KEYS = optionKeys<RetryOptions>()([
  'maxAttempts',
  'baseDelayMs',
  'maxDelayMs',
  'maxRetryAfterMs',
  'retryStatuses',
  'idempotentRetryStatuses',
]);
const RATE_LIMIT_OPTION_KEYS = optionKeys<RateLimitOptions>()(['requestsPerSecond', 'safetyMarginMs']);
const TOKEN_REQUEST_OPTION_KEYS = optionKeys<TokenRequestOptions>()(['maxAttempts', 'timeoutMs']);
const SYNC_OPTION_KEYS = optionKeys<SyncOptions>()(['prune', 'dryRun', 'onStep']);

function optionalNumber(
  field: string,
  value: unknown,
  rule: Parameters<typeof numberOption>[3],
): number | undefined {
  return value === undefined ? undefined : numberOption(field, value, 0, rule);
}

function statusList(field: string, value: unknown): number[] | undefined {
  if (value === undefined) return undefined;
  if (
    !Array.isArray(value) ||
    !value.every((status) => Number.isInteger(status) && status >= 100 && status <= 599)
  ) {
    throw new InputError(`${field} must be a list of HTTP statuses (100-599), got ${shownList(value)}`, {
      field,
    });
  }
  return value;
}

function shownList(value: unknown): string {
  return Array.isArray(value) ? `[${value.map((item) => shownValue(item)).join(', ')}]` : kindOf(value);
}

/** `tokenCache` checked: an object with `read` and `write` functions (and `forget`, if any, one too). */
function checkedTokenCache(cache: unknown): TokenCache | undefined {
  if (cache === undefined) return undefined;
  const c = cache as Record<string, unknown> | null;
  const usable =
    typeof c === 'object' &&
    c !== null &&
    typeof c.read === 'function' &&
    typeof c.write === 'function' &&
    (c.forget === undefined || typeof c.forget === 'function');
  if (!usable) {
    throw new InputError(
      `tokenCache must be an object with read() and write(token) functions (and optionally forget(accessToken)), got ${kindOf(cache)}`,
      { field: 'tokenCache' },
    );
  }
  return cache as TokenCache;
}

/** `tokenRequest` checked: whole attempts of at least 1, a time limit of at least 1 ms. */
function tokenRequestPolicy(policy: TokenRequestOptions | undefined): {
  maxAttempts?: number;
  timeoutMs?: number;
} {
  if (policy === undefined) return {};
  if (typeof policy === 'object' && policy !== null)
    checkOptionKeys(policy, TOKEN_REQUEST_OPTION_KEYS, 'tokenRequest');
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

/**
 * Path parameters (resource ids) written as the API writes them in its own hrefs (`…/webHooks/d2ViSG9v…MQ==`,
 * FACTS.md fixtures): base64's `=` padding left as it is — allowed in a path segment (RFC 3986 sub-delims),
 * and a server need not treat `%3D` as `=` — everything else as `encodeURIComponent` writes it (`+` as
 * `%2B`, never read as a space). The batch's URIs carry ids the same way (webhook-batch-requests.ts).
 */
const idsAsInHrefs: PathSerializer = (pathname, pathParams) =>
  pathname.replace(/\{([^}]+)\}/g, (_placeholder, name: string) =>
    encodeURIComponent(String(pathParams[name])).replaceAll('%3D', '='),
  );

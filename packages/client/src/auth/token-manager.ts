import { TokenErrorBodySchema, TokenResponseSchema } from '@srhooks/contracts/schemas/token';
import { retryDelayMs } from '../backoff.js';
import { TokenError } from '../errors.js';
import { parseJson } from '../http/parse-json.js';
import { requestTimer } from '../http/request-timer.js';
import type { Fetch } from '../middleware/types.js';
import { badPortAdvice, DEFAULT_TOKEN_TIMEOUT_MS, failureReason, isBadPort } from '../network-failure.js';
import { readJwtClaims } from './jwt-claims.js';

export interface AccessToken {
  accessToken: string;
  expiresAt: Date;
  scopes: string[];
}

/**
 * A token as a {@link TokenCache} keeps it: the access token, when it expires and the scopes it carries
 * (as {@link AccessToken}), and when this machine got it (`obtainedAt`, its clock), from which the
 * manager tells the token's lifetime (the refresh margin is at most half of it).
 */
export interface CachedAccessToken extends AccessToken {
  obtainedAt?: Date;
}

/**
 * Where a client keeps its OAuth token between processes (the `srhooks` CLI: a file in its config
 * directory), so a new process reuses a token that still has time left instead of requesting one.
 * One cache holds the token of one (shop, client, token URL, secret): the cache's owner keys it.
 *
 * - `read()` is asked before a token is requested; its token is used only while the client's own
 *   refresh rule would keep it (`tokenRefreshMarginSeconds` before it expires, at most half its
 *   lifetime) and only if it is a token (a non-empty `accessToken`, a valid `expiresAt` Date, a list of
 *   `scopes`, and `obtainedAt`, if given, not in the future); anything else is ignored.
 * - `write(token)` gets every token the client requested (with `obtainedAt`).
 * - `forget(accessToken)` is called when the API refused that token (401, or a scope missing from a
 *   token old enough that a new one may carry it): the cache drops it, if it still holds that token.
 *   Without `forget`, the client still never reuses the refused token itself.
 *
 * A cache that throws, rejects or returns garbage never fails a call: the client requests a token as
 * it would without a cache (and reports the failure to its logger, without the token).
 */
export interface TokenCache {
  read(): CachedAccessToken | undefined | Promise<CachedAccessToken | undefined>;
  write(token: CachedAccessToken): void | Promise<void>;
  forget?(accessToken: string): void | Promise<void>;
}

export interface TokenManagerOptions {
  shop: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  fetch: Fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Refresh this many seconds before `exp` (default 60; at most half the token's lifetime). */
  refreshMarginSeconds?: number;
  /** Per-request timeout for the token endpoint (default 15 s). */
  timeoutMs?: number;
  /** Attempts when the endpoint answers 429/5xx or cannot be reached (default 3). */
  maxAttempts?: number;
  /** Keeps the token between processes (see {@link TokenCache}). */
  cache?: TokenCache;
  /** Told when the cache failed (threw, rejected); never given the token. */
  onCacheError?: (operation: 'read' | 'write' | 'forget', error: unknown) => void;
}

interface CachedToken extends AccessToken {
  refreshAt: number;
  /** When this client got it (its clock), for {@link TokenManager.renewForScope}. */
  obtainedAt: number;
}

/**
 * How old a token must be before a 401 for a scope it lacks makes the client fetch another: a scope
 * granted after the token was issued (a platform app's new scope once the owner approved it at
 * `approveScopes`, FACTS.md §7; a scope added to a custom API client) is in the next token only. At most
 * one extra token request per 30 s per client while a scope really is missing.
 */
export const SCOPE_RECHECK_AFTER_MS = 30_000;

/**
 * OAuth client-credentials tokens for one (shop, client): cached, renewed shortly before they
 * expire, and fetched by at most one request at a time however many callers wait.
 */
export class TokenManager {
  private cached: CachedToken | undefined;
  private inflight: Promise<CachedToken> | undefined;
  /** Tokens the API refused in this process: never taken from the cache again. */
  private readonly refused = new Set<string>();
  /** The cache's `forget` under way: the next read waits for it. */
  private forgetting: Promise<void> | undefined;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: TokenManagerOptions) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** A valid token: the cached one, or a fresh one when it is close to expiry. */
  async getToken(): Promise<AccessToken> {
    const cached = this.cached;
    if (cached && this.now() < cached.refreshAt) return publicToken(cached);
    return publicToken(await this.refresh());
  }

  /**
   * Forgets `accessToken` if it is still the cached one (the API answered 401 with it), so the
   * next `getToken()` fetches a new one. A newer token fetched meanwhile is kept.
   */
  invalidate(accessToken: string): void {
    if (this.cached?.accessToken === accessToken) this.cached = undefined;
    this.forget(accessToken);
  }

  /**
   * The API refused `accessToken` for a scope its claims lack. When it is still the cached token and this
   * client got it at least {@link SCOPE_RECHECK_AFTER_MS} ago, forgets it (the next `getToken()` fetches a
   * new one, which carries a scope granted since) and returns true; otherwise false (the refusal is final).
   */
  renewForScope(accessToken: string): boolean {
    const cached = this.cached;
    if (cached?.accessToken !== accessToken || this.now() - cached.obtainedAt < SCOPE_RECHECK_AFTER_MS)
      return false;
    this.cached = undefined;
    this.forget(accessToken);
    return true;
  }

  /** Drops a refused token: never reused by this manager, and forgotten by the cache (if it can). */
  private forget(accessToken: string): void {
    this.refused.add(accessToken);
    const cache = this.options.cache;
    if (!cache?.forget) return;
    const previous = this.forgetting;
    const forgetting = (async () => {
      await previous;
      try {
        await cache.forget?.(accessToken);
      } catch (error) {
        this.options.onCacheError?.('forget', error);
      }
    })();
    this.forgetting = forgetting;
    void forgetting.finally(() => {
      if (this.forgetting === forgetting) this.forgetting = undefined;
    });
  }

  private refresh(): Promise<CachedToken> {
    if (!this.inflight) {
      this.inflight = this.cachedOrFetched()
        .then((token) => {
          this.cached = token;
          return token;
        })
        .finally(() => {
          this.inflight = undefined;
        });
    }
    return this.inflight;
  }

  /** The cache's token while the refresh rule keeps it, else a new one (written to the cache). */
  private async cachedOrFetched(): Promise<CachedToken> {
    const cache = this.options.cache;
    if (!cache) return this.fetchToken();
    const fromCache = await this.readCache(cache);
    if (fromCache) return fromCache;
    const token = await this.fetchToken();
    try {
      await cache.write({ ...publicToken(token), obtainedAt: new Date(token.obtainedAt) });
    } catch (error) {
      this.options.onCacheError?.('write', error);
    }
    return token;
  }

  /** The cache's token if it is one and still before its refresh point; undefined otherwise. */
  private async readCache(cache: TokenCache): Promise<CachedToken | undefined> {
    await this.forgetting;
    let entry: unknown;
    try {
      entry = await cache.read();
    } catch (error) {
      this.options.onCacheError?.('read', error);
      return undefined;
    }
    const token = this.usableEntry(entry);
    return token && this.now() < token.refreshAt ? token : undefined;
  }

  private usableEntry(entry: unknown): CachedToken | undefined {
    if (typeof entry !== 'object' || entry === null) return undefined;
    const { accessToken, expiresAt, scopes, obtainedAt } = entry as Record<string, unknown>;
    const isTime = (value: unknown): value is Date =>
      value instanceof Date && Number.isFinite(value.getTime());
    if (typeof accessToken !== 'string' || accessToken === '' || this.refused.has(accessToken))
      return undefined;
    if (!isTime(expiresAt)) return undefined;
    if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === 'string')) return undefined;
    if (obtainedAt !== undefined && !(isTime(obtainedAt) && obtainedAt.getTime() <= this.now()))
      return undefined;
    const expiresAtMs = expiresAt.getTime();
    // the lifetime it was given, when known: a short-lived token is renewed at half of it, as when fetched
    const lifetime = obtainedAt ? expiresAtMs - obtainedAt.getTime() : Number.POSITIVE_INFINITY;
    if (!(lifetime > 0)) return undefined;
    return {
      accessToken,
      expiresAt: new Date(expiresAtMs),
      scopes: [...scopes],
      refreshAt: expiresAtMs - this.marginMs(lifetime),
      // unknown: taken as old enough for a scope re-check (renewForScope)
      obtainedAt: obtainedAt ? obtainedAt.getTime() : 0,
    };
  }

  /** Renew this long before expiry: the refresh margin, at most half the lifetime. */
  private marginMs(lifetimeMs: number): number {
    return Math.min((this.options.refreshMarginSeconds ?? 60) * 1000, lifetimeMs / 2);
  }

  private async fetchToken(): Promise<CachedToken> {
    const maxAttempts = this.options.maxAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.requestOnce();
      if (outcome.kind === 'token') return outcome.token;
      if (outcome.kind === 'fatal' || attempt >= maxAttempts) throw outcome.error;
      await this.sleep(
        retryDelayMs(
          attempt,
          outcome.retryAfter,
          {},
          { now: this.now, ...(this.options.random ? { random: this.options.random } : {}) },
        ),
      );
    }
  }

  private async requestOnce(): Promise<
    | { kind: 'token'; token: CachedToken }
    | { kind: 'fatal'; error: TokenError }
    | { kind: 'transient'; error: TokenError; retryAfter: string | null }
  > {
    const { tokenUrl, clientId, clientSecret, shop } = this.options;
    const timer = requestTimer(this.options.timeoutMs ?? DEFAULT_TOKEN_TIMEOUT_MS);
    try {
      return await this.requestWith(timer.signal, tokenUrl, clientId, clientSecret, shop);
    } finally {
      timer.clear();
    }
  }

  private async requestWith(
    signal: AbortSignal,
    tokenUrl: string,
    clientId: string,
    clientSecret: string,
    shop: string,
  ): Promise<
    | { kind: 'token'; token: CachedToken }
    | { kind: 'fatal'; error: TokenError }
    | { kind: 'transient'; error: TokenError; retryAfter: string | null }
  > {
    const request = new Request(tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
      }),
      signal,
    });
    let response: Response;
    let text: string;
    try {
      response = await this.options.fetch(request);
      text = await response.text();
    } catch (cause) {
      // a port fetch refuses outright (bad port): nothing was sent, and another attempt is refused alike
      if (isBadPort(cause))
        return {
          kind: 'fatal',
          error: new TokenError(
            'token_endpoint_unavailable',
            `could not request the ShopRenter token endpoint ${tokenUrl} for shop "${shop}" (${failureReason(cause)}): ${badPortAdvice(tokenUrl)}`,
            { status: 0, url: tokenUrl, cause },
          ),
        };
      const timedOut =
        cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError');
      return {
        kind: 'transient',
        retryAfter: null,
        error: new TokenError(
          'token_endpoint_unavailable',
          `could not reach the ShopRenter token endpoint ${tokenUrl} for shop "${shop}" (${timedOut ? 'timed out' : describe(cause)}): check the network and the token URL, then try again`,
          { status: 0, url: tokenUrl, cause },
        ),
      };
    }
    const body = parseJson(text);
    if (response.ok) {
      const parsed = TokenResponseSchema.safeParse(body);
      if (!parsed.success) {
        return {
          kind: 'fatal',
          error: new TokenError(
            'invalid_token_response',
            `the token endpoint ${tokenUrl} answered ${response.status} without a usable access_token: check that the token URL points at ShopRenter's OAuth endpoint`,
            { status: response.status, url: tokenUrl },
          ),
        };
      }
      return { kind: 'token', token: this.toCachedToken(parsed.data.access_token, parsed.data.expires_in) };
    }
    const oauth = TokenErrorBodySchema.safeParse(body);
    const oauthError = oauth.success ? oauth.data.error : undefined;
    const description = oauth.success ? (oauth.data.error_description ?? oauth.data.message) : undefined;
    const hint = oauth.success ? oauth.data.hint : undefined;
    const details = { status: response.status, url: tokenUrl, oauthError, description, hint };
    if (response.status === 429 || response.status >= 500) {
      return {
        kind: 'transient',
        retryAfter: response.headers.get('retry-after'),
        error: new TokenError(
          'token_endpoint_unavailable',
          `the ShopRenter token endpoint for shop "${shop}" answered ${response.status}: it is unavailable right now, try again later`,
          details,
        ),
      };
    }
    if (response.status === 401 || oauthError === 'invalid_client') {
      return {
        kind: 'fatal',
        error: new TokenError(
          'invalid_client',
          `ShopRenter refused the client credentials for shop "${shop}" (${response.status} ${oauthError ?? 'invalid_client'}${description ? `: ${description}` : ''}): check the client id and secret in Settings > API Settings`,
          details,
        ),
      };
    }
    return {
      kind: 'fatal',
      error: new TokenError(
        'invalid_request',
        `the token request for shop "${shop}" was rejected (${response.status} ${oauthError ?? 'invalid_request'}${description ? `: ${description}` : ''})${hint ? `; ${hint}` : ''}: check the client id and the token URL`,
        details,
      ),
    };
  }

  /**
   * The token's expiry on this machine's clock: now plus the answer's `expires_in` (documented, 3600),
   * which is relative and so holds whatever this clock says; the JWT's `exp` (documented too, but a
   * time on ShopRenter's clock) only when the answer has no usable `expires_in`. By `exp`, a machine
   * whose clock was an hour or more ahead (a wrong time zone taken for UTC) saw every token expired on
   * arrival and fetched a new one before every request.
   */
  private toCachedToken(accessToken: string, expiresIn: number | string | undefined): CachedToken {
    const now = this.now();
    const claims = readJwtClaims(accessToken);
    const lifetimeFromBody = expiresIn === undefined ? Number.NaN : Number(expiresIn) * 1000;
    const expiresAtMs =
      Number.isFinite(lifetimeFromBody) && lifetimeFromBody > 0
        ? now + lifetimeFromBody
        : claims.exp !== undefined
          ? claims.exp * 1000
          : now + 3600_000;
    const lifetime = Math.max(0, expiresAtMs - now);
    const margin = this.marginMs(lifetime);
    return {
      accessToken,
      expiresAt: new Date(expiresAtMs),
      scopes: claims.scopes,
      refreshAt: expiresAtMs - margin,
      obtainedAt: now,
    };
  }
}

function publicToken(token: CachedToken): AccessToken {
  return { accessToken: token.accessToken, expiresAt: token.expiresAt, scopes: [...token.scopes] };
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause.cause as { code?: string } | undefined)?.code;
    return code ?? cause.message;
  }
  return String(cause);
}

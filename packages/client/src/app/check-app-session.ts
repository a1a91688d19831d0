import {
  type AppSessionRefusal,
  AppSessionRefusedSchema,
  type AppSessionUnavailableCode,
  AppSessionUnavailableSchema,
  type AppSessionValid,
  AppSessionValidSchema,
} from '@srhooks/contracts';
import { parseRetryAfterMs } from '../backoff.js';
import { InputError, NetworkError, ShopRenterError } from '../errors.js';
import { parseJson } from '../http/parse-json.js';
import { requestTimer } from '../http/request-timer.js';
import { failureReason } from '../network-failure.js';
import { kindOf, numberOption } from '../option-checks.js';
import { type QueryInput, queryValues } from './app-query.js';

/**
 * Asks an srhooks receiver in app mode whether the session an app's own UI was opened with still holds
 * (`GET {entryPath}/session`). `verifyShopSession` checks the signature offline, but a session lives an
 * hour and cannot be revoked: only the receiver knows that the shop uninstalled the app meanwhile.
 *
 * The three refusals are answers, not errors: `{ok: false, code}` with `invalid_session`,
 * `session_expired` or `shop_uninstalled`. A receiver that cannot be reached throws `NetworkError`; one
 * that cannot check for now (503 `store_unavailable`: its store is down, or it is stopping) throws
 * `AppSessionUnavailableError` with its `Retry-After`; one that answers anything else (another status, a
 * body that is not the session check's) throws `AppSessionCheckError` with code `unexpected_response`:
 * check the URL.
 */
export interface CheckAppSessionOptions {
  /** Per-request time limit in ms (default 10,000). */
  timeoutMs?: number;
  /** For tests and custom agents. */
  fetch?: typeof fetch;
}

export type AppSessionCheckResult =
  | (Omit<AppSessionValid, 'expiresAt'> & { expiresAt: Date })
  | { ok: false; code: AppSessionRefusal; message: string; shop?: string; uninstalledAt?: Date };

/** The receiver's answer was not the session check's (wrong URL, a proxy's page, another server). */
export class AppSessionCheckError extends ShopRenterError {
  declare readonly code: 'unexpected_response';
  readonly status: number;
  readonly url: string;
  constructor(message: string, details: { status: number; url: string }) {
    super('unexpected_response', message);
    this.status = details.status;
    this.url = details.url;
  }
}

/**
 * The receiver could not check the session for now (503 with its uniform error body: `reason`
 * `store_unavailable`, its store down or the receiver stopping). Temporary and not about the session:
 * neither honour nor end the session on it; ask again after `retryAfterMs` (the receiver's `Retry-After`,
 * null when it gave none).
 */
export class AppSessionUnavailableError extends ShopRenterError {
  declare readonly code: 'session_check_unavailable';
  readonly status: number;
  readonly url: string;
  readonly reason: AppSessionUnavailableCode;
  readonly retryAfterMs: number | null;
  constructor(
    message: string,
    details: { status: number; url: string; reason: AppSessionUnavailableCode; retryAfterMs: number | null },
  ) {
    super('session_check_unavailable', message);
    this.status = details.status;
    this.url = details.url;
    this.reason = details.reason;
    this.retryAfterMs = details.retryAfterMs;
  }
}

const SESSION_PARAMETERS = ['shop', 'expires', 'session'] as const;

/**
 * @param sessionUrl the receiver's session check: `{publicUrl}{entryPath}/session`
 *   (e.g. `https://hooks.example.com/app/entry/session`).
 * @param query the parameters the app's UI was opened with (the whole query is fine: only `shop`,
 *   `expires` and `session` are sent on).
 */
export async function checkAppSession(
  sessionUrl: string | URL,
  query: QueryInput,
  options: CheckAppSessionOptions = {},
): Promise<AppSessionCheckResult> {
  const url = sessionCheckUrl(sessionUrl);
  const timeoutMs = numberOption('options.timeoutMs', options?.timeoutMs, 10_000, {
    min: 1,
    unit: 'milliseconds',
  });
  if (options?.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new InputError(`options.fetch must be a function, got ${kindOf(options.fetch)}`, {
      field: 'options.fetch',
    });
  }
  const values = queryValues(query);
  for (const name of SESSION_PARAMETERS) {
    const value = values.get(name)?.[0];
    if (value !== undefined) url.searchParams.set(name, value);
  }
  const where = { method: 'GET', url: `${url.origin}${url.pathname}` };
  const timer = requestTimer(timeoutMs);
  let response: Response;
  let body: unknown;
  try {
    response = await (options.fetch ?? fetch)(url, {
      headers: { accept: 'application/json' },
      signal: timer.signal,
    });
    const text = await response.text();
    body = parseJson(text);
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    throw new NetworkError(
      timedOut ? 'timeout' : 'network_error',
      `GET ${where.url} ${timedOut ? `timed out (no answer within ${timeoutMs} ms)` : `failed (${failureReason(error)})`}: check that the receiver runs and that the URL is its {entryPath}/session`,
      { ...where, cause: error },
    );
  } finally {
    timer.clear();
  }
  if (response.status === 200) {
    const valid = AppSessionValidSchema.safeParse(body);
    if (valid.success) return { ...valid.data, expiresAt: new Date(valid.data.expiresAt) };
  } else if (response.status === 401 || response.status === 403) {
    const refused = AppSessionRefusedSchema.safeParse(body);
    if (refused.success) {
      const { code, message, shop, uninstalledAt } = refused.data.error;
      return {
        ok: false,
        code,
        message,
        ...(shop !== undefined ? { shop } : {}),
        ...(uninstalledAt !== undefined ? { uninstalledAt: new Date(uninstalledAt) } : {}),
      };
    }
  } else if (response.status === 503) {
    const unavailable = AppSessionUnavailableSchema.safeParse(body);
    if (unavailable.success) {
      const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after')) ?? null;
      const again = retryAfterMs === null ? 'shortly' : `in ${Math.ceil(retryAfterMs / 1000)} s`;
      const { code, message } = unavailable.data.error;
      throw new AppSessionUnavailableError(
        `GET ${where.url} answered 503 ${code}: the receiver cannot check sessions for now (temporary: neither honour nor end the session on it; ask again ${again}). The receiver said: ${message}`,
        { status: response.status, url: where.url, reason: code, retryAfterMs },
      );
    }
  }
  throw new AppSessionCheckError(
    `GET ${where.url} answered ${response.status} without a session check's answer: use the receiver's {publicUrl}{entryPath}/session URL (app mode must be on)`,
    { status: response.status, url: where.url },
  );
}

/** The session check's URL: an absolute http(s) URL, else `InputError` `invalid_url` naming `sessionUrl`. */
function sessionCheckUrl(sessionUrl: unknown): URL {
  const text = sessionUrl instanceof URL ? sessionUrl.href : sessionUrl;
  if (typeof text !== 'string' || !URL.canParse(text) || !/^https?:$/.test(new URL(text).protocol)) {
    throw new InputError(
      `sessionUrl must be the receiver's session check, an http(s) URL such as https://hooks.example.com/app/entry/session ({publicUrl}{entryPath}/session), got ${typeof text === 'string' ? JSON.stringify(text.slice(0, 100)) : kindOf(text)}`,
      { field: 'sessionUrl', code: 'invalid_url' },
    );
  }
  return new URL(text);
}

/**
 * Why an app install's API step failed, in words that fit a platform app. The client's own messages
 * advise a per-shop (private) API client — "check the client id and secret in Settings > API
 * Settings" — which is wrong here: in app mode the ClientId/ClientSecret are the app's, issued when
 * the app was registered with ShopRenter, and a scope is added to the app's registration and then
 * approved by each shop owner at `{adminUrl}/app/{clientId}/approveScopes` (FACTS.md §7).
 *
 * The result is the `pendingReason` stored with the install, and — for an installed shop's later API
 * calls (a recovery pass) — the failure's reason there (recorded last pass, admin API answer, log); shown
 * in the inspector and the admin API and logged: it never carries a secret or a signed URL's token (only
 * event names, API URLs, statuses and ShopRenter's own message).
 */
import { AuthError, RateLimitError, type ShopRenterError, TokenError } from '@srhooks/client';
import type { AppConfig } from './app-config.js';
import { forShop } from './app-config.js';

/** One subscription of the install could not be created, updated or deleted. */
export class AppSubscriptionStepError extends Error {
  override readonly name = 'AppSubscriptionStepError';
  readonly code = 'app_subscription_failed';
  constructor(
    readonly action: string,
    /** The subscription's event (never its URL: a signed URL carries its token). */
    readonly event: string,
    readonly failure: ShopRenterError | undefined,
  ) {
    super(`the app's subscription ${action} for ${event} failed: ${failure?.message ?? 'unknown error'}`, {
      cause: failure,
    });
  }
}

/**
 * An installed shop whose token request is refused: ShopRenter gives an app's client a token only where
 * the app is installed (assumed, A30), so when the same credentials work on the app's other shops, this
 * shop has most likely uninstalled the app and its uninstall call (UninstallUri) never arrived — the
 * receiver was down or unreachable, and ShopRenter does not repeat it (assumed: nothing documents a retry).
 */
const missedUninstall = (shop: string) =>
  `if they work on the app's other shops, "${shop}" most likely uninstalled the app while its uninstall call could not reach this receiver (it stays installed here until a re-install: if the owner confirms the uninstall, mark it uninstalled with srhooks app mark-uninstalled ${shop}, or POST /admin/api/shops/${shop}/uninstall)`;

const APP_CREDENTIALS =
  "check the app's ClientId and ClientSecret (app.clientId / app.clientSecret, or SRHOOKS_APP_CLIENT_ID / SRHOOKS_APP_CLIENT_SECRET) against those ShopRenter issued for the app (a shop's own API client does not work here)";

/**
 * An app shop's API failure in a platform app's words: the install's pending reason, and the reason of a
 * failed recovery pass for an installed shop. Errors other than refused credentials / missing scopes / the
 * rate limit keep their own message.
 */
export function appApiFailureReason(
  error: unknown,
  shop: string,
  app: Pick<AppConfig, 'clientId' | 'adminUrl'>,
  /**
   * The shop is recorded as installed (not an install step running): then refused credentials may also
   * mean the owner uninstalled the app while its uninstall call could not reach this receiver.
   */
  options: { installed?: boolean } = {},
): string {
  const approveAt = `${forShop(app.adminUrl, shop).replace(/\/+$/, '')}/app/${app.clientId}/approveScopes`;
  const addScope = (scope: string) =>
    `add ${scope} to the app's scopes at ShopRenter (Partner Support), then have the shop owner approve it at ${approveAt}`;

  const step = error instanceof AppSubscriptionStepError ? error : undefined;
  const cause = step ? step.failure : error;
  const lead = step
    ? `the app's subscription ${step.action} for ${step.event} on shop "${shop}" failed: `
    : '';

  if (cause instanceof TokenError) {
    const said = `${cause.status} ${cause.oauthError ?? cause.code}${cause.description ? `: ${cause.description}` : ''}`;
    if (cause.code === 'invalid_client')
      return `${lead}ShopRenter refused the app's client credentials for shop "${shop}" (${said}): ${APP_CREDENTIALS}${options.installed ? `; ${missedUninstall(shop)}` : ''}`;
    if (cause.code === 'invalid_request')
      return `${lead}the token request for shop "${shop}" was rejected (${said}${cause.hint ? `; ${cause.hint}` : ''}): check the app's ClientId (app.clientId / SRHOOKS_APP_CLIENT_ID) and app.tokenUrl`;
    return `${lead}${cause.message}`;
  }
  if (cause instanceof AuthError) {
    const answered = `${cause.method} ${cause.url} answered ${cause.status}${cause.innerCode === undefined ? '' : `/${cause.innerCode}`}${cause.serverMessage ? ` ("${cause.serverMessage}")` : ''}`;
    const scope = cause.requiredScope;
    if (cause.code === 'forbidden' && scope)
      return `${lead}the app lacks scope ${scope} on shop "${shop}" (${answered}): ${addScope(scope)}`;
    if (scope)
      return `${lead}${answered}: the app most likely lacks scope ${scope} on shop "${shop}": ${addScope(scope)}; if it has it, ${APP_CREDENTIALS}`;
    return `${lead}${answered}: the app is not allowed to do this on shop "${shop}": check the app's scopes at ShopRenter (the shop owner approves new ones at ${approveAt}); ${APP_CREDENTIALS}`;
  }
  if (cause instanceof RateLimitError) {
    // The client's own text advises code that holds the client (its limiter, concurrency, batch): not the app's
    // developer, whose receiver makes these calls (the install step, recovery) through one 3 requests/s window
    // per shop and process.
    return `${lead}ShopRenter answered 429 (its rate limit, 3 requests/s per app and shop) to ${cause.method} ${cause.url} on shop "${shop}": the app's calls on that shop count together — this receiver's handlers (ctx.client) and order recovery, several receivers on one store, and anything else using the app's ClientId there`;
  }
  if (step) return `${lead}${cause instanceof Error ? cause.message : 'unknown error'}`;
  return error instanceof Error ? error.message : String(error);
}

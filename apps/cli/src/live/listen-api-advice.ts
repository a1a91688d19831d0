/**
 * Why `srhooks listen`'s receiver could not read a shop's API, in listen's terms: what failed, and which
 * of listen's settings the user changes — the login `srhooks login` stored, the `SRHOOKS_CLIENT_ID` /
 * `SRHOOKS_CLIENT_SECRET` / `SRHOOKS_API_URL` / `SRHOOKS_TOKEN_URL` variables over it — then a restart
 * of listen (it reads them once, at start). The client's own words advise the shop admin's "Settings >
 * API Settings" alone, which is half of it: a corrected secret does nothing until listen sends it.
 *
 * Given to the receiver as its recovery's `failureReason`: `srhooks recover` answers it, and the failed
 * pass records it (`srhooks shops --receiver`, the inspector's shops page). Errors are told by their
 * `name` and `code` (the client's classes, as error-report.ts does), so this module loads no client.
 * The text names settings and URLs, never a secret's value. Null keeps the client's own words (a
 * ShopRenter outage, a rate limit: nothing of listen's to change).
 */
import { failureReason } from '@srhooks/client/network-failure';
import type { ListenShopAccess } from '../config/listen-shop-credentials.js';

type Env = Record<string, string | undefined>;

/** What listen knows of one shop it serves: how it logs in, from where, and the URLs it calls. */
export interface ListenShopSettings {
  shop: string;
  access: ListenShopAccess;
  /** The login `srhooks login` stored for the shop gave an API URL (`--api-url`) / a token URL (`--token-url`). */
  storedApiUrl: boolean;
  storedTokenUrl: boolean;
}

interface ClientErrorFields {
  name: string;
  code?: unknown;
  status?: unknown;
  url?: unknown;
  method?: unknown;
  oauthError?: unknown;
  description?: unknown;
  requiredScope?: unknown;
  innerCode?: unknown;
  serverMessage?: unknown;
}

const set = (env: Env, name: string): boolean => (env[name]?.trim() ?? '') !== '';
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const RESTART = 'then restart srhooks listen (it reads its shops’ credentials once, at start)';

/** Where listen's client id and secret (or API user) for the shop come from, and how to change them. */
function credentialsAdvice(settings: ListenShopSettings, env: Env): string {
  const { shop, access } = settings;
  if (access.login === 'basic')
    return `listen sends the API user and password of ${shop}'s stored login: check them in the shop admin (Settings > API Settings), run srhooks login --shop ${shop} --username … --password … again, ${RESTART}`;
  const variables = ['SRHOOKS_CLIENT_ID', 'SRHOOKS_CLIENT_SECRET'].filter((name) => set(env, name));
  if (variables.length === 2)
    return `listen sends the client id and secret of SRHOOKS_CLIENT_ID and SRHOOKS_CLIENT_SECRET (they replace the stored login): correct them (the shop admin: Settings > API Settings), or unset them to send the stored login, ${RESTART}`;
  if (variables.length === 1) {
    const other = variables[0] === 'SRHOOKS_CLIENT_ID' ? 'secret' : 'client id';
    return `listen sends ${variables[0]} with the ${other} of ${shop}'s stored login: correct ${variables[0]} (the shop admin: Settings > API Settings) or unset it, or run srhooks login --shop ${shop} --client-id … --client-secret … again, ${RESTART}`;
  }
  return `listen sends the client id and secret of ${shop}'s stored login: copy them again from the shop admin (Settings > API Settings), run srhooks login --shop ${shop} --client-id … --client-secret … again, ${RESTART}`;
}

/**
 * The URL listen calls: the token URL as requested; the API URL as configured (its `{shop}` filled in),
 * else the request's origin, not the request with its path and query.
 */
function calledUrl(settings: ListenShopSettings, which: 'token' | 'api', requested: unknown): string {
  if (which === 'api' && settings.access.credentials.apiUrl) return settings.access.credentials.apiUrl;
  const url = text(requested) ?? '';
  if (which === 'token' || !URL.canParse(url)) return url;
  return new URL(url).origin;
}

/** Where listen's token URL or API URL for the shop comes from, and how to change it. */
function urlAdvice(
  settings: ListenShopSettings,
  env: Env,
  which: 'token' | 'api',
  requested: unknown,
): string {
  const url = calledUrl(settings, which, requested);
  const variable = which === 'token' ? 'SRHOOKS_TOKEN_URL' : 'SRHOOKS_API_URL';
  const flag = which === 'token' ? '--token-url' : '--api-url';
  const name = which === 'token' ? 'token URL' : 'API URL';
  const login =
    settings.access.login === 'basic'
      ? `srhooks login --shop ${settings.shop} --username … --password … ${flag} …`
      : `srhooks login --shop ${settings.shop} --client-id … --client-secret … ${flag} …`;
  const stored = which === 'token' ? settings.storedTokenUrl : settings.storedApiUrl;
  const from = set(env, variable)
    ? `${variable} (it replaces the stored login's): correct it or unset it`
    : stored
      ? `the stored login (${flag}): run ${login} again with the right one (or set ${variable})`
      : `ShopRenter's default (the stored login has no ${flag}): set ${variable}, or run ${login} again`;
  return `listen sends these requests to ${url}, the ${name} from ${from}, ${RESTART}`;
}

/** `GET https://…/orders`: the request, without its query (the time window and page of a pass). */
function request(error: ClientErrorFields): string {
  const url = text(error.url) ?? '';
  return `${text(error.method) ?? 'a request'} ${url.split('?')[0]}`;
}

/** `GET https://…/orders answered 401/40101 ("…")`: what the API said, in the app advice's words. */
function answered(error: ClientErrorFields): string {
  const inner = error.innerCode === undefined ? '' : `/${String(error.innerCode)}`;
  const said = text(error.serverMessage) ? ` ("${text(error.serverMessage)}")` : '';
  return `${request(error)} answered ${String(error.status)}${inner}${said}`;
}

/** The failure in listen's terms, or null to keep the client's own words. */
export function listenApiFailureReason(
  settings: ListenShopSettings,
  env: Env,
  error: unknown,
): string | null {
  if (!(error instanceof Error)) return null;
  const fields = error as Error & ClientErrorFields;
  const { shop } = settings;
  const code = text(fields.code);
  switch (fields.name) {
    case 'TokenError': {
      const said = `${String(fields.status)} ${text(fields.oauthError) ?? code}${text(fields.description) ? `: ${text(fields.description)}` : ''}`;
      if (code === 'invalid_client')
        return `ShopRenter refused the client credentials for shop "${shop}" (${said}): ${credentialsAdvice(settings, env)}`;
      if (code === 'invalid_request')
        return `the token request for shop "${shop}" was rejected (${said}): check the client id and the token URL; ${credentialsAdvice(settings, env)}; ${urlAdvice(settings, env, 'token', fields.url)}`;
      // no answer at all (status 0): the URL, the network; an answer without a token: not ShopRenter's endpoint
      if (code === 'token_endpoint_unavailable' && fields.status === 0)
        return `could not reach the token endpoint ${text(fields.url)} for shop "${shop}" (${failureReason(fields.cause ?? error)}): check the network, or the URL: ${urlAdvice(settings, env, 'token', fields.url)}`;
      if (code === 'invalid_token_response')
        return `the token endpoint ${text(fields.url)} answered ${String(fields.status)} without a usable access token (is it ShopRenter's OAuth endpoint?): ${urlAdvice(settings, env, 'token', fields.url)}`;
      return null;
    }
    case 'AuthError': {
      const scope = text(fields.requiredScope);
      if (scope)
        return `the shop's API refused the request for shop "${shop}" (${answered(fields)}): the API client most likely lacks the ${scope} scope: give it that scope in the shop admin (Settings > API Settings), then restart srhooks listen (its new token carries the scope); if it has it, ${credentialsAdvice(settings, env)}`;
      return `the shop's API refused the credentials for shop "${shop}" (${answered(fields)}): ${credentialsAdvice(settings, env)}`;
    }
    case 'NetworkError':
      return `${request(fields)} ${code === 'timeout' ? 'timed out' : `got no answer (${failureReason(fields.cause ?? error)})`}: check the network, or the URL: ${urlAdvice(settings, env, 'api', fields.url)}`;
    case 'NotFoundError':
      return `${answered(fields)}: the API URL is probably wrong; ${urlAdvice(settings, env, 'api', fields.url)}`;
    default:
      return null;
  }
}

import { networkFailure } from '@srhooks/client/network-failure';
import { formatDuration } from '@srhooks/contracts/duration';
import { CliError, EXIT_CODES, usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { resolveConfigDir } from '../config/config-dir.js';
import { CredentialStore, type StoredAuth, type StoredShop } from '../config/credential-store.js';
import { assertShopName } from '../config/resolve-shop.js';
import { shopSource } from '../config/shop-name.js';
import { TokenCacheFile } from '../config/token-cache.js';
import { openShopClient } from '../shop-client.js';
import { invalidUrlError, URL_TEMPLATE } from '../url-option.js';

export interface LoginOptions {
  shop?: string;
  clientId?: string;
  clientSecret?: string;
  /** Read the client secret (or password) from stdin instead of a flag (keeps it out of `ps`). */
  secretStdin?: boolean;
  username?: string;
  password?: string;
  apiUrl?: string;
  tokenUrl?: string;
  /** `--no-verify`: store without asking the shop for a token. */
  verify?: boolean;
  /** `--timeout` in ms: the time limit of each check's one request (default 10 s). */
  timeout?: number;
}

export interface LoginResult {
  shop: string;
  authType: 'oauth' | 'basic';
  verified: boolean;
  /** Scopes in the token (OAuth only). */
  scopes: string[];
  /** Scopes srhooks needs that the token lacks. */
  missingScopes: string[];
  credentialsFile: string;
  defaultShop: string;
}

/** Each login check is one request, not retried, given up after this long (`--timeout`). */
export const DEFAULT_LOGIN_TIMEOUT_MS = 10_000;

/** What `webhooks` commands and `sync` need; `order.order:read` is optional (order look-ups). */
export const REQUIRED_SCOPES = ['store.webhook:read', 'store.webhook:write'];

const nonEmpty = (value: string | undefined): string | undefined =>
  value !== undefined && value.trim() !== '' ? value.trim() : undefined;

async function readStdinSecret(): Promise<string> {
  if (process.stdin.isTTY) {
    throw usageError(
      '--secret-stdin reads the secret from a pipe',
      'e.g. pass_cli get shop | srhooks login … --secret-stdin',
    );
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text)
    throw usageError('stdin was empty: no secret given', 'pipe the secret into srhooks login --secret-stdin');
  return text;
}

async function collectAuth(
  options: LoginOptions,
  env: Record<string, string | undefined>,
): Promise<StoredAuth> {
  const basic = options.username !== undefined || options.password !== undefined;
  if (basic && (options.clientId !== undefined || options.clientSecret !== undefined)) {
    // two ways to log in at once: refuse rather than silently pick one
    const given = [
      options.clientId !== undefined ? '--client-id' : undefined,
      options.clientSecret !== undefined ? '--client-secret' : undefined,
      options.username !== undefined ? '--username' : undefined,
      options.password !== undefined ? '--password' : undefined,
    ].filter(Boolean);
    throw usageError(
      `use either OAuth client credentials or a username and password, not both (got ${given.join(', ')})`,
      'OAuth: --client-id … --client-secret … (recommended by ShopRenter); legacy Basic auth: --username … --password …',
      'conflicting_credentials',
    );
  }
  const stdinSecret = options.secretStdin ? await readStdinSecret() : undefined;
  if (basic) {
    const username = nonEmpty(options.username);
    const password = nonEmpty(options.password) ?? stdinSecret;
    if (!username || !password) {
      throw usageError(
        'legacy Basic auth needs both --username and --password',
        'or use OAuth: --client-id … --client-secret … (recommended by ShopRenter)',
      );
    }
    return { username, password };
  }
  const clientId = nonEmpty(options.clientId) ?? nonEmpty(env.SRHOOKS_CLIENT_ID);
  const clientSecret = nonEmpty(options.clientSecret) ?? stdinSecret ?? nonEmpty(env.SRHOOKS_CLIENT_SECRET);
  if (!clientId || !clientSecret) {
    throw usageError(
      `missing ${clientId ? '--client-secret' : '--client-id'}`,
      'pass --client-id and --client-secret (or --secret-stdin) from the shop admin: Settings > API Settings',
      'no_credentials',
    );
  }
  return { clientId, clientSecret };
}

function checkUrl(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const probe = value.replaceAll('{shop}', 'shop');
  if (!/^https?:\/\//.test(probe) || !URL.canParse(probe)) {
    throw invalidUrlError(
      flag,
      value,
      URL_TEMPLATE,
      `e.g. ${flag.startsWith('--') ? `${flag} ` : `${flag}=`}'${/token/i.test(flag) ? 'https://oauth.app.shoprenter.net/{shop}/app/token' : 'https://{shop}.api2.myshoprenter.hu/api'}', or leave it out for ShopRenter's own`,
    );
  }
  return value;
}

/** Where the URLs came from, to name in a refusal (undefined: ShopRenter's default). */
interface UrlLabels {
  apiLabel: string | undefined;
  tokenLabel: string | undefined;
  /** The API base URL, `{shop}` filled in. */
  apiBase: string;
  shop: string;
  /** Each check's time limit in ms (`--timeout`). */
  timeoutMs: number;
}

const NOTHING_STORED = 'nothing was stored';

/** The system error code (ECONNREFUSED, ENOTFOUND, …) in an error's causes, else the innermost message. */
function causeCode(cause: unknown): string | undefined {
  let current = cause;
  let message: string | undefined;
  for (let depth = 0; depth < 4 && current instanceof Object; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    if (current instanceof Error && current.message) message = current.message;
    current = (current as { cause?: unknown }).cause;
  }
  return message;
}

function hostOf(url: string): string {
  return URL.canParse(url) ? new URL(url).host : url;
}

/**
 * What to check when a host could not be reached: the network and a proxy always; the shop name when
 * it is part of the host name (a misspelt shop does not resolve); the URL setting when one was given.
 */
function reachHint(host: string, shop: string, label: string | undefined): string {
  const checks = ['the network connection', 'any proxy (HTTPS_PROXY / HTTP_PROXY)'];
  if (host.toLowerCase().includes(shop)) checks.push(`the shop name "${shop}"`);
  if (label) checks.push(`${label} (leave it out for ShopRenter's own)`);
  return `check ${checks.slice(0, -1).join(', ')} and ${checks.at(-1)}`;
}

/**
 * A failed login check as a command-line error, or `undefined` for an answer that proves the API URL
 * (a 403 for a missing scope, a 429 or 5xx: the API is there). The token URL and the API URL are
 * named when they are what is wrong; the client id and secret only when the shop refused them.
 */
function loginError(
  error: unknown,
  step: 'token' | 'api',
  oauth: boolean,
  labels: UrlLabels,
): unknown | undefined {
  if (!(error instanceof Error)) return error;
  const code = String((error as { code?: unknown }).code ?? '');
  const status = Number((error as { status?: unknown }).status ?? 0);
  const url = String((error as { url?: unknown }).url ?? '');
  const credentials = oauth
    ? 'copy the client id and secret again from the shop admin (Settings > API Settings)'
    : 'check the API username and password (shop admin: Settings > API Settings)';
  const fail = (message: string, hint: string, errorCode: string) =>
    new CliError(message, {
      code: errorCode,
      exitCode: EXIT_CODES.remote,
      hint: `${NOTHING_STORED}: ${hint}`,
      cause: error,
    });
  if (step === 'token' && error.name === 'TokenError') {
    if (code === 'invalid_client' || (code === 'invalid_request' && status === 400))
      return fail(error.message, credentials, 'login_failed');
    // no answer at all: a network problem, which says nothing about what the token URL is
    const network = status === 0 ? networkFailure(error.cause) : undefined;
    if (network) {
      const host = hostOf(url);
      // one attempt with a time limit: say how long was waited and how to wait longer
      if (network.code === 'timeout') {
        return fail(
          `${host} did not answer the token request within ${formatDuration(labels.timeoutMs)} (timed out, one attempt); the token URL is ${url}`,
          `${reachHint(host, labels.shop, labels.tokenLabel)}, or allow longer with --timeout (e.g. --timeout 30s); the client id and secret were not checked`,
          'network_error',
        );
      }
      return fail(
        `could not reach ${host} to get a token (${network.reason}); the token URL is ${url}`,
        `${reachHint(host, labels.shop, labels.tokenLabel)}; the client id and secret were not checked`,
        'network_error',
      );
    }
    const checkTokenUrl = `check ${labels.tokenLabel ?? 'the token URL'}${labels.tokenLabel ? ` (leave it out for ShopRenter's own)` : ''}; the client id and secret were not checked`;
    // not sent at all, for a reason of the URL itself (fetch refuses a port such as 1: "bad port")
    if (status === 0) {
      return fail(
        `the token URL ${url} cannot be requested (${causeCode(error.cause) ?? 'no answer'})`,
        checkTokenUrl,
        'token_url_wrong',
      );
    }
    // a server answered, but not as a token endpoint
    if (status === 404 || status === 405 || code === 'invalid_token_response') {
      const what =
        code === 'invalid_token_response' ? `answered ${status} without a token` : `answered ${status}`;
      return fail(
        `the token URL ${url} ${what}: it is not a ShopRenter OAuth token endpoint`,
        checkTokenUrl,
        'token_url_wrong',
      );
    }
    return error;
  }
  if (step === 'api') {
    const apiHint = `check ${labels.apiLabel ?? 'the API URL'}${labels.apiLabel ? ` (leave it out for ShopRenter's own)` : ''}`;
    // no answer at all (refused, reset, a name that does not resolve, the time limit): a network
    // problem, which says nothing about whether the API URL is right
    const network = error.name === 'NetworkError' ? networkFailure(error.cause) : undefined;
    if (network) {
      const host = hostOf(labels.apiBase);
      const checked = oauth
        ? 'the client id and secret were accepted (a token was issued)'
        : 'the username and password were not checked';
      if (network.code === 'timeout') {
        return fail(
          `${host} did not answer the shop API request within ${formatDuration(labels.timeoutMs)} (timed out, one attempt); the API URL is ${labels.apiBase}`,
          `${reachHint(host, labels.shop, labels.apiLabel)}, or allow longer with --timeout (e.g. --timeout 30s); ${checked}`,
          'network_error',
        );
      }
      return fail(
        `could not reach ${host} to read the shop API (${network.reason}); the API URL is ${labels.apiBase}`,
        `${reachHint(host, labels.shop, labels.apiLabel)}; ${checked}`,
        'network_error',
      );
    }
    // not sent for a reason of the URL itself (fetch refuses a port such as 1: "bad port")
    if (error.name === 'NetworkError')
      return fail(
        `cannot reach the shop API at ${labels.apiBase} (${error.message})`,
        apiHint,
        'api_url_wrong',
      );
    if (error.name === 'NotFoundError' || code === 'unexpected_response')
      return fail(
        `${labels.apiBase} is not the shop's API (${status ? `${url} answered ${status}` : error.message})`,
        apiHint,
        'api_url_wrong',
      );
    if (error.name === 'AuthError' && code === 'unauthorized') {
      return oauth
        ? fail(
            `the shop API at ${labels.apiBase} refused the new access token (401)`,
            `${apiHint}: it must be the API of the shop the token URL is for`,
            'api_url_wrong',
          )
        : fail(error.message, credentials, 'login_failed');
    }
    if (error.name === 'AuthError' && !oauth) return fail(error.message, credentials, 'login_failed');
    // OAuth: the token proved the credentials; a 403 (a scope the token lacks: listed as missing),
    // 429 or 5xx came from the shop's API, so the API URL is right
    if (oauth && ['forbidden', 'rate_limited', 'server_error'].includes(code)) return undefined;
  }
  return error;
}

export const loginCommand = defineCommand<LoginOptions, LoginResult>({
  async run(options, context) {
    const shopName = nonEmpty(options.shop) ?? nonEmpty(context.env.SRHOOKS_SHOP);
    if (!shopName)
      throw usageError('missing --shop', 'pass --shop NAME (my-shop of my-shop.shoprenter.hu)', 'no_shop');
    const shop = assertShopName(shopName, shopSource(options.shop, 'SRHOOKS_SHOP'));
    const auth = await collectAuth(options, context.env);
    const apiUrl = checkUrl(
      nonEmpty(options.apiUrl) ? '--api-url' : 'SRHOOKS_API_URL',
      nonEmpty(options.apiUrl) ?? nonEmpty(context.env.SRHOOKS_API_URL),
    );
    const tokenUrl = checkUrl(
      nonEmpty(options.tokenUrl) ? '--token-url' : 'SRHOOKS_TOKEN_URL',
      nonEmpty(options.tokenUrl) ?? nonEmpty(context.env.SRHOOKS_TOKEN_URL),
    );
    const oauth = 'clientId' in auth;
    const timeoutMs = options.timeout ?? DEFAULT_LOGIN_TIMEOUT_MS;

    const configDir = resolveConfigDir(context.env);
    const store = new CredentialStore(configDir);
    // a credentials file it could not rewrite faithfully (invalid JSON, an invalid entry) is refused
    // before any request: saving would drop what it could not read
    await store.read();

    let scopes: string[] = [];
    const verify = options.verify !== false;
    if (verify) {
      const spinner = context.output.spinner(`verifying the credentials for ${shop}`);
      try {
        const client = await openShopClient(
          {
            shop,
            auth,
            ...(apiUrl ? { apiUrl } : {}),
            ...(tokenUrl ? { tokenUrl } : {}),
            source: 'store',
            configDir,
          },
          // one request each, with a time limit: a wrong or hanging URL is reported at once, not after
          // the retries (and the 15 s / 30 s limits) the other commands allow
          { retry: { maxAttempts: 1 }, timeoutMs, tokenRequest: { maxAttempts: 1, timeoutMs } },
          // a token it requests (the credentials proved) is kept for the next command; never one cached
          // before, which would prove nothing
          'write',
        );
        let step: 'token' | 'api' = 'token';
        try {
          if (oauth) scopes = (await client.getToken()).scopes;
          step = 'api';
          // one small authenticated read proves the API URL (and, for Basic auth, the user and password)
          await client.webhooks.list({ limit: 1 });
        } catch (error) {
          const failure = loginError(error, step, oauth, {
            apiLabel: nonEmpty(options.apiUrl) ? '--api-url' : apiUrl ? 'SRHOOKS_API_URL' : undefined,
            tokenLabel: nonEmpty(options.tokenUrl)
              ? '--token-url'
              : tokenUrl
                ? 'SRHOOKS_TOKEN_URL'
                : undefined,
            apiBase: client.apiUrl,
            shop,
            timeoutMs,
          });
          if (failure !== undefined) throw failure;
        }
      } finally {
        spinner.stop();
      }
    }

    const entry: StoredShop = {
      auth,
      ...(apiUrl ? { apiUrl } : {}),
      ...(tokenUrl ? { tokenUrl } : {}),
      ...(oauth && verify ? { scopes } : {}),
      savedAt: new Date().toISOString(),
    };
    const file = await store.saveShop(shop, entry, { makeDefault: true });
    // the tokens of the credentials these replace are never used again (other key): removed now, not
    // left until they expire; a cache it cannot rewrite fails no login
    await new TokenCacheFile(configDir)
      .forgetShop(
        shop,
        oauth ? { shop, clientId: auth.clientId, clientSecret: auth.clientSecret, tokenUrl } : undefined,
      )
      .catch(() => undefined);
    return {
      shop,
      authType: oauth ? 'oauth' : 'basic',
      verified: verify,
      scopes,
      missingScopes: oauth && verify ? REQUIRED_SCOPES.filter((scope) => !scopes.includes(scope)) : [],
      credentialsFile: store.path,
      defaultShop: file.defaultShop ?? shop,
    };
  },

  render(result, style) {
    const lines = [
      result.verified
        ? `${style.green('✔')} logged in to ${style.bold(result.shop)} (${result.authType === 'oauth' ? 'OAuth client credentials' : 'legacy Basic auth'})`
        : `${style.yellow('!')} stored credentials for ${style.bold(result.shop)} without verifying them`,
    ];
    if (result.authType === 'oauth' && result.verified) {
      lines.push(`  scopes: ${result.scopes.length > 0 ? result.scopes.join(' ') : style.dim('(none)')}`);
      if (result.missingScopes.length > 0) {
        lines.push(
          `  ${style.yellow('missing:')} ${result.missingScopes.join(' ')}: add them to the API client in the shop admin (Settings > API Settings)`,
        );
      }
    }
    lines.push(`  saved to ${result.credentialsFile} (mode 0600); default shop: ${result.defaultShop}`);
    return lines.join('\n');
  },
});

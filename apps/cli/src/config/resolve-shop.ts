import { CliError, EXIT_CODES, usageError } from '../cli-error.js';
import { invalidUrlError, URL_TEMPLATE } from '../url-option.js';
import { resolveConfigDir } from './config-dir.js';
import { CredentialStore, type StoredAuth, type StoredShop } from './credential-store.js';
import { assertShopName, shopSource } from './shop-name.js';

/** Everything needed to build an API client for one shop, after env overrides. */
export interface ShopTarget {
  shop: string;
  auth: StoredAuth;
  apiUrl?: string;
  tokenUrl?: string;
  /** Where the credentials came from (never the values). */
  source: 'env' | 'store' | 'env+store';
  /** The config dir, whose token cache keeps the OAuth access token between commands; absent: none. */
  configDir?: string;
}

type Env = Record<string, string | undefined>;

const nonEmpty = (value: string | undefined): string | undefined =>
  value !== undefined && value.trim() !== '' ? value.trim() : undefined;

/** An http(s) URL template (it may contain {shop}) from `variable`, or a usage error naming it. */
function envUrl(env: Env, variable: 'SRHOOKS_API_URL' | 'SRHOOKS_TOKEN_URL'): string | undefined {
  const value = nonEmpty(env[variable]);
  if (value === undefined) return undefined;
  const probe = value.replaceAll('{shop}', 'shop');
  if (!/^https?:\/\//.test(probe) || !URL.canParse(probe)) {
    throw invalidUrlError(
      variable,
      value,
      URL_TEMPLATE,
      `set it to the shop's ${variable === 'SRHOOKS_API_URL' ? 'API base URL' : 'OAuth token URL'}, or unset it to use the stored one`,
    );
  }
  return value;
}

export { assertShopName } from './shop-name.js';

function loginHint(shop: string): string {
  return `run srhooks login --shop ${shop} --client-id … --client-secret … (or set SRHOOKS_CLIENT_ID and SRHOOKS_CLIENT_SECRET)`;
}

/** One shop's credentials and URLs after env overrides; `auth` is absent when there are none. */
export interface ShopCredentials {
  auth?: StoredAuth;
  /** Templates with `{shop}` or literal URLs, as stored or given. */
  apiUrl?: string;
  tokenUrl?: string;
  source: ShopTarget['source'];
}

/** Whether `SRHOOKS_CLIENT_ID` or `SRHOOKS_CLIENT_SECRET` is set (they replace the stored credentials). */
export function envClientCredentialsSet(env: Env): boolean {
  return nonEmpty(env.SRHOOKS_CLIENT_ID) !== undefined || nonEmpty(env.SRHOOKS_CLIENT_SECRET) !== undefined;
}

/**
 * A shop's credentials as every command uses them: `SRHOOKS_CLIENT_ID`/`SRHOOKS_CLIENT_SECRET` over
 * the stored login (one of them set completes the stored OAuth pair; with nothing to complete it, a
 * usage error), `SRHOOKS_API_URL`/`SRHOOKS_TOKEN_URL` over the stored URLs.
 */
export function shopCredentials(saved: StoredShop | undefined, env: Env): ShopCredentials {
  const envId = nonEmpty(env.SRHOOKS_CLIENT_ID);
  const envSecret = nonEmpty(env.SRHOOKS_CLIENT_SECRET);
  const savedOauth = saved && 'clientId' in saved.auth ? saved.auth : undefined;

  let auth: StoredAuth | undefined;
  let source: ShopTarget['source'] = 'store';
  if (envId || envSecret) {
    const clientId = envId ?? savedOauth?.clientId;
    const clientSecret = envSecret ?? savedOauth?.clientSecret;
    if (!clientId || !clientSecret) {
      throw new CliError(`${envId ? 'SRHOOKS_CLIENT_SECRET' : 'SRHOOKS_CLIENT_ID'} is not set`, {
        code: 'no_credentials',
        exitCode: EXIT_CODES.usage,
        hint: 'set both SRHOOKS_CLIENT_ID and SRHOOKS_CLIENT_SECRET, or neither to use the stored login',
      });
    }
    auth = { clientId, clientSecret };
    source = envId && envSecret ? 'env' : 'env+store';
  } else if (saved) {
    auth = saved.auth;
  }
  return { ...(auth ? { auth } : {}), ...shopUrls(saved, env), source };
}

/**
 * A login's API and token URLs as every command uses them: `SRHOOKS_API_URL` / `SRHOOKS_TOKEN_URL` over the
 * stored ones (either may be absent: ShopRenter's defaults). A malformed variable is a usage error.
 */
export function shopUrls(
  saved: Pick<StoredShop, 'apiUrl' | 'tokenUrl'> | undefined,
  env: Env,
): Pick<StoredShop, 'apiUrl' | 'tokenUrl'> {
  const apiUrl = envUrl(env, 'SRHOOKS_API_URL') ?? saved?.apiUrl;
  const tokenUrl = envUrl(env, 'SRHOOKS_TOKEN_URL') ?? saved?.tokenUrl;
  return { ...(apiUrl ? { apiUrl } : {}), ...(tokenUrl ? { tokenUrl } : {}) };
}

/**
 * Picks the shop (`--shop`, else `SRHOOKS_SHOP`, else the stored default, else the only stored
 * shop) and its credentials. `SRHOOKS_CLIENT_ID`/`SRHOOKS_CLIENT_SECRET`, `SRHOOKS_API_URL` and
 * `SRHOOKS_TOKEN_URL` override what `login` stored, so CI can work without a credentials file.
 */
export async function resolveShopTarget(shopFlag: string | undefined, env: Env): Promise<ShopTarget> {
  const configDir = resolveConfigDir(env);
  const store = new CredentialStore(configDir);
  const file = await store.read();
  const stored = Object.keys(file.shops);
  const shop =
    nonEmpty(shopFlag) ??
    nonEmpty(env.SRHOOKS_SHOP) ??
    file.defaultShop ??
    (stored.length === 1 ? stored[0] : undefined);
  if (!shop) {
    throw usageError(
      stored.length > 1 ? `several shops are stored (${stored.join(', ')}): which one?` : 'no shop selected',
      stored.length > 1
        ? 'pass --shop NAME or set SRHOOKS_SHOP'
        : 'run srhooks login --shop NAME --client-id … --client-secret …, or pass --shop and set SRHOOKS_CLIENT_ID and SRHOOKS_CLIENT_SECRET',
      'no_shop',
    );
  }
  // named as given: --shop, else SRHOOKS_SHOP (a stored default was checked when it was stored)
  assertShopName(
    shop,
    shopSource(shopFlag, nonEmpty(env.SRHOOKS_SHOP) === undefined ? '--shop' : 'SRHOOKS_SHOP'),
  );
  const { auth, apiUrl, tokenUrl, source } = shopCredentials(file.shops[shop], env);
  if (!auth) {
    // a shop not stored while others are: name them, so a mistyped --shop shows the name meant
    const others = file.shops[shop] ? [] : stored;
    const storedNote = others.length > 0 ? ` (stored shops: ${others.join(', ')})` : '';
    throw new CliError(`no credentials for shop ${shop}${storedNote}`, {
      code: 'no_credentials',
      exitCode: EXIT_CODES.usage,
      hint: loginHint(shop),
    });
  }
  return {
    shop,
    auth,
    ...(apiUrl ? { apiUrl } : {}),
    ...(tokenUrl ? { tokenUrl } : {}),
    source,
    configDir,
  };
}

import { productName } from '../cli-invocation.js';
import { resolveConfigDir } from '../config/config-dir.js';
import { CredentialStore, type StoredShop } from '../config/credential-store.js';
import { shopUrls } from '../config/resolve-shop.js';
import type { Output } from '../output/index.js';
import { parseHttpUrl } from '../url-option.js';
import { DEFAULT_SANDBOX_PORT } from './sandbox.js';

/**
 * The sandbox a command that takes `--sandbox-url` talks to (`sandbox order|status|cart|subscribe|
 * unsubscribe`, `app install|uninstall`): `--sandbox-url`, else `SRHOOKS_SANDBOX_URL`, else the sandbox
 * a stored `srhooks login` points at (with `SRHOOKS_API_URL` / `SRHOOKS_TOKEN_URL` over its URLs), else
 * `http://127.0.0.1:8787` (`srhooks sandbox`'s default).
 */

type Env = Record<string, string | undefined>;

export interface SandboxBase {
  url: string;
  /** Where it came from: the flag, the variable, a stored login (of `loginShop`), or the built-in default. */
  from: 'flag' | 'env' | 'login' | 'default';
  loginShop?: string;
}

/**
 * The sandbox's URL (its origin) when `login` is one made against a srhooks sandbox: the sandbox serves
 * a shop's API at `{url}/{shop}/api` and its token endpoint at `{url}/{shop}/app/token` on one origin
 * (what `srhooks sandbox` prints for `login`). ShopRenter's own URLs (absent from a login that used its
 * defaults) are on two hosts, so are never taken for a sandbox's.
 */
export function sandboxOfLogin(shop: string, login: Partial<StoredShop>): string | undefined {
  if (login.apiUrl === undefined || login.tokenUrl === undefined) return undefined;
  const parse = (template: string): URL | undefined => {
    try {
      return new URL(template.replaceAll('{shop}', shop));
    } catch {
      return undefined;
    }
  };
  const api = parse(login.apiUrl);
  const token = parse(login.tokenUrl);
  if (!api || !token || api.origin !== token.origin || !/^https?:$/.test(api.protocol)) return undefined;
  const path = (url: URL) => url.pathname.replace(/\/+$/, '');
  if (path(api) !== `/${shop}/api` || path(token) !== `/${shop}/app/token`) return undefined;
  return api.origin;
}

/** Where a login's sandbox came from, in words with the verb: the stored login, the variables, or both. */
function loginSource(shop: string, login: StoredShop | undefined, env: Env): string {
  const variables = (['SRHOOKS_API_URL', 'SRHOOKS_TOKEN_URL'] as const).filter((name) => env[name]?.trim());
  if (variables.length === 0) return `the login of shop ${shop} points at`;
  const named = variables.join(' and ');
  if (variables.length === 2) return `${named} point at`;
  return login === undefined ? `${named} points at` : `the login of shop ${shop} with ${named} points at`;
}

/**
 * The sandbox of a login: that of `shop` (the shop the command acts on) when it was made against a
 * sandbox, else that of the current login (`SRHOOKS_SHOP`, else the default shop, else the only one
 * stored) — each with `SRHOOKS_API_URL` / `SRHOOKS_TOKEN_URL` over its stored URLs, as every other command
 * takes them (so the two variables alone, with no credentials file, can name a sandbox; a malformed one is
 * a usage error, as in every other command). A credentials
 * file that cannot be read gives no stored login, and says so on stderr (`login`/`shops` say what is wrong
 * with the file).
 */
async function sandboxOfStoredLogin(
  shop: string,
  env: Env,
  output: Output,
): Promise<{ url: string; source: string; shop: string } | undefined> {
  let shops: Record<string, StoredShop> = {};
  let defaultShop: string | undefined;
  try {
    const file = await new CredentialStore(resolveConfigDir(env)).read();
    shops = file.shops;
    defaultShop = file.defaultShop;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    output.info(`the credentials file cannot be read, so no login's sandbox is used: ${reason}`);
  }
  const stored = Object.keys(shops);
  const current = env.SRHOOKS_SHOP?.trim() || defaultShop || (stored.length === 1 ? stored[0] : undefined);
  for (const name of [shop, current]) {
    if (name === undefined) continue;
    const login = shops[name];
    const url = sandboxOfLogin(name, shopUrls(login, env));
    if (url !== undefined) return { url, source: loginSource(name, login, env), shop: name };
  }
  return undefined;
}

/**
 * Picks the sandbox (see the module comment), checks a given URL, and says on stderr which URL a login
 * gave, since no flag on the line names it.
 */
export async function resolveSandboxBase(
  flag: string | undefined,
  shop: string,
  env: Env,
  output: Output,
): Promise<SandboxBase> {
  const example = (source: string) =>
    `e.g. ${source === '--sandbox-url' ? '--sandbox-url ' : 'SRHOOKS_SANDBOX_URL='}http://127.0.0.1:${DEFAULT_SANDBOX_PORT} (the URL ${productName('sandbox')} printed)`;
  if (flag !== undefined) {
    parseHttpUrl('--sandbox-url', flag, example('--sandbox-url'));
    return { url: flag, from: 'flag' };
  }
  const variable = env.SRHOOKS_SANDBOX_URL;
  if (variable !== undefined) {
    parseHttpUrl('SRHOOKS_SANDBOX_URL', variable, example('SRHOOKS_SANDBOX_URL'));
    return { url: variable, from: 'env' };
  }
  const login = await sandboxOfStoredLogin(shop, env, output);
  if (login !== undefined) {
    output.info(`using the sandbox at ${login.url}, which ${login.source} (--sandbox-url picks another)`);
    return { url: login.url, from: 'login', loginShop: login.shop };
  }
  return { url: `http://127.0.0.1:${DEFAULT_SANDBOX_PORT}`, from: 'default' };
}

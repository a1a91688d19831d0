import type { CredentialsFile } from './credential-store.js';
import { type ShopCredentials, shopCredentials } from './resolve-shop.js';

/** The API fields of a receiver shop entry (`srhooks.config.json` "shops"), as `listen` fills them. */
export interface ListenShopCredentials {
  clientId?: string;
  clientSecret?: string;
  username?: string;
  password?: string;
  apiUrl?: string;
  tokenUrl?: string;
}

/** What `listen` found for a shop it serves: its API fields, how it logs in, and where they came from. */
export interface ListenShopAccess {
  credentials: ListenShopCredentials;
  /** `oauth`: client credentials; `basic`: a legacy API user and password; `none`: no API access. */
  login: 'oauth' | 'basic' | 'none';
  /** Where the credentials came from (never the values); null without any. */
  source: ShopCredentials['source'] | null;
}

/**
 * The credentials a shop `listen` serves gets, as the receiver takes them, resolved as for every
 * other shop command (`SRHOOKS_CLIENT_ID`/`SRHOOKS_CLIENT_SECRET` over what `srhooks login` stored,
 * `SRHOOKS_API_URL`/`SRHOOKS_TOKEN_URL` over the stored URLs): OAuth client ID and secret, or a
 * legacy Basic-auth user and password, and the API and token URLs with `{shop}` filled in.
 */
export function listenShopAccess(
  file: CredentialsFile,
  shop: string,
  env: Record<string, string | undefined>,
): ListenShopAccess {
  const { auth, apiUrl, tokenUrl, source } = shopCredentials(file.shops[shop], env);
  if (!auth) return { credentials: {}, login: 'none', source: null };
  const fill = (template: string) => template.replaceAll('{shop}', shop);
  const urls = {
    ...(apiUrl ? { apiUrl: fill(apiUrl) } : {}),
    ...(tokenUrl ? { tokenUrl: fill(tokenUrl) } : {}),
  };
  if ('clientId' in auth) {
    return {
      login: 'oauth',
      source,
      credentials: { clientId: auth.clientId, clientSecret: auth.clientSecret, ...urls },
    };
  }
  return {
    login: 'basic',
    source,
    credentials: { username: auth.username, password: auth.password, ...urls },
  };
}

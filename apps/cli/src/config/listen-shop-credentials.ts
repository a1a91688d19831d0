import type { CredentialsFile } from './credential-store.js';

/** The API fields of a receiver shop entry (`srhooks.config.json` "shops"), as `listen` fills them. */
export interface ListenShopCredentials {
  clientId?: string;
  clientSecret?: string;
  apiUrl?: string;
  tokenUrl?: string;
}

/** What `listen` found for a shop it serves: its API fields, or why it has none. */
export interface ListenShopAccess {
  credentials: ListenShopCredentials;
  /** `oauth`: stored client credentials; `basic`: a legacy login the receiver cannot use; `none`. */
  login: 'oauth' | 'basic' | 'none';
}

/**
 * The credentials `srhooks login` stored for one shop, as the receiver takes them: client ID and
 * secret, and the API and token URLs with `{shop}` filled in. A shop stored with legacy Basic auth
 * gets none (the receiver's API client speaks OAuth only).
 */
export function listenShopAccess(file: CredentialsFile, shop: string): ListenShopAccess {
  const stored = file.shops[shop];
  if (!stored) return { credentials: {}, login: 'none' };
  if (!('clientId' in stored.auth)) return { credentials: {}, login: 'basic' };
  const fill = (template: string) => template.replaceAll('{shop}', shop);
  return {
    login: 'oauth',
    credentials: {
      clientId: stored.auth.clientId,
      clientSecret: stored.auth.clientSecret,
      ...(stored.apiUrl ? { apiUrl: fill(stored.apiUrl) } : {}),
      ...(stored.tokenUrl ? { tokenUrl: fill(stored.tokenUrl) } : {}),
    },
  };
}

import type { ShopRenterClient, ShopRenterClientOptions } from '@srhooks/client/api';
import { resolveShopTarget, type ShopTarget } from './config/resolve-shop.js';

/**
 * Builds the shared ShopRenter client for a resolved shop (the client package is loaded lazily). With
 * OAuth credentials and `target.configDir`, its access token is kept in the config dir's token cache
 * (config/token-cache.ts): reused by the next command while valid; `tokenCache: 'write'` (login) only
 * writes the token it requests, never reusing one.
 */
export async function openShopClient(
  target: ShopTarget,
  options: Pick<ShopRenterClientOptions, 'retry' | 'timeoutMs' | 'tokenRequest'> = {},
  tokenCache: 'reuse' | 'write' = 'reuse',
): Promise<ShopRenterClient> {
  const [{ createShopRenterClient }, { TokenCacheFile }] = await Promise.all([
    import('@srhooks/client/api'),
    import('./config/token-cache.js'),
  ]);
  const { auth, configDir } = target;
  const cache =
    configDir !== undefined && 'clientId' in auth
      ? new TokenCacheFile(configDir).cacheFor(
          {
            shop: target.shop,
            clientId: auth.clientId,
            clientSecret: auth.clientSecret,
            tokenUrl: target.tokenUrl,
          },
          { read: tokenCache === 'reuse' },
        )
      : undefined;
  return createShopRenterClient({
    shop: target.shop,
    auth,
    ...(target.apiUrl ? { apiUrl: target.apiUrl } : {}),
    ...(target.tokenUrl ? { tokenUrl: target.tokenUrl } : {}),
    ...(cache ? { tokenCache: cache } : {}),
    ...options,
  });
}

/**
 * `--timeout` (in ms) of the commands that call a shop: the time limit of each request (the API's and the
 * token request's; each attempt of one the client retries). Undefined: the client's defaults.
 */
export function requestLimits(
  timeoutMs: number | undefined,
): Pick<ShopRenterClientOptions, 'timeoutMs' | 'tokenRequest'> {
  return timeoutMs === undefined ? {} : { timeoutMs, tokenRequest: { timeoutMs } };
}

/** `--shop` (or env / stored default) → a ready client; `timeoutMs`: `--timeout`. */
export async function connectShop(
  shopFlag: string | undefined,
  env: Record<string, string | undefined>,
  timeoutMs?: number,
): Promise<{ target: ShopTarget; client: ShopRenterClient }> {
  const target = await resolveShopTarget(shopFlag, env);
  return { target, client: await openShopClient(target, requestLimits(timeoutMs)) };
}

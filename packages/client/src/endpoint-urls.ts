import { isValidShopName } from '@srhooks/contracts/receiver-path';
import { InputError } from './errors.js';

/** FACTS.md §1: the current API ("API2"), the OAuth token endpoint and the legacy Basic-auth API. */
export const DEFAULT_API_URL = 'https://{shop}.api2.myshoprenter.hu/api';
export const DEFAULT_TOKEN_URL = 'https://oauth.app.shoprenter.net/{shop}/app/token';
export const DEFAULT_LEGACY_API_URL = 'https://{shop}.api.myshoprenter.hu';

export function assertShopName(shop: unknown): string {
  if (typeof shop !== 'string' || !isValidShopName(shop)) {
    throw new InputError(
      `invalid shop name ${JSON.stringify(shop)}: use the shop's ShopRenter name (lowercase letters, digits and hyphens, e.g. "my-shop")`,
      { field: 'shop', value: shop, code: 'invalid_shop' },
    );
  }
  return shop;
}

/** Fills `{shop}` in a URL template and checks the result (absolute, https or loopback http). */
export function resolveUrlTemplate(template: string, shop: string, what: string): string {
  const url = template.replaceAll('{shop}', shop).replace(/\/+$/, '');
  assertSecureUrl(url, what);
  return url;
}

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]', '::1']);

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return LOOPBACK_HOSTS.has(host) || /^127(\.\d{1,3}){3}$/.test(host) || host.endsWith('.localhost');
}

/**
 * Plain `http://` is refused except to loopback: ShopRenter answers it with 308 to HTTPS and a
 * request body can be lost on the way (FACTS.md §1).
 */
export function assertSecureUrl(url: string, what: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError(
      `${what} ${JSON.stringify(url)} is not an absolute URL: give one like https://example.com/path`,
      {
        field: what,
        value: url,
        code: 'invalid_url',
      },
    );
  }
  if (parsed.protocol === 'https:') return parsed;
  if (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname)) return parsed;
  if (parsed.protocol === 'http:') {
    throw new InputError(
      `${what} ${JSON.stringify(url)} uses plain http://: use https:// (plain http is only allowed to loopback addresses such as 127.0.0.1; ShopRenter redirects http with 308 and request bodies can be lost)`,
      { field: what, value: url, code: 'insecure_url' },
    );
  }
  throw new InputError(`${what} ${JSON.stringify(url)} must be an https:// URL`, {
    field: what,
    value: url,
    code: 'invalid_url',
  });
}

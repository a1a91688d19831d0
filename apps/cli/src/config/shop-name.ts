import { isValidShopName } from '@srhooks/contracts/receiver-path';
import { usageError } from '../cli-error.js';

/** What a shop name is, the fix of every refused one. */
const WHAT =
  "use the shop's ShopRenter name (my-shop of my-shop.shoprenter.hu): lowercase letters, digits and hyphens";

/**
 * The shop name in what was given for one, when it is not one itself: the first label of a ShopRenter
 * address (`my-shop.shoprenter.hu`, `https://my-shop.shoprenter.hu/admin`, `my-shop.api2.myshoprenter.hu`),
 * or the name lowercased (`MyShop`). Undefined when nothing valid is in it.
 */
function meantName(given: string): string | undefined {
  let host = given.trim();
  if (/^https?:\/\//i.test(host) && URL.canParse(host)) host = new URL(host).hostname;
  host = host.toLowerCase();
  const address = /^([^./]+)\.(?:[a-z0-9-]+\.)*(?:my)?shoprenter\.hu\.?$/.exec(host);
  const candidate = address ? address[1] : host;
  return candidate !== undefined && candidate !== given && isValidShopName(candidate) ? candidate : undefined;
}

/**
 * Why `shop` is no shop name, with the fix (the name to use when it is in what was given: `did you
 * mean --shop my-shop?`; `flag` '' for a positional argument), or undefined for a valid name.
 */
export function shopNameProblem(shop: string, flag: string): { message: string; hint: string } | undefined {
  if (isValidShopName(shop as unknown)) return undefined;
  const meant = meantName(shop);
  return {
    message: `invalid shop name "${shop.slice(0, 80)}"`,
    hint: meant ? `did you mean ${flag ? `${flag} ` : ''}${meant}? ${WHAT}` : WHAT,
  };
}

/** `shop`, or a usage error (code `invalid_shop_name`) saying what a shop name is. */
export function assertShopName(shop: string, flag = '--shop'): string {
  const problem = shopNameProblem(shop, flag);
  if (problem) throw usageError(problem.message, problem.hint, 'invalid_shop_name');
  return shop;
}

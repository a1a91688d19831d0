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
export function shopNameIn(given: string): string | undefined {
  let host = given.trim();
  if (/^https?:\/\//i.test(host) && URL.canParse(host)) host = new URL(host).hostname;
  host = host.toLowerCase();
  const address = /^([^./]+)\.(?:[a-z0-9-]+\.)*(?:my)?shoprenter\.hu\.?$/.exec(host);
  const candidate = address ? address[1] : host;
  return candidate !== undefined && candidate !== given && isValidShopName(candidate) ? candidate : undefined;
}

/**
 * What is wrong with a name made only of the characters a shop name takes, which the general rule
 * alone does not tell: its length (at most 63), or a hyphen at its start or end. Undefined otherwise.
 */
function shapeProblem(shop: string): string | undefined {
  if (!/^[a-z0-9-]+$/.test(shop)) return undefined;
  if (shop.length > 63) return `${shop.length} characters long: a shop name has at most 63`;
  if (shop.startsWith('-') || shop.endsWith('-'))
    return `it ${shop.startsWith('-') ? 'starts' : 'ends'} with a hyphen: a shop name starts and ends with a letter or digit`;
  return undefined;
}

/** An environment variable's name (`SRHOOKS_SHOP`), as opposed to a flag (`--shop`). */
const VARIABLE = /^[A-Z][A-Z0-9_]*$/;

/**
 * Why `shop` is no shop name, with the fix (the name to use when it is in what was given: `did you
 * mean --shop my-shop?`), or undefined for a valid name. `flag` is where the name came from: a flag
 * (`--shop`), an environment variable (`SRHOOKS_SHOP`: the message names it and the fix reads
 * `did you mean SRHOOKS_SHOP=my-shop?`), or '' for a positional argument.
 */
export function shopNameProblem(shop: string, flag: string): { message: string; hint: string } | undefined {
  if (isValidShopName(shop as unknown)) return undefined;
  const meant = shopNameIn(shop);
  const shape = shapeProblem(shop);
  const variable = VARIABLE.test(flag);
  const given = variable ? `${flag}=${meant}` : `${flag ? `${flag} ` : ''}${meant}`;
  return {
    message: `invalid shop name "${shop.slice(0, 80)}"${variable ? ` (from ${flag})` : ''}${shape ? `: ${shape}` : ''}`,
    hint: meant ? `did you mean ${given}? ${WHAT}` : WHAT,
  };
}

/** Where a shop name came from: `--shop` when it was given, else `variable` (`SRHOOKS_SHOP`). */
export function shopSource(flagValue: string | undefined, variable: string): string {
  return flagValue !== undefined && flagValue.trim() !== '' ? '--shop' : variable;
}

/** `shop`, or a usage error (code `invalid_shop_name`) saying what a shop name is (`flag`: as for shopNameProblem). */
export function assertShopName(shop: string, flag = '--shop'): string {
  const problem = shopNameProblem(shop, flag);
  if (problem) throw usageError(problem.message, problem.hint, 'invalid_shop_name');
  return shop;
}

/**
 * A configured shop's API credentials (`shops[]` in srhooks.config.json): OAuth client credentials
 * (`clientId`/`clientSecret`, recommended) or legacy HTTP Basic auth (`username`/`password`, the API
 * user of ShopRenter's legacy API, FACTS.md §1). Every place that calls a shop's API (handlers'
 * `ctx.client`, verify, reconcile, recovery) takes them from here.
 */
import type { ShopRenterAuth } from '@srhooks/client';

type ShopCredentialFields = {
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
};

/** What a shop without (complete) API credentials is told to set. */
export const SET_SHOP_CREDENTIALS =
  'set clientId and clientSecret on the shop (or, for a legacy API user, username and password)';

/** The shop's credentials as the client takes them; undefined when it has none (or only half). */
export function shopApiAuth(shop: ShopCredentialFields | undefined): ShopRenterAuth | undefined {
  if (!shop) return undefined;
  if (shop.clientId && shop.clientSecret) return { clientId: shop.clientId, clientSecret: shop.clientSecret };
  if (!shop.clientId && !shop.clientSecret && shop.username && shop.password)
    return { username: shop.username, password: shop.password };
  return undefined;
}

/** Config errors of a shop's credential fields: half a Basic-auth pair, or both kinds at once. */
export function shopAuthIssues(shop: ShopCredentialFields): { field: string; message: string }[] {
  const basic = shop.username !== undefined || shop.password !== undefined;
  if (!basic) return [];
  if (shop.clientId !== undefined || shop.clientSecret !== undefined) {
    return [
      {
        field: 'username',
        message:
          'give either clientId/clientSecret (OAuth, recommended) or username/password (legacy Basic auth), not both',
      },
    ];
  }
  if (shop.username === undefined)
    return [{ field: 'username', message: 'password needs the API user: set username too' }];
  if (shop.password === undefined)
    return [{ field: 'password', message: 'username needs the API password: set password too' }];
  return [];
}

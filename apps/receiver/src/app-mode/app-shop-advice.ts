/**
 * App mode: which shops' API failures get the platform app's advice (install-failure.ts). A shop that
 * installed the app (not a `shops` entry of the config, whose own credentials win) uses the app's
 * ClientId/ClientSecret and scopes; its failures — a recovery pass's, a handler's `ctx.client` call's
 * — are worded like a pending install's reason. Other shops keep the client's own words (null).
 */
import type { FastifyInstance } from 'fastify';
import type { ShopFailureAdvice } from '../processing/shop-clients.js';
import { appApiFailureReason } from './install-failure.js';

export function appShopFailureAdvice(
  app: FastifyInstance,
  /**
   * Recovery's reasons (shown by `srhooks shops --receiver` and `recover`, logged every pass) also name a
   * missed uninstall as a cause of refused credentials for an installed shop; a handler's stored error
   * (bounded to 500 characters) keeps the credentials advice alone.
   */
  options: { missedUninstall?: boolean } = {},
): ShopFailureAdvice {
  const configShops = new Set(app.config.shops.map((shop) => shop.name));
  return (shop, error) => {
    const appConfig = app.config.app;
    const record = app.shopDirectory.appShop(shop);
    if (!appConfig || configShops.has(shop) || !record) return null;
    return appApiFailureReason(error, shop, appConfig, {
      installed: options.missedUninstall === true && record.status === 'installed',
    });
  };
}

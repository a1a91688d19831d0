/**
 * App mode: which shops' API failures get the platform app's advice (install-failure.ts). A shop that
 * installed the app (not a `shops` entry of the config, whose own credentials win) uses the app's
 * ClientId/ClientSecret and scopes; its failures — a recovery pass's, a handler's `ctx.client` call's
 * — are worded like a pending install's reason. Other shops keep the client's own words (null).
 */
import type { FastifyInstance } from 'fastify';
import type { ShopFailureAdvice } from '../processing/shop-clients.js';
import { appApiFailureReason } from './install-failure.js';

export function appShopFailureAdvice(app: FastifyInstance): ShopFailureAdvice {
  const configShops = new Set(app.config.shops.map((shop) => shop.name));
  return (shop, error) => {
    const appConfig = app.config.app;
    if (!appConfig || configShops.has(shop) || !app.shopDirectory.appShop(shop)) return null;
    return appApiFailureReason(error, shop, appConfig);
  };
}

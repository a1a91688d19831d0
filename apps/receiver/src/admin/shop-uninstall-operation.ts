/**
 * `POST /admin/api/shops/{shop}/uninstall`: an operator marks an app shop uninstalled when ShopRenter's
 * uninstall call never reached the receiver (it was down, or refused the call during a ClientSecret
 * cut-over). The same code path as that call (app-mode/shop-uninstall.ts): URLs 404, pending jobs cancelled,
 * `app_uninstalled` for the app's handlers (with `uninstalledBy: "operator"`), recovery stops.
 */

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ShopDirectory } from '../app-mode/shop-directory.js';
import { type ShopUninstallOutcome, uninstallShop } from '../app-mode/shop-uninstall.js';
import type { ReceiverConfig } from '../config/config-schema.js';
import type { HandlerRegistry } from '../handlers/handler-registry.js';
import { withStoreTimeout } from '../ingest/store-call.js';
import type { AppShopRecord, AppShopStore } from '../store/app-shops/app-shop-store.js';
import type { Store } from '../store/store.js';
import { AdminApiError } from './admin-errors.js';

export interface ShopUninstallOperationContext {
  config: Pick<ReceiverConfig, 'app' | 'shops' | 'storeTimeoutMs'>;
  appShops: AppShopStore | null;
  directory: ShopDirectory;
  store: Store;
  handlers: HandlerRegistry;
}

/** What the operator asked from, stored as the `app_uninstalled` event's delivery (no credential). */
export interface OperatorRequest {
  remoteAddress: string;
  userAgent: string | undefined;
}

export type MarkUninstalledAnswer = {
  shop: string;
  uninstalledAt: string;
  cancelledJobs: number;
  deliveryId: string;
  alreadyUninstalled: boolean;
};

/**
 * The app shop `shop` an operator may mark uninstalled (installed, pending, or already uninstalled: then
 * nothing changes); refuses (AdminApiError) when app mode is off, `shop` is a config-file shop, or the app
 * was never installed on it. The admin route and the inspector's confirmation page both ask this.
 */
export async function appShopToMark(
  ctx: Pick<ShopUninstallOperationContext, 'config' | 'appShops'>,
  shop: string,
): Promise<{ appShops: AppShopStore; record: AppShopRecord }> {
  const { app } = ctx.config;
  if (!app || !ctx.appShops) {
    throw new AdminApiError(
      409,
      'app_mode_off',
      `This receiver does not run app mode (the app block or SRHOOKS_APP_CLIENT_ID), so it has no app shops to mark uninstalled; a shop of the config file is removed from its shops list instead.`,
    );
  }
  if (ctx.config.shops.some((configured) => configured.name === shop)) {
    throw new AdminApiError(
      409,
      'config_shop',
      `${shop} is a shop of the config file, not a shop that installed the app: it cannot be marked uninstalled; remove it from shops in the config file to stop serving it.`,
      { shop },
    );
  }
  const record = await withStoreTimeout('read app shop', ctx.appShops.get(shop), ctx.config.storeTimeoutMs);
  if (!record) {
    throw new AdminApiError(
      404,
      'unknown_shop',
      `The app was never installed on ${shop} here; list the app's shops with GET /admin/api/shops (srhooks shops --receiver URL).`,
      { shop },
    );
  }
  return { appShops: ctx.appShops, record };
}

/** Marks `shop` uninstalled as its uninstall call would have; refuses what is not an app shop of this receiver. */
export async function markShopUninstalled(
  ctx: ShopUninstallOperationContext,
  shop: string,
  request: OperatorRequest,
): Promise<MarkUninstalledAnswer> {
  const { appShops } = await appShopToMark(ctx, shop);
  const body = JSON.stringify({ shop, uninstalledBy: 'operator' });
  const outcome: ShopUninstallOutcome | null = await uninstallShop(
    {
      appShops,
      directory: ctx.directory,
      store: ctx.store,
      handlers: ctx.handlers,
      storeTimeoutMs: ctx.config.storeTimeoutMs,
    },
    shop,
    {
      by: 'operator',
      remoteAddress: request.remoteAddress,
      headers: request.userAgent ? { 'user-agent': request.userAgent } : {},
      contentType: 'application/json',
      rawBody: Buffer.from(body),
    },
  );
  // The record was read a moment ago; only a store that lost it since answers nothing.
  if (!outcome) throw new AdminApiError(404, 'unknown_shop', `The app has no record of ${shop} any more.`);
  return {
    shop,
    uninstalledAt: outcome.uninstalledAt.toISOString(),
    cancelledJobs: outcome.cancelledJobs,
    deliveryId: outcome.deliveryId,
    alreadyUninstalled: outcome.already,
  };
}

/**
 * `markShopUninstalled` for a request to this receiver's admin API or inspector (`from`): the operator's
 * address and user agent recorded, the outcome logged (shop, counts and ids only).
 */
export async function markShopUninstalledFor(
  app: FastifyInstance,
  request: FastifyRequest,
  shop: string,
  from: 'admin API' | 'inspector',
): Promise<MarkUninstalledAnswer> {
  const answer = await markShopUninstalled(
    {
      config: app.config,
      appShops: app.appShops,
      directory: app.shopDirectory,
      store: app.store,
      handlers: app.handlers,
    },
    shop,
    { remoteAddress: request.ip, userAgent: request.headers['user-agent'] },
  );
  request.log.info(
    { shop, cancelledJobs: answer.cancelledJobs, deliveryId: answer.deliveryId },
    answer.alreadyUninstalled
      ? 'shop already uninstalled; left as it was'
      : `shop marked uninstalled by an operator (${from})`,
  );
  return answer;
}

/**
 * Decorates the instance with `app.shopDirectory` (every shop served: config shops and, in app
 * mode, the shops that installed the app) and, in app mode, `app.appShops` (their store). Also
 * refuses deliveries for shops that uninstalled the app: `/hooks/{shop}/…` answers the same 404 as
 * a forged URL, before anything is read (ShopRenter dropped those subscriptions itself).
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { NOT_FOUND_BODY } from '../http/error-body.js';
import type { AppShopStore } from '../store/app-shops/app-shop-store.js';
import { createAppShopStore } from '../store/app-shops/create-app-shop-store.js';
import { ShopDirectory } from './shop-directory.js';

declare module 'fastify' {
  interface FastifyInstance {
    shopDirectory: ShopDirectory;
    /** App mode only (null otherwise): installed shops and used app request codes. */
    appShops: AppShopStore | null;
  }
}

export interface ShopDirectoryPluginOptions {
  /** How often installed shops are re-read from the store (other instances' installs). Default 5000 ms. */
  refreshMs?: number;
}

const HOOK_SHOP = /^\/hooks\/([^/?#]+)\//;

const plugin: FastifyPluginAsync<ShopDirectoryPluginOptions> = async (app, options) => {
  const appConfig = app.config.app;
  const appShops = appConfig ? createAppShopStore(app.store) : null;
  const directory = new ShopDirectory(app.config.shops, appConfig, appShops);
  app.decorate('shopDirectory', directory);
  app.decorate('appShops', appShops);
  if (!appShops) return;

  await directory.refresh();
  const timer = setInterval(() => {
    directory.refresh().catch((error: unknown) => {
      app.log.warn(
        { err: error },
        'cannot refresh the installed shops from the store; using the last known list',
      );
    });
  }, options.refreshMs ?? 5000);
  timer.unref();
  app.addHook('onClose', async () => {
    clearInterval(timer);
    await appShops.close();
  });

  app.addHook('onRequest', async (request, reply) => {
    const shop = HOOK_SHOP.exec(request.url)?.[1];
    if (shop !== undefined && directory.isUninstalled(shop)) {
      request.log.info({ shop }, 'delivery for a shop that uninstalled the app refused');
      return reply.code(404).send(NOT_FOUND_BODY);
    }
  });
};

export const shopDirectoryPlugin = fp(plugin, {
  name: 'srhooks-shop-directory',
  fastify: '5.x',
  dependencies: ['srhooks-config', 'srhooks-store'],
});

/**
 * Decorates the instance with `app.shopDirectory` (every shop served: config shops and, in app
 * mode, the shops that installed the app) and, in app mode, `app.appShops` (their store). Also
 * refuses deliveries for shops that uninstalled the app: `/hooks/{shop}/…` answers the same 404 as
 * a forged URL, before anything is read (ShopRenter dropped those subscriptions itself) — judged on the
 * shop as the router decoded it, so a percent-encoded spelling of the shop is refused too.
 *
 * Several instances on one PostgreSQL store: each re-reads the installed shops every `refreshMs`
 * (5 s), and at once when the store's change feed carries another instance's `app_uninstalled`
 * delivery (pg_notify / LISTEN, pg-change-relay.ts). So an uninstall handled by one instance makes the
 * others answer 404 on the shop's URLs within one notification and one store read (milliseconds); if
 * the notification is lost (the listening connection down), within `refreshMs` plus one store read.
 * A genuine delivery URL of a shop known here as uninstalled is checked against the store before it is
 * refused (`ShopDirectory.reloadShop`): another instance may have handled a re-install since the last re-read;
 * so is such a shop when the change feed carries another instance's webhook delivery of it.
 */
import { isAppEvent } from '@srhooks/contracts';
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { NOT_FOUND_BODY } from '../http/error-body.js';
import { authenticateHook } from '../ingest/authenticate-hook.js';
import { withStoreTimeout } from '../ingest/store-call.js';
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
  /** Re-read at once when the store's change feed carries an uninstall (default true). */
  refreshOnUninstall?: boolean;
}

/** The delivery route (hooks-routes.ts), whose decoded `:shop` parameter the uninstalled check judges. */
const DELIVERY_ROUTE = '/hooks/:shop/:event/:token';

const plugin: FastifyPluginAsync<ShopDirectoryPluginOptions> = async (app, options) => {
  const appConfig = app.config.app;
  const appShops = appConfig ? createAppShopStore(app.store) : null;
  const directory = new ShopDirectory(app.config.shops, appConfig, appShops);
  app.decorate('shopDirectory', directory);
  app.decorate('appShops', appShops);
  if (!appShops) return;

  await directory.refresh();
  const refresh = () => {
    directory.refresh().catch((error: unknown) => {
      app.log.warn(
        { err: error },
        'cannot refresh the installed shops from the store; using the last known list',
      );
    });
  };
  const timer = setInterval(refresh, options.refreshMs ?? 5000);
  timer.unref();
  // A webhook delivery of a shop known here as uninstalled, stored by another instance: that instance took it
  // as an installed shop's (a re-install it handled since this one's last re-read). The shop is read at once,
  // so this instance's worker runs the delivery's jobs instead of cancelling them as an uninstalled shop's.
  const reloading = new Set<string>();
  const reload = (shop: string) => {
    if (reloading.has(shop)) return;
    reloading.add(shop);
    directory
      .reloadShop(shop)
      .catch((error: unknown) => {
        app.log.warn({ shop, err: error }, 'cannot read the shop from the store; using the last known list');
      })
      .finally(() => reloading.delete(shop));
  };
  // Another instance's uninstall (its app_uninstalled delivery, committed after the shop's record).
  const unsubscribe =
    options.refreshOnUninstall === false
      ? () => {}
      : app.store.onChange((change) => {
          if (change.kind !== 'delivery') return;
          if ((change.event as string) === 'app_uninstalled') refresh();
          else if (
            change.cause === undefined &&
            !isAppEvent(change.event) &&
            directory.isUninstalled(change.shop)
          )
            reload(change.shop);
        });
  app.addHook('onClose', async () => {
    clearInterval(timer);
    unsubscribe();
    await appShops.close();
  });

  app.addHook('onRequest', async (request, reply) => {
    // The router's decoded parameter, never the raw URL: `/hooks/%62eta/…` is shop `beta` to the route
    // (and its token verifies), so judging the raw text would let an uninstalled shop's URL through.
    // Any other path under /hooks/ is the catch-all's 404 anyway.
    if (request.routeOptions.url !== DELIVERY_ROUTE) return;
    const { shop, event, token } = request.params as { shop?: unknown; event?: unknown; token?: unknown };
    if (typeof shop !== 'string' || !directory.isUninstalled(shop)) return;
    // Known here as uninstalled. Another instance on the same store may have recorded a re-install since this
    // one last read the list (within 5 s): a genuine URL is checked against the store before it is refused, or
    // the first deliveries of the new subscriptions would be lost (ShopRenter does not send them again). A
    // forged URL is refused unread, so it costs no store read.
    if (
      typeof event === 'string' &&
      typeof token === 'string' &&
      authenticateHook({ shop, event, token }, app.config.secrets).ok &&
      (await stillUninstalled(shop, request.log)) === false
    )
      return;
    request.log.info({ shop }, 'delivery for a shop that uninstalled the app refused');
    return reply.code(404).send(NOT_FOUND_BODY);
  });

  /** Whether the store still says the shop uninstalled the app; true as well when it cannot be read. */
  async function stillUninstalled(shop: string, log: FastifyBaseLogger): Promise<boolean> {
    try {
      await withStoreTimeout('read app shop', directory.reloadShop(shop), app.config.storeTimeoutMs);
    } catch (error) {
      log.warn(
        { shop, err: error },
        'cannot read the shop from the store; refusing its delivery as the last known list says (uninstalled)',
      );
      return true;
    }
    return directory.isUninstalled(shop);
  }
};

export const shopDirectoryPlugin = fp(plugin, {
  name: 'srhooks-shop-directory',
  fastify: '5.x',
  dependencies: ['srhooks-config', 'srhooks-store'],
});

/**
 * The receiver a start serves while its store cannot be opened (start-while-store-unreachable.ts): the
 * core routes of the full receiver, unchanged — the delivery route (same signed-URL check, IP allow-list,
 * body limits and answers), `/healthz`, `/readyz`, `/readyz/deliveries` and `/metrics` — and in app mode
 * the Payment API notification and uninstall routes, over a store that refuses every call
 * (store-not-opened.ts), so an authentic delivery, notification or uninstall call is written to the spool
 * and answered as during an outage that began while the receiver ran. App mode's install and entry routes
 * answer the shop owner's browser a 503 page asking to try again in a minute (store-unavailable-page.ts).
 * Everything else needs the store (admin API, inspector) and is answered `503 store_unavailable` with the
 * uniform body.
 *
 * Not here: the drainer (it needs the store: the full receiver's drains the spool once it runs), the
 * shop directory (app mode's installed and uninstalled shops are read from the store: see
 * docs/app-mode.md, Store unreachable at start), handlers, recovery, retention.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { registerPaymentNotificationRoute } from '../app-mode/payment-notification-route.js';
import { sendStoreUnavailablePage } from '../app-mode/store-unavailable-page.js';
import { registerUninstallRoute } from '../app-mode/uninstall-route.js';
import type { ReceiverConfig } from '../config/config-schema.js';
import { errorBody } from '../http/error-body.js';
import { createReceiverFastify } from '../http/receiver-fastify.js';
import { configPlugin } from '../plugins/config-plugin.js';
import { handlersPlugin } from '../plugins/handlers-plugin.js';
import { metricsPlugin } from '../plugins/metrics-plugin.js';
import type { OpenedSpool } from '../plugins/spool-plugin.js';
import { coreRoutes } from '../routes/index.js';
import type { HandOverServer } from './hand-over-server.js';
import { appShopsNotOpened, storeNotOpened } from './store-not-opened.js';

export interface SpoolOnlyReceiverOptions {
  readonly logger: Logger;
  readonly server: HandOverServer;
  readonly opened: OpenedSpool;
  /** Why the store is not open (the detail of every StoreUnavailableError its calls fail with). */
  readonly storeDetail: () => string;
  /** Whether closing it closes the shared listener: until the full receiver took it over. */
  readonly closesListener: () => boolean;
  /** Awaited when it closes, before anything it holds is closed: the requests it took were answered. */
  readonly untilAnswered: () => Promise<void>;
  readonly defaultMetrics?: boolean;
}

type Query = Record<string, string | string[] | undefined>;

const NEEDS_THE_STORE = errorBody(
  'store_unavailable',
  'This receiver started while its event store could not be reached: until it can, it only takes deliveries (into its spool) and answers its health, readiness and metrics routes. Try again once GET /readyz answers 200.',
);

export async function buildSpoolOnlyReceiver(
  config: ReceiverConfig,
  options: SpoolOnlyReceiverOptions,
): Promise<FastifyInstance> {
  const app = createReceiverFastify(config, options.logger, {
    serverFactory: options.server.factory,
    closesListener: options.closesListener,
    unknownRoute: (reply) => reply.code(503).header('retry-after', '5').send(NEEDS_THE_STORE),
  });
  // After refuseWhileClosing's: the listener stops accepting first, then in-flight deliveries are answered.
  app.addHook('preClose', options.untilAnswered);
  await app.register(configPlugin, { config });
  await app.register(metricsPlugin, { defaultMetrics: options.defaultMetrics ?? true });
  await app.register(handlersPlugin);
  const { spool, lock } = options.opened;
  app.decorate('store', storeNotOpened('postgres', options.storeDetail));
  app.decorate('storeLock', null);
  app.decorate('spool', spool);
  app.decorate('spoolLock', lock);
  app.decorate('spoolDrainer', null);
  app.metrics.observeSpool(() => spool.figures());
  for (const route of coreRoutes)
    await app.register(route.plugin, route.prefix ? { prefix: route.prefix } : {});
  if (config.app) {
    const appConfig = config.app;
    const appShops = appShopsNotOpened(options.storeDetail);
    // App mode's Payment API notifications: verified by their hmac (the app's key, no store), then spooled.
    await registerPaymentNotificationRoute(app, appConfig, appShops);
    // Its uninstall calls: verified by their hmac and timestamp (the ClientSecret, no store), then spooled
    // (ShopRenter calls once); applied when the full receiver drains the spool.
    registerUninstallRoute(app, { appConfig, appShops, uninstall: null });
    // Install and entry calls need the shop records: the owner's browser gets a page to try again in a minute.
    for (const [path, kind] of [
      [appConfig.installPath, 'install'],
      [appConfig.entryPath, 'entry'],
      [`${appConfig.entryPath.replace(/\/+$/, '')}/events/:id`, 'entry'],
    ] as const)
      app.get(path, async (request, reply) => {
        app.metrics.storeErrors.inc({ operation: `app_${kind}` });
        return sendStoreUnavailablePage(
          reply,
          appConfig,
          kind,
          (request.query as Query).shopname,
          request.log,
        );
      });
  }
  await app.ready();
  return app;
}

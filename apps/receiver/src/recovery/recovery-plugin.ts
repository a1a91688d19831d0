/**
 * `app.recovery`: the recovery service (recovery-service.ts) built from the config, the store and the
 * handler registry. Passes on demand work as soon as the app is ready; the schedule (a pass at
 * start-up, then every `recoveryIntervalMinutes`) starts only when asked — `runReceiver` does after
 * `listen`, tests opt in — and stops before the store closes. The shops are `app.shopDirectory`'s:
 * config shops and the shops that installed the app, followed as they install and uninstall.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';
import { appShopFailureAdvice } from '../app-mode/app-shop-advice.js';
import { type ShopClientFactory, ShopClients, type ShopFailureAdvice } from '../processing/shop-clients.js';
import { RecoveryService } from './recovery-service.js';

declare module 'fastify' {
  interface FastifyInstance {
    recovery: RecoveryService;
  }
}

export interface RecoveryPluginOptions {
  /** Start the schedule when the app is ready (default false; `runReceiver` starts it after listen). */
  schedule?: boolean;
  /** Client factory for the shops' API clients (tests). */
  createClient?: ShopClientFactory;
  now?: () => Date;
  /** Between scheduled passes, in ms (tests; default `recoveryIntervalMinutes`). */
  intervalMs?: number;
  /** With interval 0, the first retry of a failed pass, in ms (tests; default 1 min). */
  firstRetryMs?: number;
  /** A turn skipped because another pass held the shop tries again after this long, in ms (tests; default 10 s). */
  busyRetryMs?: number;
  /**
   * A failed pass's reason in the words of what runs this receiver, or null for the error's own: `srhooks
   * listen` names the flag, variable or login it took the shop's credentials and URLs from, where the
   * client's own words advise the shop admin's "Settings > API Settings" alone. App mode's advice for an
   * installed shop comes first.
   */
  failureReason?: ShopFailureAdvice;
}

/** App mode's advice for installed shops, then the caller's; undefined when neither is given. */
function failureReasonOf(
  app: Parameters<typeof appShopFailureAdvice>[0],
  given: ShopFailureAdvice | undefined,
): ShopFailureAdvice | undefined {
  const appAdvice = app.config.app ? appShopFailureAdvice(app, { missedUninstall: true }) : undefined;
  if (!appAdvice) return given;
  if (!given) return appAdvice;
  return (shop, error) => appAdvice(shop, error) ?? given(shop, error);
}

const plugin: FastifyPluginAsync<RecoveryPluginOptions> = async (app, options) => {
  const failureReason = failureReasonOf(app, options.failureReason);
  const service = new RecoveryService({
    config: app.config,
    // once the receiver shuts down, a store call PostgreSQL leaves unanswered is given up after a grace
    store: app.store.forBackgroundWork?.() ?? app.store,
    handlers: app.handlers,
    metrics: app.metrics,
    logger: app.log as unknown as Logger,
    // The live shop directory: config shops and (app mode) installed shops alike. Clients share the
    // process's one request window per shop with every other API call (ctx.client, verify, install).
    shops: app.shopDirectory,
    clients: new ShopClients(app.config.shops, options.createClient, (shop) => app.shopDirectory.shop(shop)),
    // App mode: an installed shop's failures get the platform app's advice (a pending install's words).
    ...(failureReason ? { failureReason } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
    ...(options.firstRetryMs !== undefined ? { firstRetryMs: options.firstRetryMs } : {}),
    ...(options.busyRetryMs !== undefined ? { busyRetryMs: options.busyRetryMs } : {}),
  });
  app.decorate('recovery', service);
  // The lag of every shop this receiver recovers, from the store's watermark (whichever instance moved it).
  app.metrics.observeRecoveryLag(
    () => app.store.listRecoveryStates(),
    () => service.shops(),
  );
  if (options.schedule) app.addHook('onReady', async () => service.start());
  app.addHook('preClose', async () => {
    await service.stop();
  });
};

export const recoveryPlugin = fp(plugin, {
  name: 'srhooks-recovery',
  fastify: '5.x',
  dependencies: [
    'srhooks-config',
    'srhooks-store',
    'srhooks-handlers',
    'srhooks-metrics',
    'srhooks-shop-directory',
  ],
});

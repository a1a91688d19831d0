/**
 * `app.recovery`: the recovery service (recovery-service.ts) built from the config, the store and the
 * handler registry. Passes on demand work as soon as the app is ready; the schedule (a pass at
 * start-up, then every `recoveryIntervalMinutes`) starts only when asked — `runReceiver` does after
 * `listen`, tests opt in — and stops before the store closes.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';
import { type ShopClientFactory, ShopClients } from '../processing/shop-clients.js';
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
}

const plugin: FastifyPluginAsync<RecoveryPluginOptions> = async (app, options) => {
  const service = new RecoveryService({
    config: app.config,
    store: app.store,
    handlers: app.handlers,
    metrics: app.metrics,
    logger: app.log as unknown as Logger,
    clients: new ShopClients(app.config.shops, options.createClient),
    ...(options.now ? { now: options.now } : {}),
  });
  app.decorate('recovery', service);
  if (options.schedule) app.addHook('onReady', async () => service.start());
  app.addHook('preClose', async () => {
    await service.stop();
  });
};

export const recoveryPlugin = fp(plugin, {
  name: 'srhooks-recovery',
  fastify: '5.x',
  dependencies: ['srhooks-config', 'srhooks-store', 'srhooks-handlers', 'srhooks-metrics'],
});

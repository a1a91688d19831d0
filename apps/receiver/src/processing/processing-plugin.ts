/**
 * Runs the job worker inside the receiver (`app.worker`): built from `app.config` and `app.store` when
 * the plugin registers (a bad handler config stops start-up), started when the app is ready, told to stop
 * in `preClose` and waited for in `onClose` (running jobs finish and record their outcome, for at most
 * `shutdownTimeoutMs`) before the store closes — so the listener closes at once, not after the drain.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';
import { appShopFailureAdvice } from '../app-mode/app-shop-advice.js';
import { withStoreTimeout } from '../ingest/store-call.js';
import { type CreateJobWorkerOptions, createJobWorker } from './create-job-worker.js';
import type { ResolvePackage } from './handlers/brokers/broker-client-packages.js';
import type { JobWorker } from './worker.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The job worker; null when processing is disabled (`processing: {enabled: false}`). */
    worker: JobWorker | null;
  }
}

export interface ProcessingPluginOptions
  extends Omit<CreateJobWorkerOptions, 'config' | 'store' | 'logger' | 'metrics'> {
  /** Default true. False: this instance only ingests (another instance runs the handlers). */
  enabled?: boolean;
  /** How `buildReceiver` resolves the broker handlers' client packages at start-up (tests); default Node's. */
  resolvePackage?: ResolvePackage;
}

const plugin: FastifyPluginAsync<ProcessingPluginOptions> = async (app, options) => {
  const { enabled = true, resolvePackage: _checkedByBuildReceiver, ...workerOptions } = options;
  // Read from the store, so also on an ingest-only instance (the figures are those of every instance).
  app.metrics.observeHandlerBacklog(() => app.store.handlerBacklog(), Object.keys(app.config.handlers));
  if (!enabled) {
    app.decorate('worker', null);
    return;
  }
  let worker: JobWorker;
  try {
    worker = createJobWorker({
      leaseMs: app.config.jobLeaseMs,
      metrics: app.metrics,
      ...workerOptions,
      config: app.config,
      store: app.store,
      // Installed app shops get `ctx.client` like config shops (registered before this plugin).
      ...(app.hasDecorator('shopDirectory')
        ? {
            shopLookup: (shop: string) => app.shopDirectory.shop(shop),
            // A claimed job whose shop has uninstalled the app is cancelled when its turn comes, one claimed
            // ahead too; decided by the store's install state then (one read), not by the list in memory,
            // which may not have seen another instance's re-install (or uninstall) yet.
            uninstalledNow: (shop: string) =>
              withStoreTimeout(
                'read the install state of the job shop',
                app.shopDirectory.uninstalledInStore(shop),
                app.config.storeTimeoutMs,
              ),
          }
        : {}),
      // App mode: an installed shop's ctx.client failures get the platform app's advice.
      ...(app.config.app && app.hasDecorator('shopDirectory')
        ? { failureAdvice: appShopFailureAdvice(app) }
        : {}),
      logger: app.log as unknown as Logger,
    });
  } catch (error) {
    // The app will not start: release the store the store plugin opened (its onClose never runs).
    await app.store.close().catch(() => {});
    throw error;
  }
  app.decorate('worker', worker);
  app.addHook('onReady', async () => {
    worker.start();
  });
  // The worker starts stopping in preClose (no new claims; running jobs finish and record their outcome)
  // but is waited for in onClose: fastify closes the listener only after every preClose hook, so waiting
  // there kept accepting connections for the whole drain, each answered 503 `shutting_down` — behind a
  // load balancer, deliveries refused that another receiver would have stored (ShopRenter does not resend).
  // onClose hooks run after the server closed and before the store plugin's (registered earlier). (The
  // listener now closes in the first preClose hook, refuse-while-closing.ts; waiting here still keeps the
  // other preClose hooks from waiting on the drain.)
  let stopping: Promise<void> | null = null;
  app.addHook('preClose', (done) => {
    stopping = worker.stop({ timeoutMs: app.config.shutdownTimeoutMs });
    stopping.catch(() => {});
    done();
  });
  app.addHook('onClose', async () => {
    await (stopping ?? worker.stop({ timeoutMs: app.config.shutdownTimeoutMs }));
  });
};

export const processingPlugin = fp(plugin, {
  name: 'srhooks-processing',
  fastify: '5.x',
  dependencies: ['srhooks-config', 'srhooks-metrics', 'srhooks-store'],
});

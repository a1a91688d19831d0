/**
 * `buildReceiver(config)`: the receiver as a fastify instance, not yet listening. Tests start it
 * on port 0 or drive it with `app.inject`; `main.ts` listens and closes it on signals.
 *
 * Capabilities are one plugin each (`app.config`, `app.metrics`, `app.handlers`, `app.store`);
 * routes are encapsulated plugins from `routes/` plus any passed in `options.routes`.
 */

import type { Server } from 'node:http';
import type { FastifyInstance, FastifyServerFactory } from 'fastify';
import type { DestinationStream, Logger } from 'pino';
import { adminAreaRoute } from './admin/admin-area.js';
import { appModeRoute } from './app-mode/app-mode-routes.js';
import { type ShopDirectoryPluginOptions, shopDirectoryPlugin } from './app-mode/shop-directory-plugin.js';
import type { ReceiverConfig } from './config/config-schema.js';
import type { LimitAdvice } from './config/limit-advice.js';
import { checkEnvReferencesSet } from './config/load-config.js';
import { createReceiverFastify } from './http/receiver-fastify.js';
import { createLogger } from './logging/create-logger.js';
import type { ReceiverMetrics } from './metrics/receiver-metrics.js';
import { configPlugin } from './plugins/config-plugin.js';
import { handlersPlugin } from './plugins/handlers-plugin.js';
import { type MemoryTrimPluginOptions, memoryTrimPlugin } from './plugins/memory-trim-plugin.js';
import { metricsPlugin } from './plugins/metrics-plugin.js';
import {
  releaseSpoolAfterFailedStart,
  type SpoolPluginOptions,
  spoolPlugin,
} from './plugins/spool-plugin.js';
import { closeStoreAfterFailedStart, openMigratedPgStore, storePlugin } from './plugins/store-plugin.js';
import { checkBrokerClientPackages } from './processing/handlers/brokers/broker-client-packages.js';
import {
  brokerSecretValues,
  checkResolvedEnvReferences,
  type Env,
} from './processing/handlers/brokers/env-reference.js';
import { checkForwardTargets } from './processing/handlers/forward-target-check.js';
import { type ProcessingPluginOptions, processingPlugin } from './processing/processing-plugin.js';
import { ReconcileStatus } from './reconcile/reconcile-status.js';
import { type RecoveryPluginOptions, recoveryPlugin } from './recovery/recovery-plugin.js';
import { type RetentionPluginOptions, retentionPlugin } from './retention/retention-plugin.js';
import { coreRoutes, type ReceiverRoutePlugin } from './routes/index.js';
import type { Store } from './store/store.js';

export interface BuildReceiverOptions {
  /** Use this store instead of creating one from the config (it is migrated, and closed with the app). */
  readonly store?: Store;
  /** A ready pino logger; by default one is created from `config.logLevel` writing to stdout. */
  readonly logger?: Logger;
  /** Where the created logger writes (tests capture lines here). Ignored with `logger`. */
  readonly logDestination?: DestinationStream;
  /** Route plugins registered after the core ones (admin API, inspector UI, …). */
  readonly routes?: readonly ReceiverRoutePlugin[];
  /** Process metrics (CPU, memory, event loop) on /metrics; default true. */
  readonly defaultMetrics?: boolean;
  /** Metrics to go on with (the spool-only receiver's, at the take-over: start-up/); default new ones. */
  readonly metrics?: ReceiverMetrics;
  /** The job worker running the handlers (`app.worker`); `{enabled: false}`: this instance only ingests. */
  readonly processing?: ProcessingPluginOptions;
  /** When retention runs (with `retentionDays` set): default 30 s after start, then hourly. */
  readonly retention?: RetentionPluginOptions;
  /** Recovery of missed orders (`app.recovery`); its schedule runs only with `schedule: true`. */
  readonly recovery?: RecoveryPluginOptions;
  /** App mode's shop directory: how installed shops are re-read from the store (tests). */
  readonly shopDirectory?: ShopDirectoryPluginOptions;
  /** Giving freed native memory back after a burst: default the built addon, every 2 s (tests inject). */
  readonly memoryTrim?: MemoryTrimPluginOptions;
  /** The delivery spool's drainer (with `spoolDir` set): how soon it tries the store again (tests). */
  readonly spool?: SpoolPluginOptions;
  /** How size refusals say to raise a limit (`srhooks listen`'s flag); default the receiver's settings. */
  readonly limitAdvice?: LimitAdvice;
  /** Serve on this server (the socket a start without its store already listens on; start-up/). */
  readonly serverFactory?: FastifyServerFactory<Server>;
}

/** Literal values that must never appear in a log line. */
function secretValues(config: ReceiverConfig, env: Env): string[] {
  const values = [...config.secrets];
  if (config.adminToken) values.push(config.adminToken);
  if (config.metricsToken) values.push(config.metricsToken);
  for (const shop of config.shops) {
    if (shop.clientSecret) values.push(shop.clientSecret);
    if (shop.password) values.push(shop.password);
  }
  if (config.app)
    values.push(
      config.app.clientSecret,
      ...(config.app.webhookSecretKey ? [config.app.webhookSecretKey] : []),
    );
  for (const handler of Object.values(config.handlers))
    if (handler.type === 'forward') values.push(handler.secret);
  values.push(...brokerSecretValues(config.handlers, env));
  return values;
}

/** The receiver's pino logger: `config.logLevel`, stdout (or `logDestination`), every secret redacted. */
export function receiverLogger(
  config: ReceiverConfig,
  options: Pick<BuildReceiverOptions, 'logDestination' | 'processing'> = {},
): Logger {
  return createLogger({
    level: config.logLevel,
    secrets: secretValues(config, options.processing?.env ?? process.env),
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
}

export async function buildReceiver(
  config: ReceiverConfig,
  options: BuildReceiverOptions = {},
): Promise<FastifyInstance> {
  // the whole config holds before anything is opened: an unset ${VAR} must not leave a new, empty store
  if (options.processing?.enabled !== false) {
    const env = options.processing?.env ?? process.env;
    // every unset ${VAR} at once, as loadConfig lists them (a config built in code is checked here only)
    checkEnvReferencesSet(config.handlers, env);
    // the values they resolve to (a NATS server, a broker or forward URL from a variable)
    checkResolvedEnvReferences(config.handlers, env);
    // a private IP literal the SSRF guard would refuse at every attempt stops the start here
    checkForwardTargets(config.handlers, env);
    // resolved, not loaded: a missing broker client stops the start here, not at the first job
    checkBrokerClientPackages(config.handlers, options.processing?.resolvePackage);
  }
  const logger = options.logger ?? receiverLogger(config, options);
  const app = createReceiverFastify(
    config,
    logger,
    options.serverFactory ? { serverFactory: options.serverFactory } : {},
  );

  await app.register(configPlugin, {
    config,
    ...(options.limitAdvice ? { limitAdvice: options.limitAdvice } : {}),
  });
  // each shop's start-up reconcile, as `runReceiver` runs it after listen (GET /admin/api/shops shows it)
  app.decorate('reconcileStatus', new ReconcileStatus());
  await app.register(metricsPlugin, {
    defaultMetrics: options.defaultMetrics ?? true,
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  await app.register(handlersPlugin);
  // PostgreSQL: migrated here, between plugins, so a long migration is not cut off by the plugin load timeout.
  const store = await openMigratedPgStore(app, options.store);
  await app.register(storePlugin, store ? { store } : {});
  try {
    await app.register(memoryTrimPlugin, options.memoryTrim ?? {});
    await app.register(shopDirectoryPlugin, options.shopDirectory ?? {});
    await app.register(processingPlugin, options.processing ?? {});
    await app.register(retentionPlugin, options.retention ?? {});
    await app.register(recoveryPlugin, options.recovery ?? {});
    await app.register(spoolPlugin, options.spool ?? {});
    const appRoutes = config.app ? [appModeRoute] : [];
    for (const route of [...coreRoutes, adminAreaRoute, ...appRoutes, ...(options.routes ?? [])]) {
      await app.register(route.plugin, route.prefix ? { prefix: route.prefix } : {});
    }
  } catch (error) {
    releaseSpoolAfterFailedStart(app);
    await closeStoreAfterFailedStart(app);
    throw error;
  }
  return app;
}

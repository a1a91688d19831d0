/**
 * Wires a JobWorker from the receiver configuration: one runner per configured handler, shop clients
 * for `ctx.client` and `verify`, and the verify step. `buildReceiver` starts it when the app is ready
 * and stops it (finishing running jobs) on close.
 */
import type { Logger } from 'pino';
import type { ReceiverConfig, ShopConfig } from '../config/config-schema.js';
import type { ReceiverMetrics } from '../metrics/receiver-metrics.js';
import type { Store } from '../store/store.js';
import { createEventVerifier } from './event-verifier.js';
import { countAttemptDecision, instrumentRunners } from './handler-metrics.js';
import { createHandlerRunners } from './handler-runners.js';
import type { Env } from './handlers/brokers/env-reference.js';
import { type ShopClientFactory, ShopClients, type ShopFailureAdvice } from './shop-clients.js';
import { JobWorker, type JobWorkerOptions } from './worker.js';

export interface CreateJobWorkerOptions
  extends Omit<JobWorkerOptions, 'store' | 'runners' | 'logger' | 'verifier'> {
  config: Pick<ReceiverConfig, 'handlers' | 'shops'>;
  store: Store;
  logger: Logger;
  /** Default `createShopRenterClient` from @srhooks/client. */
  createClient?: ShopClientFactory;
  /** Where `log` handlers write; default process.stdout. */
  logWrite?: (line: string) => void;
  /** Per-handler attempt metrics are recorded here when given (the receiver passes `app.metrics`). */
  metrics?: ReceiverMetrics;
  /** Where broker handlers' `${VAR}` references are read; default process.env. */
  env?: Env;
  /** Shops not in `config.shops` (app mode's installed shops), for `ctx.client`. */
  shopLookup?: (shop: string) => ShopConfig | undefined;
  /** How a shop's credential and scope failures are worded in `ctx.client` and `verify` (app mode). */
  failureAdvice?: ShopFailureAdvice;
}

export function createJobWorker(options: CreateJobWorkerOptions): JobWorker {
  const {
    config,
    store,
    logger,
    createClient,
    logWrite,
    metrics,
    env,
    shopLookup,
    failureAdvice,
    ...workerOptions
  } = options;
  const clients = new ShopClients(config.shops, createClient, shopLookup, failureAdvice);
  const runners = createHandlerRunners({
    handlers: config.handlers,
    clients,
    logger,
    ...(logWrite ? { logWrite } : {}),
    ...(env ? { env } : {}),
  });
  const verifier = createEventVerifier(config.shops, clients);
  return new JobWorker({
    ...workerOptions,
    // once the receiver shuts down, a store call PostgreSQL leaves unanswered is given up after a grace
    store: store.forBackgroundWork?.() ?? store,
    runners: metrics ? instrumentRunners(runners, metrics) : runners,
    ...(metrics && !workerOptions.onDecision ? { onDecision: countAttemptDecision(metrics) } : {}),
    logger,
    ...(verifier ? { verifier } : {}),
  });
}

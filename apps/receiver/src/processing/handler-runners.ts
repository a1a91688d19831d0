/**
 * Builds the worker's handler runners from the `handlers` section of srhooks.config.json:
 * `forward` (signed POST), `module` (user ESM file), `log` (JSON line on stdout) and the broker types
 * `nats`, `amqp`, `redis-stream` (handlers/brokers/). Every handler
 * accepts `concurrency` and `retry: {delays, jitter, maxRetryAfter}`; bad values stop start-up with a
 * ProcessingConfigError naming the key.
 */
import type { Logger } from 'pino';
import type { HandlerConfig } from '../config/config-schema.js';
import type { HandlerProblem } from './handler-problems.js';
import type { HandlerRunner } from './handler-runner.js';
import { createBrokerRunner } from './handlers/brokers/broker-runner.js';
import { type Env, forwardTarget } from './handlers/brokers/env-reference.js';
import { createForwardHandler } from './handlers/forward.js';
import { createLogHandler } from './handlers/log.js';
import { createModuleHandler } from './handlers/module.js';
import { ProcessingConfigError } from './processing-errors.js';
import {
  DEFAULT_RETRY_SCHEDULE,
  type RetrySchedule,
  type RetryScheduleInput,
  retryScheduleFrom,
} from './retry-schedule.js';
import type { ShopClients } from './shop-clients.js';

export const DEFAULT_HANDLER_CONCURRENCY = 8;

export interface HandlerRunnersOptions {
  handlers: Readonly<Record<string, HandlerConfig>>;
  clients: ShopClients;
  logger: Logger;
  /** For handlers without `concurrency`; default 8. */
  defaultConcurrency?: number;
  /** For handlers without `retry`; default Svix's schedule. */
  defaultRetry?: RetrySchedule;
  /** Where `log` handlers write; default process.stdout. */
  logWrite?: (line: string) => void;
  /** Where broker and forward handlers' `${VAR}` references are read; default process.env. */
  env?: Env;
}

export function createHandlerRunners(options: HandlerRunnersOptions): HandlerRunner[] {
  return Object.entries(options.handlers).map(([name, config]) => createHandlerRunner(name, config, options));
}

function createHandlerRunner(
  name: string,
  config: HandlerConfig,
  options: HandlerRunnersOptions,
): HandlerRunner {
  const where = `handlers.${name}`;
  const retry = retryScheduleFrom(
    (config as { retry?: RetryScheduleInput }).retry,
    `${where}.retry`,
    options.defaultRetry ?? DEFAULT_RETRY_SCHEDULE,
  );
  const concurrency = config.concurrency ?? options.defaultConcurrency ?? DEFAULT_HANDLER_CONCURRENCY;
  const base = { name, type: config.type, concurrency, retry };
  switch (config.type) {
    case 'forward': {
      const target = forwardTarget(name, config, options.env ?? process.env);
      const run = createForwardHandler({
        name,
        url: target.url,
        secret: target.secret,
        ...(config.allowPrivateTargets === undefined
          ? {}
          : { allowPrivateTargets: config.allowPrivateTargets }),
        ...(config.timeoutMs === undefined ? {} : { timeoutMs: config.timeoutMs }),
      });
      return { ...base, run, close: () => run.close() };
    }
    case 'module': {
      const run = createModuleHandler({
        name,
        path: config.path,
        logger: options.logger,
        clients: options.clients,
        ...(config.timeoutMs === undefined ? {} : { timeoutMs: config.timeoutMs }),
      });
      return { ...base, run, check: async () => void (await run.load()), close: () => run.close() };
    }
    case 'log': {
      const run = createLogHandler(options.logWrite ? { write: options.logWrite } : {});
      return { ...base, run };
    }
    case 'nats':
    case 'amqp':
    case 'redis-stream': {
      const broker = createBrokerRunner(name, config, options.env ?? process.env, options.logger);
      // the failed attempts in a row since the last success: what the handlers list says while they last
      let failing: HandlerProblem | null = null;
      return {
        ...base,
        run: async (job) => {
          const outcome = await broker.run(job);
          if (outcome.status === 'succeeded') failing = null;
          else
            failing = {
              code: outcome.errorCode ?? 'broker_error',
              reason: outcome.error,
              since: failing?.since ?? new Date(),
            };
          return outcome;
        },
        close: () => broker.close(),
        get connected() {
          return broker.connected;
        },
        get blocked() {
          return broker.blocked;
        },
        // shown while the connection is down, or the broker said no to the last attempt over a good one
        // (refused it, or takes nothing until it has memory or disk again)
        problem: () =>
          failing &&
          (!broker.connected ||
            failing.code === 'broker_rejected' ||
            failing.code === 'broker_out_of_resources')
            ? failing
            : null,
      };
    }
    default:
      throw new ProcessingConfigError(
        `${where}.type "${(config as { type: string }).type}" is not a handler type; use forward, module, log, nats, amqp or redis-stream`,
      );
  }
}

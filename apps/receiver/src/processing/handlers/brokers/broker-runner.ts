/**
 * Builds a broker handler (`nats`, `amqp`, `redis-stream`) from its validated config: resolves the
 * `${VAR}` references from the environment (an unset variable stops start-up naming the key) and
 * hands the resolved secrets to the handler so its error texts never carry them.
 */
import type { Logger } from 'pino';
import type { HandlerConfig } from '../../../config/config-schema.js';
import { parseDuration } from '../../duration.js';
import { createAmqpHandler } from './amqp.js';
import type { BrokerHandler } from './broker-handler.js';
import { brokerSecretValues, type Env, resolveEnvReferences } from './env-reference.js';
import { createNatsHandler } from './nats.js';
import { createRedisStreamHandler } from './redis-stream.js';

export type BrokerHandlerConfig = Extract<HandlerConfig, { type: 'nats' | 'amqp' | 'redis-stream' }>;

export function createBrokerRunner(
  name: string,
  config: BrokerHandlerConfig,
  env: Env,
  logger?: Logger,
): BrokerHandler {
  const where = `handlers.${name}`;
  const secrets = brokerSecretValues({ [name]: config }, env);
  const resolve = (value: string, key: string) => resolveEnvReferences(value, env, `${where}.${key}`);
  const optional = (value: string | undefined, key: string) =>
    value === undefined ? {} : { [key]: resolve(value, key) };
  const timing = {
    ...(config.timeoutMs === undefined ? {} : { timeoutMs: config.timeoutMs }),
    ...(config.probeIntervalMs === undefined ? {} : { probeIntervalMs: config.probeIntervalMs }),
  };
  switch (config.type) {
    case 'nats': {
      const servers = [config.servers].flat().map((server, index) => resolve(server, `servers[${index}]`));
      const ensure = config.ensureStream;
      return createNatsHandler({
        name,
        servers,
        ...(config.subject === undefined ? {} : { subject: config.subject }),
        ...optional(config.user, 'user'),
        ...optional(config.password, 'password'),
        ...optional(config.token, 'token'),
        ...(ensure
          ? {
              ensureStream: {
                name: ensure.name,
                ...(ensure.subjects ? { subjects: ensure.subjects } : {}),
                ...(ensure.duplicateWindow === undefined
                  ? {}
                  : { duplicateWindowMs: parseDuration(ensure.duplicateWindow) ?? undefined }),
                ...(ensure.storage ? { storage: ensure.storage } : {}),
              },
            }
          : {}),
        ...timing,
        secrets,
        ...(logger ? { logger } : {}),
      });
    }
    case 'amqp':
      return createAmqpHandler({
        name,
        url: resolve(config.url, 'url'),
        exchange: config.exchange,
        ...(config.routingKey === undefined ? {} : { routingKey: config.routingKey }),
        ...timing,
        secrets,
        ...(logger ? { logger } : {}),
      });
    case 'redis-stream':
      return createRedisStreamHandler({
        name,
        url: resolve(config.url, 'url'),
        ...(config.stream === undefined ? {} : { stream: config.stream }),
        ...(config.maxLen === undefined ? {} : { maxLen: config.maxLen }),
        ...timing,
        secrets,
        ...(logger ? { logger } : {}),
      });
  }
}

/**
 * The client package each broker handler type loads (lazily, on its first connection: see
 * lazy-dependency.ts). At start-up the receiver only *resolves* the packages of the broker handlers it
 * has (finds their files, evaluates nothing), so a missing client stops the start naming the handler and
 * the package, instead of showing up later as failed job attempts. A receiver without broker handlers
 * resolves none of them.
 */
import type { HandlerConfig } from '../../../config/config-schema.js';
import { resolveDependency } from '../../../lazy-dependency.js';
import { ProcessingError } from '../../processing-errors.js';
import type { BrokerHandlerConfig } from './broker-runner.js';

/** Handler type → the packages its handler module loads with `lazyDependency`. */
export const BROKER_CLIENT_PACKAGES: Readonly<Record<BrokerHandlerConfig['type'], readonly string[]>> = {
  nats: ['@nats-io/transport-node', '@nats-io/jetstream'],
  amqp: ['amqplib'],
  'redis-stream': ['ioredis'],
};

/** Where a package id resolves to (throws when it cannot be found); default the lazy loader's own resolution. */
export type ResolvePackage = (id: string) => string;

/** A configured broker handler's client package cannot be found where the receiver runs. */
export class BrokerClientMissingError extends ProcessingError {
  constructor(
    readonly handler: string,
    readonly handlerType: string,
    readonly packageName: string,
  ) {
    super(
      'broker_client_missing',
      `handlers.${handler}: the ${handlerType} handler "${handler}" needs the package ${packageName}, which cannot be ` +
        `found where the receiver runs; install it (npm install ${packageName}, or pnpm add ${packageName}, ` +
        `next to the receiver) or remove the handler, then start again`,
    );
  }
}

function isBrokerHandler(handler: HandlerConfig): handler is BrokerHandlerConfig {
  return Object.hasOwn(BROKER_CLIENT_PACKAGES, handler.type);
}

/**
 * Resolves (does not load) the client packages of every configured broker handler; throws a
 * {@link BrokerClientMissingError} for the first one that cannot be found.
 */
export function checkBrokerClientPackages(
  handlers: Readonly<Record<string, HandlerConfig>>,
  resolvePackage: ResolvePackage = resolveDependency,
  packages: Readonly<Record<BrokerHandlerConfig['type'], readonly string[]>> = BROKER_CLIENT_PACKAGES,
): void {
  const resolved = new Set<string>();
  for (const [name, handler] of Object.entries(handlers)) {
    if (!isBrokerHandler(handler)) continue;
    for (const id of packages[handler.type]) {
      if (resolved.has(id)) continue;
      try {
        resolvePackage(id);
      } catch {
        throw new BrokerClientMissingError(name, handler.type, id);
      }
      resolved.add(id);
    }
  }
}

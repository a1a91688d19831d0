/**
 * Loads an optional-at-run-time dependency (a broker client, the PostgreSQL driver) on first use
 * instead of at start-up: a receiver on SQLite without broker handlers never evaluates `pg`,
 * `ioredis`, `amqplib` or the NATS client (together about a quarter of a second of CPU per start,
 * and every `srhooks listen`). They are CommonJS packages, so a synchronous `require` serves the
 * callers that construct them synchronously (a `PgStore`, a pool); the types stay `import type`.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** A function returning the module `id`, required (and cached by Node) the first time it is called. */
export function lazyDependency<Module>(id: string): () => Module {
  let loaded: Module | undefined;
  return () => {
    loaded ??= require(id) as Module;
    return loaded;
  };
}

/**
 * Where `id` would be loaded from by {@link lazyDependency} (the same resolution), without evaluating
 * it; throws (`MODULE_NOT_FOUND`) when it cannot be found.
 */
export function resolveDependency(id: string): string {
  return require.resolve(id);
}

import { PgStore, type PgStoreOptions } from './postgres/pg-store.js';
import { SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export type StoreConfig = ({ kind: 'sqlite' } & SqliteStoreOptions) | ({ kind: 'postgres' } & PgStoreOptions);

/**
 * Opens the configured engine. SQLite: the file is opened (directories created) and migrated right away,
 * so a bad path throws here. PostgreSQL: nothing is contacted yet; migrations run on `migrate()` or before
 * the first operation, so an unreachable server shows up as StoreUnavailableError from those calls.
 */
export function createStore(config: StoreConfig): Store {
  if (config.kind === 'postgres') {
    const { kind: _kind, ...options } = config;
    return new PgStore(options);
  }
  const { kind: _kind, ...options } = config;
  return new SqliteStore(options);
}

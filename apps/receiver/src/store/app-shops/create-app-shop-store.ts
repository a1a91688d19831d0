import { PgStore } from '../postgres/pg-store.js';
import { SqliteStore } from '../sqlite/sqlite-store.js';
import type { Store } from '../store.js';
import { StoreConfigError } from '../store-errors.js';
import type { AppShopStore } from './app-shop-store.js';
import { PgAppShopStore } from './pg-app-shop-store.js';
import { SqliteAppShopStore } from './sqlite-app-shop-store.js';

/** The app shop store on the same database as `store` (which must be migrated). */
export function createAppShopStore(store: Store): AppShopStore {
  if (store instanceof SqliteStore) return new SqliteAppShopStore(store.file);
  if (store instanceof PgStore) return new PgAppShopStore({ url: store.url, schema: store.schema });
  throw new StoreConfigError('app mode needs the SQLite or PostgreSQL store of this package');
}

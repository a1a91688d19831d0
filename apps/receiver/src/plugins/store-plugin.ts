/**
 * Decorates the instance with the event store (`app.store`): SQLite by default, PostgreSQL
 * when `databaseUrl` is set. Migrations run before the app is ready; the store is closed
 * (pending commits finished first) when the app closes, after the server stopped accepting
 * requests and in-flight ones were answered.
 */
import { existsSync } from 'node:fs';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { ReceiverConfig } from '../config/config-schema.js';
import { withStoreTimeout } from '../ingest/store-call.js';
import { createStore } from '../store/create-store.js';
import type { PgStoreCreated } from '../store/postgres/pg-connection.js';
import { type PgSearchIndexStatus, SEARCH_INDEX_NAME } from '../store/postgres/pg-search-index.js';
import { PgStore } from '../store/postgres/pg-store.js';
import type { Store } from '../store/store.js';

declare module 'fastify' {
  interface FastifyInstance {
    store: Store;
  }
}

export interface StorePluginOptions {
  /** Use this store instead of creating one from the config; it is still migrated and closed with the app. */
  store?: Store;
}

/** Migrations may take longer than a request's store call. */
const MIGRATE_TIMEOUT_MS = 60_000;

/** The store the configuration selects. */
export function storeSelection(config: ReceiverConfig): Parameters<typeof createStore>[0] {
  if (config.databaseUrl) {
    return {
      kind: 'postgres',
      url: config.databaseUrl,
      ...(config.databaseSchema ? { schema: config.databaseSchema } : {}),
    };
  }
  return { kind: 'sqlite', file: config.db };
}

const plugin: FastifyPluginAsync<StorePluginOptions> = async (app, options) => {
  const selection = storeSelection(app.config);
  const file = options.store === undefined && selection.kind === 'sqlite' ? selection.file : undefined;
  const newSqliteFile = file !== undefined && file !== ':memory:' && !existsSync(file);
  const store = options.store ?? (await createStore(selection));
  if (newSqliteFile) {
    // A wrong SRHOOKS_DB (or a lost file) looks like a fresh install: say so, since start-up recovery then
    // stores the last days' orders again as new events and runs their handlers a second time.
    app.log.warn(
      { store: { kind: 'sqlite', file, created: true } },
      `a new, empty SQLite store was created at ${file}: if this receiver had a store before, stop it and set SRHOOKS_DB to that file (${recoveryAgain(app)})`,
    );
  }
  try {
    await withStoreTimeout('schema migration', store.migrate(), MIGRATE_TIMEOUT_MS);
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
  if (store instanceof PgStore) {
    if (store.created !== null) warnNewPgStore(app, store.created);
    logSearchIndex(app, await store.searchIndex());
  }
  app.decorate('store', store);
  app.metrics.observeStore(() => store.stats());
  if (store instanceof PgStore) app.metrics.observeChangeRelay(() => store.relayStats());
  app.addHook('onClose', async () => {
    await store.close();
  });
};

/** What start-up recovery does on a new, empty store (the same words for both engines). */
function recoveryAgain(app: FastifyInstance): string {
  return `recovery would otherwise store the last ${app.config.recoveryLookBackDays} days' orders again as new events and run their handlers again`;
}

/**
 * The PostgreSQL form of the new-store warning: a wrong SRHOOKS_DB_SCHEMA (a typo) or database in
 * DATABASE_URL creates an empty store just like a wrong SRHOOKS_DB. Names the schema and the database,
 * never the URL (it may hold a password). Recovery is not changed (as on SQLite): a real first start
 * also begins with an empty store.
 */
function warnNewPgStore(app: FastifyInstance, created: PgStoreCreated): void {
  app.log.warn(
    { store: { kind: 'postgres', schema: created.schema, database: created.database, created: true } },
    `a new, empty PostgreSQL store was created in schema "${created.schema}" of database "${created.database}": if this receiver had a store before, stop it and set SRHOOKS_DB_SCHEMA (and the database in DATABASE_URL) to where it is (${recoveryAgain(app)})`,
  );
}

/**
 * One line about the text-search index at start-up: a warning when there is none (search reads every
 * event; what to run), info when it was built or is being built (and how that build ended).
 */
function logSearchIndex(app: FastifyInstance, status: PgSearchIndexStatus): void {
  const log = app.log;
  switch (status.state) {
    case 'unavailable':
      log.warn({ searchIndex: { state: status.state, reason: status.reason } }, status.warning);
      return;
    case 'building':
      log.info(
        { searchIndex: { state: status.state } },
        `building the text-search index ${SEARCH_INDEX_NAME} concurrently in the background (until it is done, search reads every event)`,
      );
      void status.done.then((end) => {
        if (end.state === 'unavailable')
          log.warn({ searchIndex: { state: end.state, reason: end.reason } }, end.warning);
        else log.info({ searchIndex: { state: end.state } }, `text-search index ${SEARCH_INDEX_NAME} built`);
      });
      return;
    case 'built':
      log.info({ searchIndex: { state: status.state } }, `text-search index ${SEARCH_INDEX_NAME} built`);
      return;
    default:
      return;
  }
}

export const storePlugin = fp(plugin, {
  name: 'srhooks-store',
  fastify: '5.x',
  dependencies: ['srhooks-config', 'srhooks-metrics'],
});

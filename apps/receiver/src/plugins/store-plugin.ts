/**
 * Decorates the instance with the event store (`app.store`): SQLite by default, PostgreSQL
 * when `databaseUrl` is set. Migrations run before the app is ready (PostgreSQL: before this plugin
 * loads, openMigratedPgStore, called by buildReceiver); the store is closed
 * (pending commits finished first) when the app closes, after the server stopped accepting
 * requests and in-flight ones were answered. A SQLite file is locked for the receiver's lifetime
 * (one receiver per file, store/sqlite/receiver-lock.ts), before the store opens it.
 */
import { existsSync } from 'node:fs';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { DEFAULT_DATABASE_POOL_SIZE, type ReceiverConfig } from '../config/config-schema.js';
import { withStoreTimeout } from '../ingest/store-call.js';
import { createStore } from '../store/create-store.js';
import type { PgStoreCreated } from '../store/postgres/pg-connection.js';
import type { MigrationProgress } from '../store/postgres/pg-migrations.js';
import { type PgSearchIndexStatus, SEARCH_INDEX_NAME } from '../store/postgres/pg-search-index.js';
import { PgStore } from '../store/postgres/pg-store.js';
import { SqliteReceiverLock } from '../store/sqlite/receiver-lock.js';
import type { Store } from '../store/store.js';

declare module 'fastify' {
  interface FastifyInstance {
    store: Store;
    /** SQLite: this receiver's lock of the file (one receiver per file); null with PostgreSQL. */
    storeLock: SqliteReceiverLock | null;
  }
}

export interface StorePluginOptions {
  /** Use this store instead of creating one from the config; it is still migrated and closed with the app. */
  store?: Store;
}

/** SQLite migrations may take longer than a request's store call (PostgreSQL ones have no limit: below). */
const MIGRATE_TIMEOUT_MS = 60_000;
/** A PostgreSQL migration rewriting rows logs how far it got at most this often. */
const ROWS_LOG_EVERY_MS = 10_000;

/** The store the configuration selects. */
export function storeSelection(config: ReceiverConfig): Parameters<typeof createStore>[0] {
  if (config.databaseUrl) {
    return {
      kind: 'postgres',
      url: config.databaseUrl,
      ...(config.databaseSchema ? { schema: config.databaseSchema } : {}),
      poolSize: config.databasePoolSize ?? DEFAULT_DATABASE_POOL_SIZE,
    };
  }
  return { kind: 'sqlite', file: config.db, deliveryWaitMs: config.storeTimeoutMs };
}

const plugin: FastifyPluginAsync<StorePluginOptions> = async (app, options) => {
  const selection = storeSelection(app.config);
  const file = options.store === undefined && selection.kind === 'sqlite' ? selection.file : undefined;
  const newSqliteFile = file !== undefined && file !== ':memory:' && !existsSync(file);
  // One receiver per SQLite file: refused (StoreInUseError) while another receiver process holds its lock.
  // Locked before the store opens it, so a refused receiver does not touch (or migrate) a file in use.
  const lockedFile = options.store === undefined ? file : sqliteFileOf(options.store);
  const lock =
    lockedFile !== undefined && lockedFile !== ':memory:' ? SqliteReceiverLock.acquire(lockedFile) : null;
  let store: Store;
  try {
    store = options.store ?? (await createStore(selection));
  } catch (error) {
    lock?.release();
    throw error;
  }
  if (newSqliteFile) {
    // A wrong SRHOOKS_DB (or a lost file) looks like a fresh install: say so, since start-up recovery then
    // stores the last days' orders again as new events and runs their handlers a second time.
    app.log.warn(
      { store: { kind: 'sqlite', file, created: true } },
      `a new, empty SQLite store was created at ${file}: if this receiver had a store before, stop it and set SRHOOKS_DB to that file (${recoveryAgain(app)})`,
    );
  }
  try {
    if (store instanceof PgStore) await store.migrate(migrationLogger(app));
    else await withStoreTimeout('schema migration', store.migrate(), MIGRATE_TIMEOUT_MS);
  } catch (error) {
    await store.close().catch(() => {});
    lock?.release();
    throw error;
  }
  // SQLite's writer thread starts now, not on the first delivery (whose answer would wait for it).
  (store as Store).warmUp?.();
  if (store instanceof PgStore) {
    if (store.created !== null) warnNewPgStore(app, store.created);
    logSearchIndex(app, await store.searchIndex());
  }
  // Search texts an older search text rule composed are composed again in the background: said when done.
  void store.searchTextsRebuilt?.().then((rebuilt) => {
    if (rebuilt === null) return;
    app.log.info(
      { searchTexts: { ...rebuilt, ms: Math.round(rebuilt.ms) } },
      `stored search texts composed again by search text rule ${rebuilt.to} (the store was at ${rebuilt.from}): ${rebuilt.rewritten} of ${rebuilt.rows} events changed in ${Math.round(rebuilt.ms)} ms; searches find them by the forms the rule added from now on`,
    );
  });
  app.decorate('store', store);
  app.decorate('storeLock', lock);
  app.metrics.observeStore(() => store.stats());
  if (store instanceof PgStore) app.metrics.observeChangeRelay(() => store.relayStats());
  // The shutdown has begun: from now on the background work's store calls are bounded (Store.forBackgroundWork).
  // Before the job worker and recovery are told to stop (their preClose hooks are registered after this one).
  app.addHook('preClose', (done) => {
    store.beginShutdown?.();
    done();
  });
  app.addHook('onClose', async () => {
    try {
      await store.close();
    } finally {
      // after the store's last commit: the next receiver must not start while this one still writes
      lock?.release();
    }
  });
};

/**
 * PostgreSQL: the store is opened and migrated before the store plugin loads (buildReceiver calls this
 * between plugins), since Fastify fails a plugin that takes longer than 10 s to load (measured: a
 * migration of 200,000 events takes 12-18 s) and a limit on the whole migration fails a large store's
 * upgrade at every start. No limit instead: every step reports progress (logged), the steps that must not
 * hold the other receivers off commit as they go, and a server gone away fails the migration's connection.
 * Returns the store to hand to the plugin (which finds it migrated); SQLite: nothing is opened here.
 */
export async function openMigratedPgStore(app: FastifyInstance, given?: Store): Promise<Store | undefined> {
  const selection = storeSelection(app.config);
  if (given === undefined && selection.kind !== 'postgres') return undefined;
  const store = given ?? (await createStore(selection));
  if (!(store instanceof PgStore)) return store;
  try {
    await store.migrate(migrationLogger(app));
  } catch (error) {
    if (given === undefined) await store.close().catch(() => {});
    throw error;
  }
  return store;
}

/** One line per version and index, and how many rows a rewrite read every ROWS_LOG_EVERY_MS. */
function migrationLogger(app: FastifyInstance): (progress: MigrationProgress) => void {
  let rowsLoggedAt = 0;
  return (progress) => {
    switch (progress.step) {
      case 'waiting-for-lock':
        app.log.info(
          { migration: progress },
          "another receiver holds this PostgreSQL store's migration lock (it migrates the store, or checks its schema version at its own start): waiting for it",
        );
        return;
      case 'version':
        // the version only (its name is in pg-migration-list.ts and schema_migrations)
        app.log.info(
          { migration: { step: progress.step, version: progress.version } },
          `applying schema migration ${progress.version}`,
        );
        return;
      case 'index':
        app.log.info(
          { migration: progress },
          `schema migration ${progress.version}: building index ${progress.index}${progress.concurrently ? ' concurrently (other receivers keep writing)' : ''}`,
        );
        return;
      case 'rows':
        if (Date.now() - rowsLoggedAt < ROWS_LOG_EVERY_MS) return;
        rowsLoggedAt = Date.now();
        app.log.info(
          { migration: progress },
          `schema migration ${progress.version}: ${progress.rows} rows read`,
        );
        return;
      case 'running':
        app.log.info(
          { migration: progress },
          `schema migration still running${progress.wait === null ? '' : ` (waiting: ${progress.wait})`}`,
        );
        return;
      case 'version-done':
        app.log.info(
          { migration: { ...progress, ms: Math.round(progress.ms) } },
          `schema migration ${progress.version} applied in ${Math.round(progress.ms)} ms`,
        );
        return;
    }
  };
}

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
 * buildReceiver failed after the store plugin ran (a later plugin refused the config): closes the store
 * and releases its SQLite lock, as the app's onClose would have (it never runs for an app not started).
 */
export async function closeStoreAfterFailedStart(app: FastifyInstance): Promise<void> {
  if (!app.hasDecorator('store')) return;
  await app.store.close().catch(() => {});
  app.storeLock?.release();
}

/** The SQLite file behind a store (a wrapped SqliteStore too), undefined for PostgreSQL. */
function sqliteFileOf(store: Store): string | undefined {
  if (store.kind !== 'sqlite') return undefined;
  const file = (store as { file?: unknown }).file;
  return typeof file === 'string' ? file : undefined;
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

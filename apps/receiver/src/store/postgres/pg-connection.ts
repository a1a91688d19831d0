/**
 * The PostgreSQL store's connection layer: the pool and the client class every connection is opened
 * with, the runner that makes string parameters storable as PostgreSQL text, and the helpers every
 * operation goes through (`run`: refuse after close, migrate once, map connectivity errors, be awaited
 * by close; `transaction`: one write transaction on a dedicated connection, changes announced after
 * COMMIT). `PgConnection` is the small internal context the ingest, job, read and admin modules share
 * with `PgStore`; it is not part of the store's public API.
 */
import type pg from 'pg';
import type { Row, RowCodec } from '../row-mapping.js';
import { dollarParams, type SqlDialect } from '../sql-params.js';
import type { StoreChange, StoreStats } from '../store.js';
import { StoreUnavailableError } from '../store-errors.js';
import { emptyStoreStats, recordCommit } from '../store-stats.js';
import { pgDriver } from './pg-driver.js';
import { isPgUnavailable, mapPgError } from './pg-errors.js';
import { applyPgMigrations, type MigrationProgress, PG_MIGRATIONS } from './pg-migrations.js';
import { withOpenTracking } from './pg-open-clients.js';
import { ensurePgSearchIndex, type PgSearchIndexStatus } from './pg-search-index.js';
import { withSessionSetUp } from './pg-session-set-up.js';
import { pgSetupError } from './pg-setup-errors.js';
import type { PgStoreOptions } from './pg-store.js';
import { pgValues } from './pg-text.js';

export const codec: RowCodec = {
  date: (value) => (value instanceof Date ? value : new Date(String(value))),
  json: (value) => value,
  bool: (value) => value === true,
};

export const dialect: SqlDialect = {
  params: dollarParams,
  time: (value) => value,
  textSet: (params, values) => `SELECT unnest(${params.add(values)}::text[])`,
};

export interface WriteContext {
  client: SqlRunner;
  changes: StoreChange[];
}

export function at(date: Date | undefined): Date {
  return date ?? new Date();
}

/**
 * Whose clock times job leases (when a lease ends, whether it has ended) and due times (when a new,
 * retried, released or replayed job becomes due, whether it is). 'server': the database server's (the
 * default): several receivers share the jobs and their host clocks may differ, so one clock decides for
 * all of them. 'caller': the `now` each call passes (a retry's own `retryAt`, a delivery's
 * `receivedAt`), as on SQLite; only for tests that move time by passing `now` (e.g. the store contract).
 */
export type JobClock = 'server' | 'caller';

/**
 * The job clock's time in SQL: `$n` is the caller's time with JobClock 'caller', NULL with 'server'
 * (then `statement_timestamp()`, when the server received the statement).
 */
export const jobClockNow = (param: string) => `COALESCE(${param}::timestamptz, statement_timestamp())`;
/** The job clock's time plus `$ms` milliseconds, in SQL. */
export const jobClockPlus = (nowParam: string, msParam: string) =>
  `${jobClockNow(nowParam)} + ${msParam}::double precision * interval '1 millisecond'`;

/** A runner whose string parameters are made storable in PostgreSQL text (see pgText). */
export interface SqlRunner {
  query(text: string | pg.QueryConfig, values?: unknown[]): Promise<pg.QueryResult<Row>>;
}

export function cleanTextRunner(target: pg.Pool | pg.PoolClient | pg.Client): SqlRunner {
  return {
    query: (text, values) =>
      typeof text === 'string'
        ? target.query<Row>(text, pgValues(values ?? []))
        : target.query<Row>({ ...text, values: pgValues(text.values ?? []) }),
  };
}

/**
 * A pooled connection that can never take the process down. pg-pool listens for a client's 'error'
 * only while the client is idle in the pool (and pool.query only during its query): a client checked
 * out and held across several queries (a job transaction, the migrations) has no listener between
 * them, and a backend terminated or a connection cut right then emitted an unhandled 'error' that
 * ended the process. This listener stays for the client's whole life; the error is kept, so the
 * client is released as broken (the pool drops it and opens a fresh one for the next caller).
 */
export interface StoreClient extends pg.Client {
  /** The error the connection was lost with; null while it holds. */
  lostWith: unknown;
}

type StoreClientClass = new (config?: pg.ClientConfig) => StoreClient;

let madeStoreClientClass: StoreClientClass | null = null;

/** The {@link StoreClient} class (it extends the driver's Client, so it is made on first use). */
export function storeClientClass(): StoreClientClass {
  madeStoreClientClass ??= class StoreClient extends pgDriver().Client {
    lostWith: unknown = null;

    constructor(config?: pg.ClientConfig) {
      super(config);
      this.on('error', (error) => {
        this.lostWith ??= error;
      });
    }
  };
  return madeStoreClientClass;
}

/** A new, unconnected {@link StoreClient}. */
export function newStoreClient(config?: pg.ClientConfig): StoreClient {
  return new (storeClientClass())(config);
}

/**
 * Closes a connection's socket at once (node-pg's end() waits for the server's goodbye, which a server
 * that went silent never sends): the query in flight fails with "Connection terminated".
 */
function cutConnection(client: pg.Client): void {
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

/** Returns a checked-out client to the pool; broken (dropped) when it failed or lost its connection. */
export function releaseClient(client: pg.PoolClient, broken: boolean): void {
  client.release(broken || (client as unknown as StoreClient).lostWith !== null);
}

/**
 * The pool, the commit statistics, the in-flight operations and the migration state of one PgStore,
 * with the helpers every operation runs through. `emit` announces committed changes (PgStore's feed
 * and relay).
 */
/** Where a new, empty store was created: the schema and the database (names only, never the URL). */
export interface PgStoreCreated {
  schema: string;
  database: string;
}

/** The first migration creates the tables: applying it means the store was empty. */
const FIRST_VERSION = Math.min(...PG_MIGRATIONS.map((migration) => migration.version));

export class PgConnection {
  readonly schema: string | null;
  readonly pool: pg.Pool;
  /** What every connection of this store is opened with (the pool's, and a recovery's fresh one). */
  readonly clientConfig: pg.ClientConfig;
  readonly db: SqlRunner;
  readonly stats: StoreStats = emptyStoreStats();
  readonly emit: (changes: StoreChange[]) => void;
  readonly jobClock: JobClock;
  readonly #inFlight = new Set<Promise<unknown>>();
  #migrated: Promise<void> | null = null;
  #closed = false;
  /** The start-up step's outcome (pg-search-index.ts), once migrations ran. */
  #searchIndex: Promise<PgSearchIndexStatus> | null = null;
  /** The backend running a background index build, cancelled by close (drain). */
  #buildBackend: number | null = null;
  /** Connections of its own this store has open besides the pool's (the index step's): PgStore.close cuts them. */
  readonly ownClients = new Set<StoreClient>();
  /** The pool's connections, a connect in flight included, until their socket closes (PgStore.close ends them). */
  readonly poolClients = new Set<pg.Client>();
  readonly #searchIndexInlineMaxBytes: number | undefined;
  readonly #migrationIndexInlineMaxBytes: number | undefined;
  readonly #migrationCheckMs: number;
  readonly #lockIdleTimeoutMs: number | undefined;
  #created: PgStoreCreated | null = null;

  constructor(options: PgStoreOptions, schema: string | null, emit: (changes: StoreChange[]) => void) {
    this.schema = schema;
    this.emit = emit;
    this.jobClock = options.jobClock ?? 'server';
    this.#searchIndexInlineMaxBytes = options.searchIndexInlineMaxBytes;
    this.#migrationIndexInlineMaxBytes = options.migrationIndexInlineMaxBytes;
    this.#migrationCheckMs = options.migrationCheckMs ?? 15_000;
    this.#lockIdleTimeoutMs = options.lockIdleTimeoutMs;
    const connectTimeoutMs = options.connectTimeoutMs ?? 2000;
    /** pg-pool uses one timeout for both queueing and connecting; this client keeps the connect one short. */
    // A transaction of this receiver left open on the server when it is cut off silently (a NAT or firewall
    // dropping the flow) would hold its row locks — a job row every other receiver's claim then skips —
    // until the server's TCP keepalive gives up (hours): the server ends such a session instead. The store's
    // transactions never wait between statements on anything but the database.
    const idleInTransactionMs = Math.max(1000, Math.floor(options.idleInTransactionTimeoutMs ?? 60_000));
    const SetUpStoreClient = withOpenTracking(
      withSessionSetUp(
        storeClientClass(),
        `SET idle_in_transaction_session_timeout = ${idleInTransactionMs}`,
      ),
      this.poolClients,
    );
    class PooledStoreClient extends SetUpStoreClient {
      constructor(config?: pg.ClientConfig) {
        super({ ...config, connectionTimeoutMillis: connectTimeoutMs });
      }
    }
    const sessionOptions = [
      ...(this.schema === null ? [] : [`-c search_path=${this.schema}`]),
      // Read by srhooks_job_due (pg-job-clock-migration.ts): new jobs due at the time the caller passed.
      ...(this.jobClock === 'caller' ? ['-c srhooks.job_clock=caller'] : []),
    ];
    this.clientConfig = {
      connectionString: options.url,
      connectionTimeoutMillis: connectTimeoutMs,
      query_timeout: options.queryTimeoutMs ?? 10_000,
      keepAlive: true,
      application_name: 'srhooks-receiver',
      ...(sessionOptions.length === 0 ? {} : { options: sessionOptions.join(' ') }),
    };
    this.pool = new (pgDriver().Pool)({
      ...this.clientConfig,
      max: options.poolSize ?? 10,
      Client: PooledStoreClient,
      connectionTimeoutMillis: Math.max(options.acquireTimeoutMs ?? 10_000, connectTimeoutMs),
    });
    // An idle connection that breaks (server restart) is dropped by the pool; the next query reconnects.
    this.pool.on('error', () => {});
    this.db = cleanTextRunner(this.pool);
  }

  /** The job clock's `now` parameter (see jobClockNow): the caller's time, or null for the server's. */
  callerTime(now: Date): Date | null {
    return this.jobClock === 'caller' ? now : null;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Where this store's migrations created the tables (a new, empty store); null when they existed already. */
  get created(): PgStoreCreated | null {
    return this.#created;
  }

  async migrate(onProgress?: (progress: MigrationProgress) => void): Promise<void> {
    if (this.#closed) throw new StoreUnavailableError('the PostgreSQL store is closed');
    await this.#applyMigrations(onProgress);
    this.#migrated = Promise.resolve();
    await this.searchIndex();
  }

  /**
   * Refuses new operations and waits for those in flight (the first step of PgStore.close); a background
   * index build is cancelled (its INVALID index is dropped and built again at the next start).
   */
  async drain(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#inFlight]);
    const backend = this.#buildBackend;
    if (backend !== null) {
      await this.pool.query('SELECT pg_cancel_backend($1)', [backend]).catch(() => {});
      const status = await this.#searchIndex?.catch(() => null);
      if (status?.state === 'building') await status.done.catch(() => {});
    }
  }

  /**
   * The text-search index step's outcome at this start (after the migrations; see pg-search-index.ts).
   * Never rejects: a failure of the step is an `unavailable` status with its warning.
   */
  async searchIndex(): Promise<PgSearchIndexStatus> {
    await this.#ensureMigrated();
    this.#searchIndex ??= this.#startSearchIndex();
    return this.#searchIndex;
  }

  /**
   * Runs the index step on a connection of its own without a query timeout (a concurrent build may run
   * for minutes). Resolves when the step ends, or as soon as a concurrent build starts (status
   * `building`, whose `done` settles when the build does and the connection is closed).
   */
  #startSearchIndex(): Promise<PgSearchIndexStatus> {
    const { query_timeout: _none, ...config } = this.clientConfig;
    const client = newStoreClient(config);
    this.ownClients.add(client);
    return new Promise<PgSearchIndexStatus>((resolve) => {
      const done = (async (): Promise<PgSearchIndexStatus> => {
        try {
          await client.connect();
          const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
          return await ensurePgSearchIndex(client, {
            schema: this.schema,
            ...(this.#searchIndexInlineMaxBytes === undefined
              ? {}
              : { inlineMaxBytes: this.#searchIndexInlineMaxBytes }),
            ...(this.#lockIdleTimeoutMs === undefined ? {} : { lockIdleTimeoutMs: this.#lockIdleTimeoutMs }),
            onBackgroundBuild: () => {
              this.#buildBackend = pid ?? null;
              resolve({ state: 'building', done });
            },
          });
        } catch (error) {
          return {
            state: 'unavailable',
            reason: 'failed',
            warning: `PostgreSQL text search reads every event: its index step failed (${error instanceof Error ? error.message : String(error)}); the next start tries again`,
          };
        } finally {
          this.#buildBackend = null;
          await client.end().catch(() => {});
          this.ownClients.delete(client);
        }
      })();
      void done.then(resolve);
    });
  }

  committed(items: number, durationMs: number): void {
    recordCommit(this.stats, items, durationMs);
  }

  async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw mapPgError(error);
    }
  }

  /**
   * Runs one write transaction on a dedicated connection; changes are announced after COMMIT. `items`:
   * how many writes it committed, for the store stats (default one; a spool drain batch stores many
   * deliveries in one).
   */
  async transaction<T>(
    work: (context: WriteContext) => Promise<T>,
    options: { items?: (value: T) => number } = {},
  ): Promise<T> {
    return this.run(async () => {
      const client = await this.connect();
      let broken = false;
      try {
        const started = performance.now();
        await client.query('BEGIN');
        const changes: StoreChange[] = [];
        let value: T;
        try {
          value = await work({ client: cleanTextRunner(client), changes });
          await client.query('COMMIT');
        } catch (error) {
          broken = isPgUnavailable(error);
          if (!broken) await client.query('ROLLBACK').catch(() => {});
          throw error;
        }
        this.committed(options.items?.(value) ?? 1, performance.now() - started);
        this.emit(changes);
        return value;
      } catch (error) {
        broken ||= isPgUnavailable(error);
        throw error;
      } finally {
        releaseClient(client, broken);
      }
    });
  }

  /** Every operation: refuses after close, applies migrations once, maps connectivity errors, is awaited by close(). */
  async run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreUnavailableError('the PostgreSQL store is closed');
    const pending = (async () => {
      await this.#ensureMigrated();
      return operation();
    })();
    this.#inFlight.add(pending);
    try {
      return await pending;
    } catch (error) {
      throw mapPgError(error);
    } finally {
      this.#inFlight.delete(pending);
    }
  }

  /**
   * The first contact with the server: a refusal a setting causes says what to fix (pg-setup-errors.ts).
   * The migrations run on a connection of their own without the query timeout (like the index step): a
   * version may wait for the migration lock while another instance migrates, or for locks, and build
   * indexes or rewrite rows for minutes on a large store; cutting it off at the query timeout failed the
   * start of every receiver whose store needed longer (and the waiting second instance's). Instead a
   * watchdog asks the server about the migration's backend every `migrationCheckMs` on a pooled
   * connection (with the query timeout): its state is reported as progress (`running`), and when the
   * server does not answer twice in a row, or the backend is gone, the migration's connection is cut, so
   * the start fails (StoreUnavailableError) instead of waiting without end for a server that went silent.
   */
  async #applyMigrations(onProgress?: (progress: MigrationProgress) => void): Promise<void> {
    const { query_timeout: _none, ...config } = this.clientConfig;
    const client = newStoreClient({ ...config, keepAliveInitialDelayMillis: 10_000 });
    let watchdog: { stop(): void } | null = null;
    try {
      await client.connect();
      const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      if (pid !== undefined) watchdog = this.#watchMigration(client, pid, onProgress);
    } catch (error) {
      cutConnection(client);
      await client.end().catch(() => {});
      throw pgSetupError(error, this.clientConfig.connectionString ?? '', this.schema) ?? mapPgError(error);
    }
    try {
      const applied = await applyPgMigrations(client, this.schema, PG_MIGRATIONS, {
        ...(this.#migrationIndexInlineMaxBytes === undefined
          ? {}
          : { indexInlineMaxBytes: this.#migrationIndexInlineMaxBytes }),
        ...(onProgress === undefined ? {} : { onProgress }),
      });
      if (applied.includes(FIRST_VERSION)) {
        const { rows } = await client.query<PgStoreCreated>(
          'SELECT current_schema() AS schema, current_database() AS database',
        );
        this.#created = rows[0] ?? { schema: this.schema ?? 'public', database: '' };
      }
    } catch (error) {
      throw pgSetupError(error, this.clientConfig.connectionString ?? '', this.schema) ?? mapPgError(error);
    } finally {
      watchdog?.stop();
      // Ends the session: its migration lock too, even when the unlock could not be sent.
      await client.end().catch(() => {});
    }
  }

  /** See #applyMigrations: checks on the migration's backend until stopped; cuts its connection when lost. */
  #watchMigration(
    client: StoreClient,
    pid: number,
    onProgress: ((progress: MigrationProgress) => void) | undefined,
  ): { stop(): void } {
    let stopped = false;
    let unanswered = 0;
    let timer: NodeJS.Timeout | undefined;
    const check = async () => {
      try {
        const { rows } = await this.pool.query<{ state: string | null; wait: string | null }>(
          'SELECT state, wait_event_type AS wait FROM pg_stat_activity WHERE pid = $1',
          [pid],
        );
        unanswered = 0;
        const row = rows[0];
        if (row === undefined) {
          cutConnection(client);
          return;
        }
        if (!stopped) onProgress?.({ step: 'running', state: row.state, wait: row.wait });
      } catch {
        unanswered += 1;
        if (unanswered >= 2) {
          cutConnection(client);
          return;
        }
      }
      if (!stopped) timer = setTimeout(() => void check(), this.#migrationCheckMs);
    };
    timer = setTimeout(() => void check(), this.#migrationCheckMs);
    return {
      stop: () => {
        stopped = true;
        clearTimeout(timer);
      },
    };
  }

  #ensureMigrated(): Promise<void> {
    if (this.#migrated === null) {
      this.#migrated = this.#applyMigrations().catch((error: unknown) => {
        this.#migrated = null;
        throw error;
      });
    }
    return this.#migrated;
  }
}

import type pg from 'pg';
import { refreshEventStatusSql } from '../event-status-sql.js';
import {
  guardLockSession,
  LOCK_IDLE_TIMEOUT_MS,
  type LockSessionGuard,
} from '../postgres/lock-session-guard.js';
import { releaseClient, storeClientClass } from '../postgres/pg-connection.js';
import { pgDriver } from '../postgres/pg-driver.js';
import { mapPgError } from '../postgres/pg-errors.js';
import { withOpenTracking } from '../postgres/pg-open-clients.js';
import { withSessionSetUp } from '../postgres/pg-session-set-up.js';
import { destroySocket, LOCK_RELEASE_WAIT_MS, settledWithin } from '../postgres/pg-shop-locks.js';
import { CLOSE_GRACE_MS } from '../postgres/pg-store.js';
import { StoreUnavailableError } from '../store-errors.js';
import type {
  AppShopRecord,
  AppShopStatus,
  AppShopStore,
  AppShopSubscription,
  LateUninstall,
  LateUninstallRefused,
  PaymentClaimQuery,
  PaymentClaimState,
  UninstallMarked,
} from './app-shop-store.js';
import { KEPT_ON_UNINSTALL_SQL, lateUninstallRefusal } from './app-shop-store.js';
import {
  holdSignal,
  INSTALL_LOCK_HOLD_MS,
  INSTALL_LOCK_WAIT_MS,
  InstallLockBusyError,
  type InstallLockOptions,
  installLockName,
  KeyedQueue,
} from './shop-install-lock.js';

interface Row {
  shop: string;
  status: AppShopStatus;
  installed_at: Date;
  app_version: string | null;
  uninstalled_at: Date | null;
  pending_reason: string | null;
  attempts: number;
  next_attempt_at: Date | null;
  subscriptions: AppShopSubscription[];
  secret_fingerprint: string | null;
  updated_at: Date;
}

function record(row: Row): AppShopRecord {
  return {
    shop: row.shop,
    status: row.status,
    installedAt: row.installed_at,
    appVersion: row.app_version,
    uninstalledAt: row.uninstalled_at,
    pendingReason: row.pending_reason,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    subscriptions: row.subscriptions,
    secretFingerprint: row.secret_fingerprint,
    updatedAt: row.updated_at,
  };
}

/** On the store's PostgreSQL database and schema, with a small pool of its own (installs are rare). */
export class PgAppShopStore implements AppShopStore {
  readonly #pool: pg.Pool;
  readonly #url: string;
  readonly #schema: string | null;
  readonly #lockIdleTimeoutMs: number;
  #closed = false;
  readonly #installQueue = new KeyedQueue();
  /** The connections holding (or waiting for) an install lock: ended by close(), which releases them. */
  readonly #lockClients = new Set<pg.Client>();
  /** The pool's connections, a connect in flight included, until their socket closes (ended by close, destroyed when silent). */
  readonly #poolClients = new Set<pg.Client>();

  constructor(options: {
    url: string;
    schema: string | null;
    /** An install lock is released by the server once its holder's connection was silent this long (default 60 s). */
    lockIdleTimeoutMs?: number;
    /** The server rolls back a transaction of this store idle this long (default 60 s; see pg-connection.ts). */
    idleInTransactionTimeoutMs?: number;
  }) {
    this.#url = options.url;
    this.#schema = options.schema;
    this.#lockIdleTimeoutMs = options.lockIdleTimeoutMs ?? LOCK_IDLE_TIMEOUT_MS;
    this.#pool = new (pgDriver().Pool)({
      connectionString: options.url,
      max: 2,
      connectionTimeoutMillis: 5000,
      query_timeout: 10_000,
      application_name: 'srhooks-receiver-app-shops',
      // Listens for its connection's errors while checked out: a connection lost inside a transaction (a
      // server restart, a network cut) fails that call, not the process with an uncaught 'error' event.
      // The server rolls back a transaction of this store left idle (see below).
      // Known from its creation (a connect in flight included), so close can end or cut it.
      Client: withOpenTracking(
        withSessionSetUp(
          storeClientClass(),
          `SET idle_in_transaction_session_timeout = ${Math.max(1000, Math.floor(options.idleInTransactionTimeoutMs ?? 60_000))}`,
        ),
        this.#poolClients,
      ),
      ...(options.schema === null ? {} : { options: `-c search_path=${options.schema}` }),
    });
    this.#pool.on('error', () => {});
    // Cut off silently inside a transaction (an uninstall, a payment's filing), this receiver would hold the
    // shop's row for hours: the server ends such a session (the Client's set-up above, as the event store's).
  }

  async #query<T extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<T>> {
    if (this.#closed) throw new StoreUnavailableError('the app shop store is closed');
    try {
      return await this.#pool.query<T>(text, values);
    } catch (error) {
      throw mapPgError(error);
    }
  }

  async #tx<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreUnavailableError('the app shop store is closed');
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw mapPgError(error);
    }
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw mapPgError(error);
    } finally {
      releaseClient(client, false); // dropped when its connection was lost
    }
  }

  async useRequestCode(key: string, expiresAt: Date, options: { now?: Date } = {}): Promise<boolean> {
    return this.#tx(async (client) => {
      await client.query('DELETE FROM app_request_codes WHERE expires_at <= $1', [options.now ?? new Date()]);
      const inserted = await client.query(
        'INSERT INTO app_request_codes (code_key, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [key, expiresAt],
      );
      return inserted.rowCount === 1;
    });
  }

  async recordInstall(
    shop: string,
    options: {
      appVersion?: string | null;
      nextAttemptAt: Date;
      now?: Date;
      resetRecoveryFailures?: boolean;
    },
  ): Promise<AppShopRecord> {
    const now = options.now ?? new Date();
    return this.#tx(async (client) => {
      const { rows } = await client.query<Row>(
        `INSERT INTO app_shops (shop, status, installed_at, app_version, uninstalled_at, pending_reason, attempts, next_attempt_at, subscriptions, updated_at, install_called_at)
         VALUES ($1, 'pending', $2, $3, NULL, 'installing', 0, $4, '[]', $2, $2)
         ON CONFLICT (shop) DO UPDATE SET status = CASE WHEN app_shops.status = 'installed' THEN 'installed' ELSE 'pending' END,
           installed_at = excluded.installed_at, app_version = excluded.app_version, uninstalled_at = NULL,
           pending_reason = 'installing', attempts = 0, next_attempt_at = excluded.next_attempt_at,
           subscriptions = CASE WHEN app_shops.status = 'installed' THEN app_shops.subscriptions ELSE '[]' END, updated_at = excluded.updated_at,
           install_called_at = excluded.install_called_at
         RETURNING *`,
        [shop, now, options.appVersion ?? null, options.nextAttemptAt],
      );
      // The failures in a row of the install before (see AppShopStore.recordInstall).
      if (options.resetRecoveryFailures !== false)
        await client.query('UPDATE recovery_state SET consecutive_failures = 0 WHERE shop = $1', [shop]);
      return record(rows[0] as Row);
    });
  }

  async markInstalled(
    shop: string,
    options: {
      subscriptions: AppShopSubscription[];
      secretFingerprint: string;
      now?: Date;
      ifInstalledAt?: Date;
    },
  ): Promise<boolean> {
    const result = await this.#query(
      `UPDATE app_shops SET status = 'installed', pending_reason = NULL, attempts = 0, next_attempt_at = NULL, subscriptions = $1::jsonb,
         secret_fingerprint = $2, updated_at = $3
       WHERE shop = $4 AND status <> 'uninstalled' AND ($5::timestamptz IS NULL OR installed_at = $5::timestamptz)`,
      [
        JSON.stringify(options.subscriptions),
        options.secretFingerprint,
        options.now ?? new Date(),
        shop,
        options.ifInstalledAt ?? null,
      ],
    );
    return result.rowCount === 1;
  }

  async markStepFailed(
    shop: string,
    options: { reason: string; nextAttemptAt: Date; now?: Date; ifInstalledAt?: Date },
  ): Promise<boolean> {
    const result = await this.#query(
      `UPDATE app_shops SET pending_reason = $1, attempts = attempts + 1, next_attempt_at = $2, updated_at = $3
       WHERE shop = $4 AND status <> 'uninstalled' AND ($5::timestamptz IS NULL OR installed_at = $5::timestamptz)`,
      [options.reason, options.nextAttemptAt, options.now ?? new Date(), shop, options.ifInstalledAt ?? null],
    );
    return result.rowCount === 1;
  }

  async markUninstalled(
    shop: string,
    options: { reason: string; now?: Date; cancelJobs?: boolean; late?: LateUninstall },
  ): Promise<UninstallMarked | LateUninstallRefused | null> {
    const now = options.now ?? new Date();
    return this.#tx(async (client) => {
      const current = await client.query<{
        status: AppShopStatus;
        uninstalled_at: Date | null;
        updated_at: Date;
        install_called_at: Date | null;
      }>(
        'SELECT status, uninstalled_at, updated_at, install_called_at FROM app_shops WHERE shop = $1 FOR UPDATE',
        [shop],
      );
      const row = current.rows[0];
      if (!row) return null;
      if (options.late) {
        const { requestCode } = options.late;
        const first =
          requestCode === null ||
          (
            await client.query(
              'INSERT INTO app_request_codes (code_key, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING',
              [requestCode.key, requestCode.expiresAt],
            )
          ).rowCount === 1;
        const refused = lateUninstallRefusal(
          {
            status: row.status,
            uninstalledAt: row.uninstalled_at?.getTime() ?? null,
            updatedAt: row.updated_at.getTime(),
            installCalledAt: row.install_called_at?.getTime() ?? null,
          },
          now.getTime(),
          first,
        );
        if (refused) return refused;
      }
      if (row.status === 'uninstalled' && row.uninstalled_at !== null) {
        return { cancelledJobs: 0, uninstalledAt: row.uninstalled_at, already: true };
      }
      await client.query(
        `UPDATE app_shops SET status = 'uninstalled', uninstalled_at = $1, pending_reason = NULL, next_attempt_at = NULL,
           subscriptions = '[]', secret_fingerprint = NULL, updated_at = $1 WHERE shop = $2`,
        [now, shop],
      );
      if (options.cancelJobs === false) return { cancelledJobs: 0, uninstalledAt: now, already: false };
      // Its recovery's failures in a row end with the install (see AppShopStore.markUninstalled).
      await client.query('UPDATE recovery_state SET consecutive_failures = 0 WHERE shop = $1', [shop]);
      const cancelled = await client.query<{ event_id: string }>(
        `UPDATE jobs SET status = 'dead', last_error = $1, last_error_summary = $1, finished_at = $2, updated_at = $2, lease_owner = NULL, lease_expires_at = NULL
         WHERE status = 'pending' AND event_id IN (SELECT id FROM events WHERE shop = $3 AND event NOT IN (${KEPT_ON_UNINSTALL_SQL}))
         RETURNING event_id`,
        [options.reason, now, shop],
      );
      for (const eventId of new Set(cancelled.rows.map((row) => row.event_id))) {
        await client.query(refreshEventStatusSql('$1'), [eventId]);
      }
      return { cancelledJobs: cancelled.rowCount ?? 0, uninstalledAt: now, already: false };
    });
  }

  async paymentClaimState(query: PaymentClaimQuery): Promise<PaymentClaimState> {
    // One statement: the binding and the filed key as of one snapshot.
    const { rows } = await this.#query<{ shop: string | null; seen: boolean }>(
      `SELECT (SELECT shop FROM app_payment_subjects WHERE subject = $1) AS shop,
         EXISTS (SELECT 1 FROM app_payment_notifications WHERE dedupe_key = $2 AND expires_at > $3) AS seen`,
      [query.subject, query.dedupeKey, query.now ?? new Date()],
    );
    return { subjectShop: rows[0]?.shop ?? null, seen: rows[0]?.seen === true };
  }

  async get(shop: string): Promise<AppShopRecord | null> {
    const { rows } = await this.#query<Row>('SELECT * FROM app_shops WHERE shop = $1', [shop]);
    return rows[0] ? record(rows[0]) : null;
  }

  async list(): Promise<AppShopRecord[]> {
    return (await this.#query<Row>('SELECT * FROM app_shops ORDER BY shop', [])).rows.map(record);
  }

  async dueSteps(options: { now?: Date; limit?: number } = {}): Promise<AppShopRecord[]> {
    const { rows } = await this.#query<Row>(
      `SELECT * FROM app_shops WHERE status <> 'uninstalled' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2`,
      [options.now ?? new Date(), options.limit ?? 50],
    );
    return rows.map(record);
  }

  /**
   * The in-process queue per shop, then a session advisory lock (hashtext of installLockName: schema and
   * shop) on a connection opened for it — not the pool's, whose two connections the work's own writes need —
   * held until `work` settles, then unlocked and the connection ended (ending it releases the lock on
   * every path; a crashed process's lock ends with its connection). `lock_timeout` bounds the wait;
   * `options.boundAcquisition` may bound taking the lock as a whole (the shutdown's grace: a silent link).
   */
  withInstallLock<T>(
    shop: string,
    work: (signal: AbortSignal) => Promise<T>,
    options: InstallLockOptions = {},
  ): Promise<T> {
    return this.#installQueue.run(shop, () => this.#advisoryLocked(shop, work, options));
  }

  async #advisoryLocked<T>(
    shop: string,
    work: (signal: AbortSignal) => Promise<T>,
    options: InstallLockOptions,
  ): Promise<T> {
    if (this.#closed) throw new StoreUnavailableError('the app shop store is closed');
    const waitMs = Math.max(1, Math.floor(options.waitMs ?? INSTALL_LOCK_WAIT_MS));
    const name = installLockName(this.#schema, shop);
    const client = new (pgDriver().Client)({
      connectionString: this.#url,
      connectionTimeoutMillis: 5000,
      // lock_timeout ends the wait on the server; this ends it when the server cannot be heard.
      query_timeout: waitMs + 10_000,
      application_name: 'srhooks-receiver-app-install-lock',
      // Idle while the work calls the shop's API: keepalives let a silently dropped link end (and abort it).
      keepAlive: true,
    });
    let hold: ReturnType<typeof holdSignal> | undefined;
    let lostBeforeHold: string | undefined;
    const lose = (why: string) => {
      if (hold) hold.lose(why);
      else lostBeforeHold ??= why;
    };
    client.on('error', (error: Error) => lose(`its PostgreSQL connection failed: ${error.message}`));
    client.on('end', () => lose('its PostgreSQL connection ended'));
    this.#lockClients.add(client);
    let locked = false;
    let guard: LockSessionGuard | undefined;
    try {
      let acquisitionSettled = false;
      const acquiring = (async () => {
        await client.connect();
        await client.query(`SET lock_timeout = ${waitMs}`);
        await client.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
        locked = true;
        // Cut off from the server, this receiver would keep the lock for hours: see lock-session-guard.ts.
        guard = await guardLockSession(client, this.#lockIdleTimeoutMs);
      })().finally(() => {
        acquisitionSettled = true;
      });
      try {
        await (options.boundAcquisition?.(acquiring) ?? acquiring);
      } catch (error) {
        // Given up by the bound (the shutdown's grace) while it still waits on the server: cut its connection.
        if (!acquisitionSettled) {
          destroySocket(client);
          await settledWithin(acquiring, LOCK_RELEASE_WAIT_MS);
        }
        if ((error as { code?: unknown }).code === '55P03') throw new InstallLockBusyError(shop, waitMs);
        throw mapPgError(error);
      }
      hold = holdSignal(shop, options.holdMs ?? INSTALL_LOCK_HOLD_MS);
      if (lostBeforeHold !== undefined) hold.lose(lostBeforeHold);
      return await work(hold.signal);
    } finally {
      hold?.done();
      this.#lockClients.delete(client);
      // The connection ends (no need to set the limit back), which unlocks; a server gone silent would never
      // answer the unlock or the goodbye: destroyed after a moment, the session ends and the lock with it.
      const release = (async () => {
        await guard?.stop();
        if (locked) await client.query('SELECT pg_advisory_unlock(hashtext($1))', [name]).catch(() => {});
        await client.end().catch(() => {});
      })();
      if (!(await settledWithin(release, LOCK_RELEASE_WAIT_MS))) {
        destroySocket(client);
        await release;
      }
    }
  }

  /**
   * Ends its connections; bounded when the server went silent (see PgStore.close): what has not finished,
   * or said goodbye, within CLOSE_GRACE_MS has its socket destroyed, so none keeps the process alive.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const ending = (async () => {
      await Promise.all([...this.#lockClients].map((client) => client.end().catch(() => {})));
      await this.#pool.end();
      // The pool ends its idle connections without waiting for their goodbye: waited for here.
      await Promise.all([...this.#poolClients].map((client) => client.end().catch(() => {})));
    })();
    if (!(await settledWithin(ending, CLOSE_GRACE_MS))) {
      for (const client of [...this.#lockClients, ...this.#poolClients]) destroySocket(client);
    }
  }
}

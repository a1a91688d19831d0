import type Database from 'better-sqlite3';
import { refreshEventStatusSql } from '../event-status-sql.js';
import { openSqlite } from '../sqlite/sqlite-driver.js';
import { mapSqliteError } from '../sqlite/sqlite-errors.js';
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
  type InstallLockOptions,
  KeyedQueue,
} from './shop-install-lock.js';

interface Row {
  shop: string;
  status: AppShopStatus;
  installed_at: number;
  app_version: string | null;
  uninstalled_at: number | null;
  pending_reason: string | null;
  attempts: number;
  next_attempt_at: number | null;
  subscriptions: string;
  secret_fingerprint: string | null;
  updated_at: number;
}

const ms = (date: Date | undefined) => (date ?? new Date()).getTime();

/** The `(? IS NULL OR installed_at = ?)` parameters of a step's conditional record (AppShopStore.markInstalled). */
const installedAtCondition = (ifInstalledAt: Date | undefined) => {
  const at = ifInstalledAt?.getTime() ?? null;
  return [at, at] as const;
};

function record(row: Row): AppShopRecord {
  return {
    shop: row.shop,
    status: row.status,
    installedAt: new Date(row.installed_at),
    appVersion: row.app_version,
    uninstalledAt: row.uninstalled_at === null ? null : new Date(row.uninstalled_at),
    pendingReason: row.pending_reason,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at === null ? null : new Date(row.next_attempt_at),
    subscriptions: JSON.parse(row.subscriptions) as AppShopSubscription[],
    secretFingerprint: row.secret_fingerprint,
    updatedAt: new Date(row.updated_at),
  };
}

/**
 * On the store's SQLite file, with a connection of its own (WAL, synchronous=FULL, busy timeout):
 * installs and uninstalls are rare, so they need not go through the ingest path's writer thread;
 * SQLite's file lock serialises the two writers. The store must have migrated the file first.
 */
export class SqliteAppShopStore implements AppShopStore {
  readonly #db: Database.Database;
  #closed = false;
  readonly #installQueue = new KeyedQueue();

  constructor(file: string) {
    this.#db = openSqlite(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.pragma('foreign_keys = ON');
  }

  #run<T>(work: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreUnavailableError('the app shop store is closed'));
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(mapSqliteError(error));
    }
  }

  #tx<T>(work: () => T): Promise<T> {
    return this.#run(() => this.#db.transaction(work).immediate());
  }

  useRequestCode(key: string, expiresAt: Date, options: { now?: Date } = {}): Promise<boolean> {
    return this.#tx(() => {
      this.#db.prepare('DELETE FROM app_request_codes WHERE expires_at <= ?').run(ms(options.now));
      return (
        this.#db
          .prepare(
            'INSERT INTO app_request_codes (code_key, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING',
          )
          .run(key, expiresAt.getTime()).changes === 1
      );
    });
  }

  recordInstall(
    shop: string,
    options: {
      appVersion?: string | null;
      nextAttemptAt: Date;
      now?: Date;
      resetRecoveryFailures?: boolean;
    },
  ): Promise<AppShopRecord> {
    const now = ms(options.now);
    return this.#tx(() => {
      this.#db
        .prepare(
          `INSERT INTO app_shops (shop, status, installed_at, app_version, uninstalled_at, pending_reason, attempts, next_attempt_at, subscriptions, updated_at, install_called_at)
           VALUES (?, 'pending', ?, ?, NULL, 'installing', 0, ?, '[]', ?, ?)
           ON CONFLICT (shop) DO UPDATE SET status = CASE WHEN app_shops.status = 'installed' THEN 'installed' ELSE 'pending' END,
             installed_at = excluded.installed_at, app_version = excluded.app_version, uninstalled_at = NULL, pending_reason = 'installing', attempts = 0,
             next_attempt_at = excluded.next_attempt_at,
             subscriptions = CASE WHEN app_shops.status = 'installed' THEN app_shops.subscriptions ELSE '[]' END, updated_at = excluded.updated_at,
             install_called_at = excluded.install_called_at`,
        )
        .run(shop, now, options.appVersion ?? null, options.nextAttemptAt.getTime(), now, now);
      // The failures in a row of the install before (see AppShopStore.recordInstall).
      if (options.resetRecoveryFailures !== false)
        this.#db.prepare('UPDATE recovery_state SET consecutive_failures = 0 WHERE shop = ?').run(shop);
      return record(this.#db.prepare('SELECT * FROM app_shops WHERE shop = ?').get(shop) as Row);
    });
  }

  markInstalled(
    shop: string,
    options: {
      subscriptions: AppShopSubscription[];
      secretFingerprint: string;
      now?: Date;
      ifInstalledAt?: Date;
    },
  ): Promise<boolean> {
    return this.#tx(
      () =>
        this.#db
          .prepare(
            `UPDATE app_shops SET status = 'installed', pending_reason = NULL, attempts = 0, next_attempt_at = NULL, subscriptions = ?,
               secret_fingerprint = ?, updated_at = ?
             WHERE shop = ? AND status <> 'uninstalled' AND (? IS NULL OR installed_at = ?)`,
          )
          .run(
            JSON.stringify(options.subscriptions),
            options.secretFingerprint,
            ms(options.now),
            shop,
            ...installedAtCondition(options.ifInstalledAt),
          ).changes === 1,
    );
  }

  markStepFailed(
    shop: string,
    options: { reason: string; nextAttemptAt: Date; now?: Date; ifInstalledAt?: Date },
  ): Promise<boolean> {
    return this.#tx(
      () =>
        this.#db
          .prepare(
            `UPDATE app_shops SET pending_reason = ?, attempts = attempts + 1, next_attempt_at = ?, updated_at = ?
             WHERE shop = ? AND status <> 'uninstalled' AND (? IS NULL OR installed_at = ?)`,
          )
          .run(
            options.reason,
            options.nextAttemptAt.getTime(),
            ms(options.now),
            shop,
            ...installedAtCondition(options.ifInstalledAt),
          ).changes === 1,
    );
  }

  markUninstalled(
    shop: string,
    options: { reason: string; now?: Date; cancelJobs?: boolean; late?: LateUninstall },
  ): Promise<UninstallMarked | LateUninstallRefused | null> {
    const now = ms(options.now);
    return this.#tx(() => {
      const current = this.#db
        .prepare('SELECT status, uninstalled_at, updated_at, install_called_at FROM app_shops WHERE shop = ?')
        .get(shop) as
        | (Pick<Row, 'status' | 'uninstalled_at' | 'updated_at'> & { install_called_at: number | null })
        | undefined;
      if (!current) return null;
      if (options.late) {
        const { requestCode } = options.late;
        const first =
          requestCode === null ||
          this.#db
            .prepare(
              'INSERT INTO app_request_codes (code_key, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING',
            )
            .run(requestCode.key, requestCode.expiresAt.getTime()).changes === 1;
        const refused = lateUninstallRefusal(
          {
            status: current.status,
            uninstalledAt: current.uninstalled_at,
            updatedAt: current.updated_at,
            installCalledAt: current.install_called_at,
          },
          now,
          first,
        );
        if (refused) return refused;
      }
      if (current.status === 'uninstalled' && current.uninstalled_at !== null) {
        return { cancelledJobs: 0, uninstalledAt: new Date(current.uninstalled_at), already: true };
      }
      this.#db
        .prepare(
          `UPDATE app_shops SET status = 'uninstalled', uninstalled_at = ?, pending_reason = NULL, next_attempt_at = NULL,
             subscriptions = '[]', secret_fingerprint = NULL, updated_at = ? WHERE shop = ?`,
        )
        .run(now, now, shop);
      if (options.cancelJobs === false)
        return { cancelledJobs: 0, uninstalledAt: new Date(now), already: false };
      // Its recovery's failures in a row end with the install (see AppShopStore.markUninstalled).
      this.#db.prepare('UPDATE recovery_state SET consecutive_failures = 0 WHERE shop = ?').run(shop);
      const cancelled = this.#db
        .prepare(
          `UPDATE jobs SET status = 'dead', last_error = ?, last_error_summary = ?, finished_at = ?, updated_at = ?, lease_owner = NULL, lease_expires_at = NULL
           WHERE status = 'pending' AND event_id IN (SELECT id FROM events WHERE shop = ? AND event NOT IN (${KEPT_ON_UNINSTALL_SQL}))
           RETURNING event_id`,
        )
        .all(options.reason, options.reason, now, now, shop) as { event_id: string }[];
      const refresh = this.#db.prepare(refreshEventStatusSql('?'));
      for (const eventId of new Set(cancelled.map((row) => row.event_id))) refresh.all(eventId);
      return { cancelledJobs: cancelled.length, uninstalledAt: new Date(now), already: false };
    });
  }

  paymentClaimState(query: PaymentClaimQuery): Promise<PaymentClaimState> {
    const now = ms(query.now);
    // One read transaction: the binding and the filed key as of one moment.
    return this.#run(() =>
      this.#db.transaction(() => {
        const bound = this.#db
          .prepare('SELECT shop FROM app_payment_subjects WHERE subject = ?')
          .get(query.subject) as { shop: string } | undefined;
        const seen =
          this.#db
            .prepare('SELECT 1 FROM app_payment_notifications WHERE dedupe_key = ? AND expires_at > ?')
            .get(query.dedupeKey, now) !== undefined;
        return { subjectShop: bound?.shop ?? null, seen };
      })(),
    );
  }

  get(shop: string): Promise<AppShopRecord | null> {
    return this.#run(() => {
      const row = this.#db.prepare('SELECT * FROM app_shops WHERE shop = ?').get(shop) as Row | undefined;
      return row ? record(row) : null;
    });
  }

  list(): Promise<AppShopRecord[]> {
    return this.#run(() =>
      (this.#db.prepare('SELECT * FROM app_shops ORDER BY shop').all() as Row[]).map(record),
    );
  }

  dueSteps(options: { now?: Date; limit?: number } = {}): Promise<AppShopRecord[]> {
    return this.#run(() =>
      (
        this.#db
          .prepare(
            `SELECT * FROM app_shops WHERE status <> 'uninstalled' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`,
          )
          .all(ms(options.now), options.limit ?? 50) as Row[]
      ).map(record),
    );
  }

  /**
   * The in-process queue per shop only: a SQLite file is one receiver process's, enforced by its
   * lock file (sqlite/receiver-lock.ts: a second receiver on the file is refused), so no other process
   * runs the shop's step. `waitMs` does not apply (the holder ahead is this process's own step, bounded by its API calls' timeouts and `holdMs`).
   */
  async withInstallLock<T>(
    shop: string,
    work: (signal: AbortSignal) => Promise<T>,
    options: InstallLockOptions = {},
  ): Promise<T> {
    return this.#installQueue.run(shop, async () => {
      if (this.#closed) throw new StoreUnavailableError('the app shop store is closed');
      const hold = holdSignal(shop, options.holdMs ?? INSTALL_LOCK_HOLD_MS);
      try {
        return await work(hold.signal);
      } finally {
        hold.done();
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}

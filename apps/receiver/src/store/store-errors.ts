import type { LockHolder } from '../locks/process-file-lock.js';

/** Base class of every error the store throws on purpose; `code` is stable, the message says what to do. */
export class StoreError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * The database cannot be reached or written right now (connection refused or timed out, server
 * shutting down, disk full, file locked, store closed). Callers answer 503 and try again later;
 * the store recovers by itself once the database is back.
 */
export class StoreUnavailableError extends StoreError {
  declare readonly code: 'store_unavailable';
  /**
   * The database file itself is damaged (SQLite's CORRUPT / NOTADB): retrying does not help, restoring
   * a backup does. The store that saw it stays unready until it is restarted on a sound file.
   */
  readonly damaged: boolean;
  /** What failed, without the advice (`SQLITE_BUSY: database is locked`, …): for other wordings (logs). */
  readonly detail: string;
  /**
   * What of it anyone may read (the public readiness probes): a wording of the receiver's own that holds
   * no value of its environment — no host, port, user name or file path; null when `detail` may hold one
   * (a driver's message), and the probes then name none.
   */
  readonly publicDetail: string | null;

  constructor(detail: string, options?: { cause?: unknown; damaged?: boolean; publicDetail?: string }) {
    super(
      'store_unavailable',
      options?.damaged
        ? `The event store's database file is damaged (${detail}). Nothing was stored. Stop the receiver and restore the file from a backup (receiver docs/operations.md, Backups); recovery then fetches the orders of the missing period from the shops' API.`
        : `The event store is unavailable (${detail}). Nothing was stored; retry once the database is reachable again.`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.damaged = options?.damaged === true;
    this.detail = detail;
    this.publicDetail = options?.publicDetail ?? null;
  }
}

/** Whose store call a shutdown gave up: the background work (job worker, recovery, retention) or a request's. */
export type ShutdownBoundCaller = 'background work' | 'request';

/**
 * The receiver is shutting down and the store did not answer a call within its close grace: the server has
 * gone silent (a NAT or firewall dropping the flow), and waiting for the query timeout would hold the
 * shutdown past its limit. The call was given up — what it would have written may or may not be committed.
 * Of the background work (the job worker, a recovery pass): the job then runs again once its lease ends; a
 * recovery pass reads the same window again at the next start. Of an admin API or inspector request: it is
 * answered 503 store_unavailable saying the receiver is stopping (nothing is reported as done).
 */
export class StoreShutdownWaitError extends StoreUnavailableError {
  readonly caller: ShutdownBoundCaller;

  constructor(graceMs: number, caller: ShutdownBoundCaller = 'background work') {
    super(
      `no answer within ${graceMs} ms once the receiver began shutting down: the link to PostgreSQL has gone silent; given up so that the shutdown ends`,
    );
    this.caller = caller;
    this.message =
      caller === 'request'
        ? `The receiver is stopping, and its event store (PostgreSQL) did not answer within ${graceMs} ms: this request was cut short so that the shutdown ends. Nothing it asked for is reported as done; whether a change it asked for was committed is not known. Once the receiver (or another instance) is up again, look at the state and send the request again if it is still needed.`
        : `The event store did not answer within ${graceMs} ms once the receiver began shutting down (the link to PostgreSQL has gone silent): the call was given up so that the shutdown ends. Whether it was committed is not known; a job whose outcome it was runs again once its lease ends, and recovery reads the same window again at the next start.`;
  }
}

/** A delivery, event or job id that does not exist. */
export class StoreNotFoundError extends StoreError {
  declare readonly code: 'not_found';

  constructor(what: string, id: string) {
    super('not_found', `No ${what} with id "${id}" exists in the store; check the id (list them first).`);
  }
}

/** The operation does not fit the current state of the record (e.g. re-processing a delivery that is not quarantined). */
export class StoreConflictError extends StoreError {
  declare readonly code: 'conflict';

  constructor(message: string) {
    super('conflict', message);
  }
}

/**
 * A replay of an event whose personal data was erased (erase-plan.ts): its handlers would get an empty
 * payload. A conflict (409 `conflict`) like any other; its own class lets a backfill that meets an event
 * erased after it read the window count it as left out (events-backfill.ts).
 */
export class ErasedEventReplayError extends StoreConflictError {}

export function erasedEventReplay(eventId: string): ErasedEventReplayError {
  return new ErasedEventReplayError(
    `Event ${eventId}'s personal data was erased on request, so it cannot be replayed: its payload is gone, and ` +
      'sending it again is what the erasure prevents. If the shop still needs it, it must send the order again.',
  );
}

/**
 * The subject is not (or no longer) bound to the shop the notification was to be filed under: another
 * notification of it was filed under another shop meanwhile (or its binding was pruned). Nothing of the
 * write was kept; the caller runs the filing rules again against what is stored now.
 */
export class PaymentClaimConflictError extends StoreError {
  declare readonly code: 'payment_claim_conflict';

  constructor(message: string) {
    super('payment_claim_conflict', message);
  }
}

/**
 * Retention or a prune on demand found another instance on the same store pruning it (PostgreSQL: the
 * schema's prune lock is held). This run deleted nothing; that instance's run reports what it deleted.
 */
export class PruneInProgressError extends StoreError {
  declare readonly code: 'prune_in_progress';

  constructor() {
    super(
      'prune_in_progress',
      'Another receiver instance on this store is pruning it right now; this run deleted nothing (that instance logs what it deleted). Run it again once that one has finished.',
    );
  }
}

/** How long a start-up reconcile waits for another instance reconciling the same shop (Store.withReconcileLock). */
export const RECONCILE_LOCK_WAIT_MS = 60_000;

/**
 * The start-up reconcile of a shop's subscriptions waited longer than allowed for another receiver on the
 * same store reconciling that shop (PostgreSQL: the shop's reconcile lock is held). Nothing was changed
 * here; the other receiver's reconcile does the work.
 */
export class ReconcileLockBusyError extends StoreError {
  declare readonly code: 'reconcile_lock_busy';

  constructor(shop: string, waitMs: number) {
    super(
      'reconcile_lock_busy',
      `another receiver on this store has been reconciling the subscriptions of shop "${shop}" for over ${Math.round(waitMs / 1000)} s; nothing was changed here (that receiver logs its result). If it stays busy, look for a receiver stuck calling the shop's API, then restart this one`,
    );
  }
}

/** The store configuration is invalid (bad schema name, bad option value). */
export class StoreConfigError extends StoreError {
  declare readonly code: 'store_config_invalid';

  constructor(message: string) {
    super('store_config_invalid', message);
  }
}

/**
 * The store was migrated by a newer receiver: it holds schema versions this one does not know, and an
 * older receiver writing to it could corrupt what the newer one relies on. Refused at start.
 */
export class StoreVersionError extends StoreError {
  declare readonly code: 'store_newer_than_receiver';

  constructor(storeVersion: number, knownVersion: number) {
    super(
      'store_newer_than_receiver',
      `The store was migrated by a newer srhooks receiver (its schema is at version ${storeVersion}; this receiver knows versions up to ${knownVersion}). Run the newer receiver, or restore a backup made before the upgrade; an older receiver must not write to it.`,
    );
  }
}

/** Throws StoreVersionError when `applied` holds a version beyond the newest of `known`. */
export function assertStoreNotNewer(applied: Iterable<number>, known: readonly { version: number }[]): void {
  const knownVersion = Math.max(0, ...known.map((migration) => migration.version));
  const storeVersion = Math.max(0, ...applied);
  if (storeVersion > knownVersion) throw new StoreVersionError(storeVersion, knownVersion);
}

/** The receiver process holding a SQLite file's lock, as its holder file says (sqlite/receiver-lock.ts). */
export type ReceiverLockHolder = LockHolder;

/**
 * Another receiver process holds this SQLite file's lock (`<file>-receiver.lock`): refused at start, since
 * two receivers on one file would each run recovery, reconcile, app installs and retention. `holder` is
 * null when the running receiver has not recorded itself (yet).
 */
export class StoreInUseError extends StoreError {
  declare readonly code: 'store_in_use';
  readonly file: string;
  readonly holder: ReceiverLockHolder | null;

  constructor(file: string, holder: ReceiverLockHolder | null) {
    const who =
      holder === null
        ? ''
        : `: pid ${holder.pid} on host ${holder.hostname}, running since ${holder.startedAt.toISOString()}`;
    super(
      'store_in_use',
      `The SQLite file ${file} is in use by another srhooks receiver${who}. One receiver process may use a SQLite file at a time; the file is free as soon as that process ends, however it ends. Stop that receiver first, or set SRHOOKS_DB to another file, or use PostgreSQL (DATABASE_URL) to run several receivers on one store.`,
    );
    this.file = file;
    this.holder = holder;
  }
}

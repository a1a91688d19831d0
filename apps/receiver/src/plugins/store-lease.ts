/**
 * The receiver's side of the SQLite process lease (`store/sqlite/process-lease.ts`): taken by the store
 * plugin once the file is migrated, released after the store closed. A receiver whose lease another
 * receiver took over (this process stalled past the stale time) logs an error and shuts down: the two
 * would otherwise each run recovery passes, reconcile, app installs and retention on one file.
 * `run-receiver.ts` then exits with code 1.
 */
import type { FastifyInstance } from 'fastify';
import { type LeaseTiming, leaseTiming, SqliteProcessLease } from '../store/sqlite/process-lease.js';
import type { Store } from '../store/store.js';
import type { StoreLeaseHolder } from '../store/store-errors.js';

export interface StoreLeaseLoss {
  /** Who holds the file now (null: nobody, the row was deleted). */
  readonly holder: StoreLeaseHolder | null;
  /** Settles when the receiver's shutdown after the loss has finished. */
  readonly closed: Promise<void>;
}

/** `app.storeLease`: the SQLite file this receiver holds; null with PostgreSQL. */
export interface StoreLeaseState {
  readonly file: string;
  /** Resolves only if another receiver took the lease over; the receiver is shutting down then. */
  readonly lost: Promise<StoreLeaseLoss>;
  /** Deletes the lease row: once the store is closed (the store plugin, a failed start). Idempotent. */
  release(): void;
}

/** The SQLite file behind a store (a wrapped SqliteStore too), undefined for PostgreSQL. */
export function sqliteFileOf(store: Store): string | undefined {
  if (store.kind !== 'sqlite') return undefined;
  const file = (store as { file?: unknown }).file;
  return typeof file === 'string' ? file : undefined;
}

function describeHolder(holder: StoreLeaseHolder): Record<string, unknown> {
  return {
    pid: holder.pid,
    hostname: holder.hostname,
    startedAt: holder.startedAt.toISOString(),
    heartbeatAt: holder.heartbeatAt.toISOString(),
  };
}

/** Takes the lease of `file` for `app`; throws StoreInUseError while another receiver holds it. */
export function takeStoreLease(
  app: FastifyInstance,
  file: string,
  timing: LeaseTiming = {},
): StoreLeaseState {
  const { staleMs } = leaseTiming(timing);
  let closing = false;
  let markLost: (loss: StoreLeaseLoss) => void = () => {};
  const lost = new Promise<StoreLeaseLoss>((resolve) => {
    markLost = resolve;
  });
  /** The previous failed beat's age: one warning per streak of failed beats (ages grow within one). */
  let lastFailedSince = 0;
  const lease = SqliteProcessLease.acquire({
    file,
    ...timing,
    onBeatFailed: (error, sinceRenewedMs) => {
      const warned = sinceRenewedMs > lastFailedSince && lastFailedSince >= staleMs / 2;
      lastFailedSince = sinceRenewedMs;
      if (sinceRenewedMs < staleMs / 2 || warned) return;
      app.log.warn(
        { err: error, storeLease: { file, sinceRenewedMs } },
        `cannot renew this receiver's lease of the SQLite file ${file} (last renewed ${Math.round(sinceRenewedMs / 1000)} s ago; it turns stale after ${Math.round(staleMs / 1000)} s and another receiver could then take the file over): retrying`,
      );
    },
    onLost: (holder) => {
      const who =
        holder === null
          ? 'its lease row was deleted'
          : `pid ${holder.pid} on host ${holder.hostname} holds it since ${holder.startedAt.toISOString()}`;
      app.log.error(
        { storeLease: { file, lost: true, holder: holder === null ? null : describeHolder(holder) } },
        `another receiver took over the SQLite file ${file} (${who}): this receiver did not renew its lease for over ${Math.round(staleMs / 1000)} s (the process was stalled or suspended). It shuts down now, so that two receivers do not both run recovery, reconcile, app installs and retention on one file; the other receiver serves the file. Find out why this process stalled.`,
      );
      if (closing) return;
      closing = true;
      markLost({ holder, closed: app.close().then(() => {}) });
    },
  });
  if (lease.takeover !== null) {
    const { holder, reason } = lease.takeover;
    const why =
      reason === 'dead'
        ? 'its process is no longer running on this host'
        : `its last heartbeat was ${Math.round((Date.now() - holder.heartbeatAt.getTime()) / 1000)} s ago, more than ${Math.round(staleMs / 1000)} s`;
    app.log.warn(
      { storeLease: { file, takenOver: { ...describeHolder(holder), reason } } },
      `took over the SQLite file ${file} from an earlier receiver (pid ${holder.pid} on host ${holder.hostname}) that did not release it: ${why}`,
    );
  }
  app.addHook('preClose', async () => {
    closing = true;
  });
  return { file, lost, release: () => lease.release() };
}

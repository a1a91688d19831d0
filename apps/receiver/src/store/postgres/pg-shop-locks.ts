/**
 * The per-shop locks that keep several receivers on one PostgreSQL database from doing one shop's work
 * twice at once: session advisory locks, named per (schema, shop) by pg-recovery.ts, each held on a
 * connection for the whole piece of work, so a crashed instance's lock ends with its connection — and one
 * cut off from the server ends with its session, silent past `lockIdleTimeoutMs` (lock-session-guard.ts).
 *
 * Releasing a lock is bounded too: when the server has gone silent, the unlock (and setting the session's
 * limit back, saying goodbye) would wait for the query timeout each — a receiver shutting down during a
 * recovery pass waited about 20 s for it, past its shutdown timeout. What does not finish within
 * LOCK_RELEASE_WAIT_MS has its connection's socket destroyed: the session ends, and with it the lock (at
 * once, or once the server finds it silent past the lock's idle limit).
 */
import type pg from 'pg';
import { ReconcileLockBusyError, StoreUnavailableError } from '../store-errors.js';
import { guardLockSession, type LockSessionGuard } from './lock-session-guard.js';
import { newStoreClient, type PgConnection, type StoreClient } from './pg-connection.js';
import { isPgUnavailable, mapPgError } from './pg-errors.js';

/** How long releasing a lock (unlock, limits set back, the connection's goodbye) may take before its socket is destroyed. */
export const LOCK_RELEASE_WAIT_MS = 2000;

/** Destroys a connection's socket at once (its queries fail: "Connection terminated"). */
export function destroySocket(client: pg.Client): void {
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

/** Whether `work` settled within `ms` (it goes on either way). */
export async function settledWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    work.then(
      () => true,
      () => true,
    ),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]);
  clearTimeout(timer);
  return settled;
}

/** Recovery: tried once on a pool connection; `acquired: false` while another instance recovers the shop. */
export async function withRecoveryLock<T>(
  conn: PgConnection,
  name: string,
  work: () => Promise<T>,
  lockIdleTimeoutMs: number,
): Promise<{ acquired: true; value: T } | { acquired: false }> {
  const client = await conn.run(() => conn.connect());
  let broken = false;
  try {
    const locked = await client.query('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [name]);
    if (locked.rows[0]?.ok !== true) return { acquired: false };
    let guard: LockSessionGuard | undefined;
    try {
      guard = await guardLockSession(client, lockIdleTimeoutMs);
      return { acquired: true, value: await work() };
    } finally {
      // The connection goes back to the pool: its idle limit is set back (or it is dropped).
      const release = (async () => {
        await guard?.stop({ reset: true }).catch(() => {
          broken = true;
        });
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [name]).catch((error: unknown) => {
          broken = true;
          return error;
        });
      })();
      if (!(await settledWithin(release, LOCK_RELEASE_WAIT_MS))) {
        // The server does not answer: ending the session releases the lock.
        broken = true;
        destroySocket(client);
        await release;
      }
    }
  } catch (error) {
    broken ||= isPgUnavailable(error);
    throw mapPgError(error);
  } finally {
    client.release(broken);
  }
}

/**
 * Reconcile: on a connection of its own for the whole reconcile — not the pool's, so closing the store
 * never waits for a reconcile still calling the shop's API (the store ends the connections in `clients`
 * when it closes) — waited for, tried every 250 ms up to `waitMs` (bounded without session settings,
 * ended by the store closing): ReconcileLockBusyError when another instance still holds it.
 */
export async function withReconcileLock<T>(
  conn: PgConnection,
  clients: Set<StoreClient>,
  lock: { shop: string; name: string; waitMs: number; work: () => Promise<T>; lockIdleTimeoutMs: number },
): Promise<T> {
  const closed = () => new StoreUnavailableError('the PostgreSQL store is closed');
  if (conn.closed) throw closed();
  const client = newStoreClient(conn.clientConfig);
  clients.add(client);
  let guard: LockSessionGuard | undefined;
  try {
    try {
      await client.connect();
      const deadline = Date.now() + lock.waitMs;
      for (;;) {
        const locked = await client.query('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [lock.name]);
        if (locked.rows[0]?.ok === true) {
          guard = await guardLockSession(client, lock.lockIdleTimeoutMs);
          break;
        }
        // The store closing (the receiver shutting down) ends the wait.
        if (conn.closed) throw closed();
        if (Date.now() >= deadline) throw new ReconcileLockBusyError(lock.shop, lock.waitMs);
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(250, Math.max(1, deadline - Date.now()))),
        );
      }
    } catch (error) {
      throw mapPgError(error);
    }
    // The work's own errors (the shop's API) are passed on as they are; ending the connection unlocks.
    return await lock.work();
  } finally {
    // The connection ends (no need to set the limit back), which unlocks; destroyed when the server is silent.
    const release = (async () => {
      await guard?.stop();
      await client.end().catch(() => {});
    })();
    if (!(await settledWithin(release, LOCK_RELEASE_WAIT_MS))) {
      destroySocket(client);
      await release;
    }
    clients.delete(client);
  }
}

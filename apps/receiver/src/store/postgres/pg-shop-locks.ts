/**
 * The per-shop locks that keep several receivers on one PostgreSQL database from doing one shop's work
 * twice at once: session advisory locks, named per (schema, shop) by pg-recovery.ts, each held on a
 * connection for the whole piece of work, so a crashed instance's lock ends with its connection — and one
 * cut off from the server ends with its session, silent past `lockIdleTimeoutMs` (lock-session-guard.ts).
 */
import { ReconcileLockBusyError, StoreUnavailableError } from '../store-errors.js';
import { guardLockSession, type LockSessionGuard } from './lock-session-guard.js';
import { newStoreClient, type PgConnection, type StoreClient } from './pg-connection.js';
import { isPgUnavailable, mapPgError } from './pg-errors.js';

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
      await guard?.stop({ reset: true }).catch(() => {
        broken = true;
      });
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [name]).catch((error: unknown) => {
        broken = true;
        return error;
      });
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
    await guard?.stop(); // the connection ends: no need to set the limit back
    clients.delete(client);
    await client.end().catch(() => {});
  }
}

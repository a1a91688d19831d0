/**
 * A connection holding a session advisory lock (a shop's recovery pass, reconcile; also, busy statement
 * after statement, a migration and the text-search index build) sits idle while its holder works elsewhere
 * (the shop's API, other connections). If the holder's link to PostgreSQL goes
 * silent — a NAT or firewall dropping the flow, its host cut off — nothing reaches the server: it keeps the
 * session, and the lock, until its TCP keepalive gives up (about two hours by default), and every other
 * receiver waits that long. So while the lock is held the holder talks on its connection (a `SELECT 1` every
 * quarter of the limit), and the server ends the session once it has been silent past the limit
 * (`idle_session_timeout`, PostgreSQL 14 and later; `idle_in_transaction_session_timeout` when it was cut off
 * inside a transaction, as a migration is), which releases the lock. A holder that is well is never cut
 * short, however long its work (a running statement is not idle); one cut off loses the lock within the
 * limit.
 */

/** How long a lock's session may stay silent before the server ends it (and the lock). */
export const LOCK_IDLE_TIMEOUT_MS = 60_000;

/** `unrecognized configuration parameter`: a server before PostgreSQL 14 has no idle_session_timeout. */
const UNKNOWN_SETTING = '42704';

export interface LockSessionGuard {
  /** Stops talking; `reset` sets the limit back (the connection returns to a pool). Throws when it cannot. */
  stop(options?: { reset?: boolean }): Promise<void>;
}

interface Queryable {
  query(text: string): Promise<unknown>;
}

/**
 * Starts guarding the session of `client`, which holds a lock now. Throws what the SET throws. `talk: false`
 * for a holder that keeps its connection busy itself (a migration, statement after statement): no `SELECT 1`
 * then, which would run beside its statements.
 */
export async function guardLockSession(
  client: Queryable,
  idleTimeoutMs: number,
  options: { talk?: boolean } = {},
): Promise<LockSessionGuard> {
  const limitMs = Math.max(1000, Math.floor(idleTimeoutMs));
  await client.query(`SET idle_in_transaction_session_timeout = ${limitMs}`);
  let outsideTransactions = true;
  try {
    await client.query(`SET idle_session_timeout = ${limitMs}`);
  } catch (error) {
    // A server before PostgreSQL 14: a lock held outside a transaction is bounded as before (by its TCP
    // keepalive) — nothing else changes.
    if ((error as { code?: unknown }).code !== UNKNOWN_SETTING) throw error;
    outsideTransactions = false;
  }
  let talking: Promise<void> | null = null;
  const timer =
    options.talk === false
      ? null
      : setInterval(() => {
          if (talking) return;
          talking = client
            .query('SELECT 1')
            .then(
              () => {},
              () => {}, // a link that failed is the holder's own operations' to report
            )
            .finally(() => {
              talking = null;
            });
        }, limitMs / 4);
  timer?.unref();
  return {
    async stop(stopOptions = {}) {
      if (timer) clearInterval(timer);
      await talking; // one query at a time on the connection: the holder's next (the unlock) waits for it
      if (!stopOptions.reset) return;
      await client.query('SET idle_in_transaction_session_timeout = 0');
      if (outsideTransactions) await client.query('SET idle_session_timeout = 0');
    },
  };
}

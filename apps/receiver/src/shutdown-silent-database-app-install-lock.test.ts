/**
 * Shutdown (SIGTERM) while an app install step is taking its shop's install lock and the link to PostgreSQL
 * goes silent (a NAT or firewall dropping the flow: no answer, no error, no close). Only the lock's own
 * query timeout (its wait, 30 s, plus 10 s) bounded the acquisition, so the shutdown waited for the step
 * until its timeout and the process exited 1. Now the acquisition — not the holding: the lock is held while
 * the step calls the shop's API — is bounded as the step's other store calls are once the shutdown has
 * begun: given up after the store's close grace (2 s), its connection cut, the step cut short (its step
 * stays due), and the shutdown ends cleanly.
 *
 * The step's lock waits behind another session holding the shop's advisory lock (as another receiver on
 * the same store would), then the proxy stalls. runReceiver with a fake process (silentDatabaseReceiver);
 * real PostgreSQL, a schema of its own.
 */
import { signAppRequest } from '@srhooks/contracts';
import pg from 'pg';
import { expect, it } from 'vitest';
import { installLockName } from './store/app-shops/shop-install-lock.js';
import { TEST_DATABASE_URL } from './test-support/postgres-schema.js';
import {
  appModeEnv,
  silentDatabaseReceiver,
  unansweredApiUrl,
} from './test-support/silent-database-receiver.js';

const SECRET = 'silent-db-install-lock-secret-0123456789';
const CLIENT_SECRET = 'silent-db-install-lock-client-secret';
const SHOP = 'alpha';
const silent = silentDatabaseReceiver('lock');

/** Whether the receiver's install-lock connection is waiting for the lock on the server. */
async function lockAwaited(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ waiting: number }>(
    `SELECT count(*)::int AS waiting FROM pg_stat_activity
      WHERE application_name = 'srhooks-receiver-app-install-lock' AND wait_event_type = 'Lock'`,
  );
  return (rows[0]?.waiting ?? 0) > 0;
}

it.skipIf(process.platform !== 'linux')(
  "gives up taking an install lock a silent link leaves unanswered, and stops cleanly with the shop's step still due",
  async () => {
    // The shop's API (never called: the step never gets the lock).
    const api = await unansweredApiUrl();
    silent.writeConfig({
      app: { apiUrl: `${api}/{shop}/api`, tokenUrl: `${api}/{shop}/token`, installWaitSeconds: 1 },
    });
    const { proc, baseUrl, lines, stopped } = await silent.start({
      secret: SECRET,
      env: {
        ...appModeEnv(CLIENT_SECRET),
        // Shorter than the lock's query timeout (its wait, 30 s, plus 10 s), which alone bounded it before.
        SRHOOKS_SHUTDOWN_TIMEOUT_MS: '15000',
      },
    });

    // Another session holds the shop's install lock (straight to PostgreSQL, not through the proxy).
    const holder = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await holder.connect();
    silent.cleanups.push(() => holder.end());
    await holder.query('SELECT pg_advisory_lock(hashtext($1))', [installLockName(silent.schema, SHOP)]);

    const query = { shopname: SHOP, code: 'silentlock1', timestamp: String(Math.floor(Date.now() / 1000)) };
    const signed = new URLSearchParams({ ...query, hmac: signAppRequest(query, CLIENT_SECRET) });
    const installed = await fetch(`${baseUrl}/app/install?${signed}`, { redirect: 'manual' });
    // Redirected after the wait (1 s); the step waits for the lock in the background.
    expect(installed.status).toBe(302);
    await expect.poll(() => lockAwaited(holder), { timeout: 5000 }).toBe(true);

    silent.proxy.stall(); // PostgreSQL falls silent
    const stopping = Date.now();
    proc.emit('SIGTERM', 'SIGTERM');

    expect(await stopped(30_000)).toBe(true);
    // Before: the lock's wait held the shutdown to its timeout (15 s), exit(1).
    expect(proc.exits).toEqual([]);
    expect(proc.exitCode).toBeUndefined();
    // The step's grace (2 s), the lock connection's cut and the stores' close (2 s each at most).
    expect(Date.now() - stopping).toBeLessThan(10_000);
    expect(await silent.connectionsLeft(), 'connections to PostgreSQL still open').toBe(0);
    expect(lines.some((line) => line.includes('app install step cut short'))).toBe(true);

    // The install is recorded, its step due: the background retry takes it over at the next start.
    const { rows } = await holder.query<{ status: string; due: boolean }>(
      `SELECT status, next_attempt_at IS NOT NULL AS due FROM "${silent.schema}".app_shops WHERE shop = $1`,
      [SHOP],
    );
    expect(rows).toEqual([{ status: 'pending', due: true }]);
  },
  60_000,
);

/**
 * Shutdown (SIGTERM) when the link to PostgreSQL has gone silent — a NAT or firewall dropping the flow, the
 * server's host gone: no answer, no error, no close. The store's close ended its pool's connections and
 * resolved, but each connection waited for the server's goodbye, which never came: its socket stayed open,
 * and kept the process from exiting until the operating system's TCP keepalive gave up (hours later); with
 * an operation in flight the close itself waited for the query timeout. Now what has not finished, or not
 * said goodbye, within a short grace (PgStore's closeGraceMs, 2 s) has its socket destroyed: the shutdown
 * ends promptly with no connection to PostgreSQL left open — and nothing acknowledged is lost: a delivery
 * answered 200 before the link went silent was committed, one arriving after it is spooled (answered 200
 * once its spool file is durable).
 *
 * runReceiver with a fake process (its SIGTERM, its exit calls recorded); its PostgreSQL through a fault
 * proxy this test owns (`stall`: the open connections hang, new ones are accepted and never forwarded).
 * The connections left are this process's sockets to the proxy's port (/proc: Linux). Real PostgreSQL, a
 * schema of its own.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { expect, it } from 'vitest';
import { socketsTo } from './test-support/open-sockets.js';
import { TEST_DATABASE_URL } from './test-support/postgres-schema.js';
import { silentDatabaseReceiver } from './test-support/silent-database-receiver.js';

const SECRET = 'silent-db-secret-0123456789abcdef';
const db = silentDatabaseReceiver('silent');
const { schema, proxy } = db;

it.skipIf(process.platform !== 'linux')(
  'ends promptly with no connection to a silent PostgreSQL left open, having lost no acknowledged delivery',
  async () => {
    const spoolDir = join(db.dir, 'spool');
    const { proc, postDelivery, stopped } = await db.start({
      secret: SECRET,
      env: {
        SRHOOKS_SPOOL_DIR: spoolDir,
        SRHOOKS_STORE_TIMEOUT_MS: '1000',
        // Long: its exit (code 1) would end a real process however long the sockets stay open.
        SRHOOKS_SHUTDOWN_TIMEOUT_MS: '60000',
      },
    });
    const post = async () => (await postDelivery()).status;
    expect(await post()).toBe(200); // committed
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(socketsTo(proxy.port)).toBeGreaterThan(0);

    proxy.stall(); // PostgreSQL falls silent: nothing reaches it, nothing comes back, nothing is closed
    const spooled = post(); // the store cannot take it: spooled, then answered
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopping = Date.now();
    proc.emit('SIGTERM', 'SIGTERM');
    expect(await spooled).toBe(200);
    expect(await stopped(15_000)).toBe(true);
    // The spooled delivery's store wait (1 s), then at most the store's close grace (2 s) twice.
    expect(Date.now() - stopping).toBeLessThan(8000);
    expect(proc.exits).toEqual([]);
    expect(proc.exitCode).toBeUndefined();
    // Before: the pool's connections stayed open, half-closed, waiting for PostgreSQL's goodbye (for hours).
    const left = await db.connectionsLeft();
    expect(left, 'connections to PostgreSQL still open after the shutdown').toBe(0);

    // Nothing acknowledged is lost: the first delivery is in the store, the second in the spool folder.
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "${schema}".deliveries`,
      );
      expect(rows).toEqual([{ n: 1 }]);
    } finally {
      await client.end();
    }
    expect(readdirSync(spoolDir).filter((name) => !name.startsWith('.')).length).toBeGreaterThanOrEqual(1);
  },
  60_000,
);

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
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDeliveryPath } from '@srhooks/contracts';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { type RunningReceiver, runReceiver } from './run-receiver.js';
import { deliveryBody } from './test-support/delivery-fixtures.js';
import { FakeProcess } from './test-support/fake-process.js';
import { socketsLeftTo, socketsTo } from './test-support/open-sockets.js';
import { TEST_DATABASE_URL, testSchemas } from './test-support/postgres-schema.js';
import { TcpProxy } from './test-support/tcp-proxy.js';

const SECRET = 'silent-db-secret-0123456789abcdef';
const schema = testSchemas('srhooks_shut_silent')();
const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
const dir = mkdtempSync(join(tmpdir(), 'srhooks-shutdown-silent-'));
let running: RunningReceiver | null = null;

afterAll(async () => {
  await proxy.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function post(port: number): Promise<number> {
  const { contentType, body } = deliveryBody('order_confirm');
  const response = await fetch(
    `http://127.0.0.1:${port}${signDeliveryPath({ shop: 'demo', event: 'order_confirm' }, SECRET)}`,
    { method: 'POST', headers: { 'content-type': contentType }, body: new Uint8Array(body) },
  );
  return response.status;
}

it.skipIf(process.platform !== 'linux')(
  'ends promptly with no connection to a silent PostgreSQL left open, having lost no acknowledged delivery',
  async () => {
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.port = String(await proxy.start());
    const spoolDir = join(dir, 'spool');
    const proc = new FakeProcess(
      {
        PORT: '0',
        HOST: '127.0.0.1',
        SRHOOKS_SECRETS: SECRET,
        DATABASE_URL: viaProxy.toString(),
        SRHOOKS_DB_SCHEMA: schema,
        SRHOOKS_SPOOL_DIR: spoolDir,
        SRHOOKS_STORE_TIMEOUT_MS: '1000',
        // Long: its exit (code 1) would end a real process however long the sockets stay open.
        SRHOOKS_SHUTDOWN_TIMEOUT_MS: '60000',
        LOG_LEVEL: 'info',
      },
      dir,
    );
    const lines: string[] = [];
    running = await runReceiver(proc, {
      defaultMetrics: false,
      logDestination: { write: (line: string) => void lines.push(line) },
    });
    if (running === null) throw new Error(`the receiver did not start: ${proc.stderrText.join('')}`);
    const address = running.app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    expect(await post(port)).toBe(200); // committed
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(socketsTo(proxy.port)).toBeGreaterThan(0);

    proxy.stall(); // PostgreSQL falls silent: nothing reaches it, nothing comes back, nothing is closed
    const spooled = post(port); // the store cannot take it: spooled, then answered
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopping = Date.now();
    proc.emit('SIGTERM', 'SIGTERM');
    expect(await spooled).toBe(200);
    const stopped = await Promise.race([
      running.stopped.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 15_000)),
    ]);
    expect(stopped).toBe(true);
    // The spooled delivery's store wait (1 s), then at most the store's close grace (2 s) twice.
    expect(Date.now() - stopping).toBeLessThan(8000);
    expect(proc.exits).toEqual([]);
    expect(proc.exitCode).toBeUndefined();
    // Before: the pool's connections stayed open, half-closed, waiting for PostgreSQL's goodbye (for hours).
    const left = await socketsLeftTo(proxy.port);
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

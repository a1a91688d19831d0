/**
 * Shutdown (SIGTERM) while an app install's step goes on in the background (its call redirected the shop
 * owner after `app.installWaitSeconds`; the shop's API was slow) and the link to PostgreSQL has gone silent
 * (a NAT or firewall dropping the flow: no answer, no error, no close). When the shop's API answered, the
 * step's writes of its outcome each waited the shop records' query timeout (10 s): the receiver's wait for
 * the step reached the shutdown timeout and the process exited 1. Now the step's shop records are bounded
 * as background work (Store.shutdownBoundViewOf): once the shutdown has begun a call left unanswered for the
 * store's close grace (2 s) is given up, the step says it was cut short, and the shutdown ends cleanly —
 * the install stays recorded as pending with its step due, for the background retry.
 *
 * runReceiver with a fake process; PostgreSQL through a fault proxy this test owns (`stall`: open
 * connections hang, new ones are accepted and never forwarded; silentDatabaseReceiver); the shop's API a
 * local server that holds its requests until the test lets it answer. Real PostgreSQL, a schema of its own.
 */
import { createServer, type ServerResponse } from 'node:http';
import { signAppRequest } from '@srhooks/contracts';
import pg from 'pg';
import { expect, it } from 'vitest';
import { TEST_DATABASE_URL } from './test-support/postgres-schema.js';
import { appModeEnv, silentDatabaseReceiver } from './test-support/silent-database-receiver.js';

const SECRET = 'silent-db-app-install-secret-0123456789';
const CLIENT_SECRET = 'silent-db-app-install-client-secret';
const SHOP = 'alpha';
const db = silentDatabaseReceiver('install');

/** The shop's API: holds every request until `answer()`, then fails them (and every later one) with 500. */
function slowShopApi() {
  const held: ServerResponse[] = [];
  let answering = false;
  const fail = (response: ServerResponse) =>
    response.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"unavailable"}');
  const server = createServer((request, response) => {
    request.resume();
    if (answering) fail(response);
    else held.push(response);
  });
  return {
    async start(): Promise<string> {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    },
    requests: () => held.length,
    answer(): void {
      answering = true;
      for (const response of held.splice(0)) fail(response);
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

it.skipIf(process.platform !== 'linux')(
  "cuts short an install step whose outcome a silent link leaves unwritten, and stops cleanly with the shop's step still due",
  async () => {
    const api = slowShopApi();
    const apiUrl = await api.start();
    db.cleanups.push(api.close);
    db.writeConfig({
      app: { apiUrl: `${apiUrl}/{shop}/api`, tokenUrl: `${apiUrl}/{shop}/token`, installWaitSeconds: 1 },
    });
    const {
      proc,
      baseUrl: base,
      lines,
      stopped,
    } = await db.start({
      secret: SECRET,
      env: {
        ...appModeEnv(CLIENT_SECRET),
        // Longer than one query timeout (10 s) of the shop records, shorter than the two the step's failure
        // waited for before (its read, then its write).
        SRHOOKS_SHUTDOWN_TIMEOUT_MS: '15000',
      },
    });

    const query = {
      shopname: SHOP,
      code: 'silentinstall1',
      timestamp: String(Math.floor(Date.now() / 1000)),
    };
    const signed = new URLSearchParams({ ...query, hmac: signAppRequest(query, CLIENT_SECRET) });
    const installed = await fetch(`${base}/app/install?${signed}`, { redirect: 'manual' });
    // Redirected after the wait (1 s); the step waits for the shop's API in the background.
    expect(installed.status).toBe(302);
    expect(api.requests()).toBeGreaterThan(0);

    db.proxy.stall(); // PostgreSQL falls silent
    const stopping = Date.now();
    proc.emit('SIGTERM', 'SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    api.answer(); // the step fails, and goes to write its outcome into the silent link

    expect(await stopped(30_000)).toBe(true);
    // Before: the step's read and write of its failure each waited 10 s; exit(1) at the shutdown timeout.
    expect(proc.exits).toEqual([]);
    expect(proc.exitCode).toBeUndefined();
    // The step's grace (2 s), its lock's release and the stores' close (2 s each at most).
    expect(Date.now() - stopping).toBeLessThan(12_000);
    expect(await db.connectionsLeft(), 'connections to PostgreSQL still open').toBe(0);
    expect(lines.some((line) => line.includes('app install step cut short'))).toBe(true);

    // The install is recorded, its step due: the background retry takes it over at the next start.
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ status: string; due: boolean }>(
        `SELECT status, next_attempt_at IS NOT NULL AS due FROM "${db.schema}".app_shops WHERE shop = $1`,
        [SHOP],
      );
      expect(rows).toEqual([{ status: 'pending', due: true }]);
    } finally {
      await client.end();
    }
  },
  60_000,
);

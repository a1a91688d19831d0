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
 * connections hang, new ones are accepted and never forwarded); the shop's API a local server that holds
 * its requests until the test lets it answer. Real PostgreSQL, a schema of its own.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signAppRequest } from '@srhooks/contracts';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { runReceiver } from './run-receiver.js';
import { FakeProcess } from './test-support/fake-process.js';
import { socketsLeftTo } from './test-support/open-sockets.js';
import { TEST_DATABASE_URL, testSchemas } from './test-support/postgres-schema.js';
import { TcpProxy } from './test-support/tcp-proxy.js';

const SECRET = 'silent-db-app-install-secret-0123456789';
const CLIENT_SECRET = 'silent-db-app-install-client-secret';
const SHOP = 'alpha';
const schema = testSchemas('srhooks_shut_install')();
const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
const dir = mkdtempSync(join(tmpdir(), 'srhooks-shutdown-silent-install-'));
const cleanups: (() => Promise<unknown>)[] = [];

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

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  await proxy.stop();
  rmSync(dir, { recursive: true, force: true });
});

it.skipIf(process.platform !== 'linux')(
  "cuts short an install step whose outcome a silent link leaves unwritten, and stops cleanly with the shop's step still due",
  async () => {
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.port = String(await proxy.start());
    const api = slowShopApi();
    const apiUrl = await api.start();
    cleanups.push(api.close);
    writeFileSync(
      join(dir, 'srhooks.config.json'),
      JSON.stringify({
        app: { apiUrl: `${apiUrl}/{shop}/api`, tokenUrl: `${apiUrl}/{shop}/token`, installWaitSeconds: 1 },
      }),
    );
    const proc = new FakeProcess(
      {
        PORT: '0',
        HOST: '127.0.0.1',
        SRHOOKS_SECRETS: SECRET,
        SRHOOKS_PUBLIC_URL: 'http://127.0.0.1:1',
        SRHOOKS_APP_ID: '55',
        SRHOOKS_APP_CLIENT_ID: 'silent-db-app',
        SRHOOKS_APP_CLIENT_SECRET: CLIENT_SECRET,
        DATABASE_URL: viaProxy.toString(),
        SRHOOKS_DB_SCHEMA: schema,
        // Longer than one query timeout (10 s) of the shop records, shorter than the two the step's failure
        // waited for before (its read, then its write).
        SRHOOKS_SHUTDOWN_TIMEOUT_MS: '15000',
        LOG_LEVEL: 'info',
      },
      dir,
    );
    const lines: string[] = [];
    const running = await runReceiver(proc, {
      defaultMetrics: false,
      logDestination: { write: (line: string) => void lines.push(line) },
    });
    if (running === null) throw new Error(`the receiver did not start: ${proc.stderrText.join('')}`);
    cleanups.push(() => running.app.close());
    const address = running.app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

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

    proxy.stall(); // PostgreSQL falls silent
    const stopping = Date.now();
    proc.emit('SIGTERM', 'SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    api.answer(); // the step fails, and goes to write its outcome into the silent link

    const stopped = await Promise.race([
      running.stopped.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 30_000)),
    ]);
    expect(stopped).toBe(true);
    // Before: the step's read and write of its failure each waited 10 s; exit(1) at the shutdown timeout.
    expect(proc.exits).toEqual([]);
    expect(proc.exitCode).toBeUndefined();
    // The step's grace (2 s), its lock's release and the stores' close (2 s each at most).
    expect(Date.now() - stopping).toBeLessThan(12_000);
    expect(await socketsLeftTo(proxy.port), 'connections to PostgreSQL still open').toBe(0);
    expect(lines.some((line) => line.includes('app install step cut short'))).toBe(true);

    // The install is recorded, its step due: the background retry takes it over at the next start.
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ status: string; due: boolean }>(
        `SELECT status, next_attempt_at IS NOT NULL AS due FROM "${schema}".app_shops WHERE shop = $1`,
        [SHOP],
      );
      expect(rows).toEqual([{ status: 'pending', due: true }]);
    } finally {
      await client.end();
    }
  },
  60_000,
);

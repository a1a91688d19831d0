/**
 * Shutdown (SIGTERM) while app mode's requests wait on a link to PostgreSQL gone silent (a NAT or firewall
 * dropping the flow: no answer, no error, no close): the entry page's event list and an event's page (read
 * without the store timeout: they waited the query timeout, 10 s), the session check of the app's own UI and
 * an install call, and the admin API's mark of a lost uninstall call (their shop records, with
 * SRHOOKS_STORE_TIMEOUT_MS raised past it as an operator may). Such
 * a request held the shutdown until its timeout (10 s) and the process exited 1. Now their store calls are
 * bounded as the admin area's are (Store.forRequests, Store.shutdownBoundViewOf for the shop records): cut
 * short after the store's close grace (2 s) once the shutdown has begun, answered 503, and the shutdown
 * ends cleanly.
 *
 * runReceiver with a fake process; PostgreSQL through a fault proxy this test owns (`stall`: open
 * connections hang, new ones are accepted and never forwarded). Real PostgreSQL, a schema of its own.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signAppRequest } from '@srhooks/contracts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { secretFingerprint } from './app-mode/secret-fingerprint.js';
import { createShopSession, sessionQuery } from './app-mode/shop-session.js';
import { runReceiver } from './run-receiver.js';
import { PgAppShopStore } from './store/app-shops/pg-app-shop-store.js';
import { PgStore } from './store/postgres/pg-store.js';
import { FakeProcess } from './test-support/fake-process.js';
import { socketsLeftTo } from './test-support/open-sockets.js';
import { TEST_DATABASE_URL, testSchemas } from './test-support/postgres-schema.js';
import { TcpProxy } from './test-support/tcp-proxy.js';

const SECRET = 'silent-db-app-mode-secret-0123456789';
const CLIENT_SECRET = 'silent-db-app-mode-client-secret';
const ADMIN_TOKEN = 'silent-db-app-mode-admin-token-0123456789';
const SHOP = 'alpha';
const schema = testSchemas('srhooks_shut_app')();
const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
const dir = mkdtempSync(join(tmpdir(), 'srhooks-shutdown-silent-app-'));
const cleanups: (() => Promise<unknown>)[] = [];

/** A local port nothing listens on: the shop API the app would call (it is not called here). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 1;
}

beforeAll(async () => {
  // The schema, and the shop installed (its subscriptions signed with the receiver's secret).
  const store = new PgStore({ url: TEST_DATABASE_URL, schema, shareChanges: false });
  try {
    await store.migrate();
  } finally {
    await store.close();
  }
  const shops = new PgAppShopStore({ url: TEST_DATABASE_URL, schema });
  try {
    await shops.recordInstall(SHOP, { nextAttemptAt: new Date(Date.now() + 3_600_000) });
    await shops.markInstalled(SHOP, { subscriptions: [], secretFingerprint: secretFingerprint(SECRET) });
  } finally {
    await shops.close();
  }
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  await proxy.stop();
  rmSync(dir, { recursive: true, force: true });
});

it.skipIf(process.platform !== 'linux')(
  "answers app mode's entry, session and install requests a silent link leaves unanswered 503, and stops cleanly",
  async () => {
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.port = String(await proxy.start());
    const api = `http://127.0.0.1:${await closedPort()}`;
    writeFileSync(
      join(dir, 'srhooks.config.json'),
      JSON.stringify({ app: { apiUrl: `${api}/{shop}/api`, tokenUrl: `${api}/{shop}/token` } }),
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
        SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN,
        DATABASE_URL: viaProxy.toString(),
        SRHOOKS_DB_SCHEMA: schema,
        // Past the query timeout (10 s), as an operator may set it: the store timeout does not end them.
        SRHOOKS_STORE_TIMEOUT_MS: '30000',
        // The default: before, the requests' query timeout (10 s) reached it and the process exited 1.
        SRHOOKS_SHUTDOWN_TIMEOUT_MS: '10000',
        LOG_LEVEL: 'info',
      },
      dir,
    );
    const running = await runReceiver(proc, { defaultMetrics: false, logDestination: { write: () => {} } });
    if (running === null) throw new Error(`the receiver did not start: ${proc.stderrText.join('')}`);
    cleanups.push(() => running.app.close());
    const address = running.app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const session = sessionQuery(createShopSession(SHOP, CLIENT_SECRET));
    const entryList = `${base}/app/entry?${session}`;
    const sessionCheck = `${base}/app/entry/session?${session}`;
    const eventPage = `${base}/app/entry/events/evt_0000000000000000000000000000?${session}`;
    const installQuery = {
      shopname: SHOP,
      code: 'silentinstall1',
      timestamp: String(Math.floor(Date.now() / 1000)),
    };
    const install = `${base}/app/install?${new URLSearchParams({ ...installQuery, hmac: signAppRequest(installQuery, CLIENT_SECRET) })}`;

    // Running: each answers, and several connections of both pools are open, so the requests below send
    // their queries on open ones (a new connection into the silent link fails at its connect timeout).
    expect((await fetch(entryList)).status).toBe(200);
    expect((await fetch(sessionCheck)).status).toBe(200);
    await Promise.all([
      ...Array.from({ length: 4 }, () => fetch(entryList)),
      ...Array.from({ length: 2 }, () => fetch(sessionCheck)),
    ]);

    proxy.stall(); // PostgreSQL falls silent
    const requests = {
      list: fetch(entryList, { headers: { accept: 'text/html' } }),
      event: fetch(eventPage, { headers: { accept: 'text/html' } }),
      session: fetch(sessionCheck),
      install: fetch(install, { headers: { accept: 'text/html' } }),
      // The admin API's mark of a lost uninstall call reads and writes the shop records.
      markUninstalled: fetch(`${base}/admin/api/shops/${SHOP}/uninstall`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      }),
    };
    await new Promise((resolve) => setTimeout(resolve, 500)); // all wait on the silent link
    const stopping = Date.now();
    proc.emit('SIGTERM', 'SIGTERM');

    const list = await requests.list;
    expect(list.status).toBe(503);
    expect(await list.text()).toMatch(/try again in a minute/);
    expect((await requests.event).status).toBe(503);
    const installed = await requests.install;
    expect(installed.status, await installed.clone().text()).toBe(503);
    const checked = await requests.session;
    expect(checked.status).toBe(503);
    const answer = (await checked.json()) as { ok: boolean; error: { code: string; message: string } };
    expect(answer.ok).toBe(false);
    expect(answer.error.code).toBe('store_unavailable');
    expect(answer.error.message).toMatch(/receiver is stopping/);
    const marked = await requests.markUninstalled;
    expect(marked.status).toBe(503);
    const refused = (await marked.json()) as { error: { code: string; message: string } };
    expect(refused.error.code).toBe('store_unavailable');
    expect(refused.error.message).toMatch(/receiver is stopping/);

    const stopped = await Promise.race([
      running.stopped.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 20_000)),
    ]);
    expect(stopped).toBe(true);
    // Before: exit(1) at the shutdown timeout (10 s), the entry pages still waiting for their query timeout.
    expect(proc.exits).toEqual([]);
    expect(proc.exitCode).toBeUndefined();
    // The requests' grace (2 s from the shutdown's start), then the stores' close; generous for a loaded machine.
    expect(Date.now() - stopping).toBeLessThan(9000);
    expect(await socketsLeftTo(proxy.port), 'connections to PostgreSQL still open').toBe(0);
  },
  60_000,
);

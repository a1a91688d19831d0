/**
 * Closing a store while one of its connections is still being opened and the server has gone silent (a NAT
 * or firewall dropping the flow: the TCP connect is accepted, the startup never answered). The pool named a
 * connection to the close only once it had connected: the connect in flight was neither ended nor cut, and
 * its socket stayed open until the connect timeout — past the close, so a receiver's shutdown found a
 * connection to PostgreSQL still open (the flaky check of shutdown-silent-database-worker.test.ts, when a
 * lease renewal opened a fresh connection just before the link fell silent). Now every connection is known
 * from its creation: the close cuts the connect in flight with the rest, and the operation waiting on it
 * fails at once.
 *
 * Both PostgreSQL stores (events, app shops) through a fault proxy this test owns (`stall`: connections
 * accepted, nothing forwarded). Real PostgreSQL, schemas of their own. Sockets counted in /proc (Linux).
 */
import { afterAll, expect, it } from 'vitest';
import { socketsLeftTo, socketsTo } from '../../test-support/open-sockets.js';
import { TEST_DATABASE_URL, testSchemas } from '../../test-support/postgres-schema.js';
import { TcpProxy } from '../../test-support/tcp-proxy.js';
import { PgAppShopStore } from '../app-shops/pg-app-shop-store.js';
import { PgStore } from './pg-store.js';

const nextSchema = testSchemas('srhooks_close_connect');
const cleanups: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

/** A schema of the test's own, migrated; a fault proxy of the test's own in front of PostgreSQL; the URL through it. */
async function migratedSchemaBehindProxy(): Promise<{ schema: string; proxy: TcpProxy; url: string }> {
  const schema = nextSchema();
  const migrated = new PgStore({ url: TEST_DATABASE_URL, schema, shareChanges: false });
  await migrated.migrate();
  await migrated.close();
  const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
  const url = new URL(TEST_DATABASE_URL);
  url.port = String(await proxy.start());
  cleanups.push(() => proxy.stop());
  return { schema, proxy, url: url.toString() };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

it.skipIf(process.platform !== 'linux')(
  'the event store: a close cuts a connect the silent server never answered, and its operation fails at once',
  async () => {
    const { schema, proxy, url } = await migratedSchemaBehindProxy();

    // A connect timeout far past the close: before, the socket stayed open that long.
    const store = new PgStore({
      url,
      schema,
      shareChanges: false,
      connectTimeoutMs: 20_000,
      acquireTimeoutMs: 20_000,
      closeGraceMs: 300,
    });
    cleanups.push(() => store.close());
    await store.listEvents({}); // one pooled connection, idle now
    const accepted = proxy.connectionsAccepted;
    proxy.stall();
    // The idle connection hangs on its query; the second read opens a new connection, never answered.
    const reads = [store.listEvents({}), store.listEvents({})].map((read) =>
      read.then(
        () => 'answered',
        () => 'failed',
      ),
    );
    await until(() => proxy.connectionsAccepted > accepted, 'the second read to open a connection');
    expect(socketsTo(proxy.port)).toBe(2);

    const closing = Date.now();
    await store.close();
    expect(Date.now() - closing).toBeLessThan(5000);
    // Before: 1 (the connect in flight) until its 20 s connect timeout.
    expect(await socketsLeftTo(proxy.port)).toBe(0);
    // Both reads have failed by now (before: the second one waited for the connect timeout).
    const settled = Promise.all(reads);
    const late = new Promise((resolve) => setTimeout(() => resolve('still waiting'), 1000));
    expect(await Promise.race([settled, late])).toEqual(['failed', 'failed']);
    proxy.resume();
  },
  60_000,
);

it.skipIf(process.platform !== 'linux')(
  'the app shop store: a close cuts a connect the silent server never answered',
  async () => {
    const { schema, proxy, url } = await migratedSchemaBehindProxy();

    const shops = new PgAppShopStore({ url, schema });
    cleanups.push(() => shops.close());
    const accepted = proxy.connectionsAccepted;
    proxy.stall();
    const read = shops.list().then(
      () => 'answered',
      () => 'failed',
    );
    await until(() => proxy.connectionsAccepted > accepted, 'the read to open a connection');
    expect(socketsTo(proxy.port)).toBe(1);

    await shops.close();
    // Before: 1 until its 5 s connect timeout (the close gave up after its 2 s grace without cutting it).
    expect(await socketsLeftTo(proxy.port, 500)).toBe(0);
    expect(await read).toBe('failed');
    proxy.resume();
  },
  60_000,
);

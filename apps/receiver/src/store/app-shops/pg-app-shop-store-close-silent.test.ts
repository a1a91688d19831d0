/**
 * The app shop store (app mode, a pool of its own) when PostgreSQL has gone silent — a NAT or firewall
 * dropping the flow: no answer, no error, no close. Its close ended the pool's connections without waiting
 * for their goodbye, which never came: their sockets stayed open, half-closed, and kept the receiver's
 * process from exiting after a shutdown (until the operating system's TCP keepalive gave up, hours later);
 * an install lock's release waited for the unlock's query timeout and then for the goodbye for ever. Both
 * are bounded now: what has not finished within a moment has its socket destroyed.
 *
 * Through a proxy this test owns (`stall`: the open connections hang, new ones are accepted and never
 * forwarded). The connections left are this process's sockets to the proxy's port (/proc: Linux). Real
 * PostgreSQL, a schema of its own.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { socketsLeftTo, socketsTo } from '../../test-support/open-sockets.js';
import { TEST_DATABASE_URL, testSchemas } from '../../test-support/postgres-schema.js';
import { TcpProxy } from '../../test-support/tcp-proxy.js';
import { LOCK_RELEASE_WAIT_MS } from '../postgres/pg-shop-locks.js';
import { CLOSE_GRACE_MS, PgStore } from '../postgres/pg-store.js';
import { PgAppShopStore } from './pg-app-shop-store.js';

const schema = testSchemas('srhooks_appshop_silent')();
const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
const stores: PgAppShopStore[] = [];

beforeAll(async () => {
  const store = new PgStore({ url: TEST_DATABASE_URL, schema, shareChanges: false });
  try {
    await store.migrate(); // the app shop tables
  } finally {
    await store.close();
  }
  await proxy.start();
});
afterEach(() => {
  proxy.resume(); // connections from now on are forwarded again
});
afterAll(async () => {
  await proxy.stop();
});

function storeViaProxy(): PgAppShopStore {
  const viaProxy = new URL(TEST_DATABASE_URL);
  viaProxy.port = String(proxy.port);
  const store = new PgAppShopStore({ url: viaProxy.toString(), schema });
  stores.push(store);
  return store;
}

it.skipIf(process.platform !== 'linux')(
  'closes promptly with no connection left open to a silent server',
  async () => {
    const store = storeViaProxy();
    expect(await store.list()).toEqual([]);
    expect(socketsTo(proxy.port)).toBeGreaterThan(0);
    proxy.stall();
    const closing = Date.now();
    await store.close();
    expect(Date.now() - closing).toBeLessThan(CLOSE_GRACE_MS + 1500);
    // Before: the pool's connection stayed open, half-closed, waiting for the server's goodbye.
    expect(await socketsLeftTo(proxy.port)).toBe(0);
  },
  30_000,
);

it('releases an install lock within moments of its work ending, though the server went silent', async () => {
  const store = storeViaProxy();
  let workEnded = 0;
  const held = store
    .withInstallLock('demo', async () => {
      proxy.stall(); // the server falls silent while the lock is held (the shop's API called meanwhile)
      workEnded = Date.now();
    })
    .catch((error: unknown) => error);
  const settled = await Promise.race([
    held.then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), 15_000)),
  ]);
  // Before: the unlock's query timeout (10 s), then the connection's goodbye, for ever.
  expect(settled).toBe(true);
  expect(Date.now() - workEnded).toBeLessThan(LOCK_RELEASE_WAIT_MS + 1500);
  await store.close();
}, 30_000);

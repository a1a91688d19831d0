/**
 * Releasing a shop's lock (a recovery pass, a reconcile) when PostgreSQL has gone silent — a NAT or firewall
 * dropping the flow: no answer, no error, no close. The recovery lock's release (its session's limit set
 * back, then the unlock) waited for the query timeout twice (20 s by default), and a receiver shutting down
 * during a recovery pass waited that long, past its shutdown timeout (10 s by default: exit 1); the
 * reconcile lock's connection waited for the server's goodbye for ever. What does not finish within
 * LOCK_RELEASE_WAIT_MS (2 s) now has its socket destroyed: the session ends, and the lock with it.
 *
 * The store reaches PostgreSQL through a proxy this test owns (`stall`: the open connections hang, new ones
 * are accepted and never forwarded), with the default query timeout (10 s). Real PostgreSQL, a schema of
 * its own.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_DATABASE_URL, testSchemas } from '../../test-support/postgres-schema.js';
import { TcpProxy } from '../../test-support/tcp-proxy.js';
import { LOCK_RELEASE_WAIT_MS } from './pg-shop-locks.js';
import { PgStore } from './pg-store.js';

const nextSchema = testSchemas('srhooks_lock_rel');
const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
const stores: PgStore[] = [];

beforeAll(async () => {
  await proxy.start();
});
afterAll(async () => {
  await Promise.allSettled(stores.map((store) => store.close()));
  await proxy.stop();
});

async function storeViaProxy(): Promise<PgStore> {
  const viaProxy = new URL(TEST_DATABASE_URL);
  viaProxy.port = String(proxy.port);
  const store = new PgStore({ url: viaProxy.toString(), schema: nextSchema(), shareChanges: false });
  stores.push(store);
  await store.migrate();
  return store;
}

it.each([
  ['a recovery lock', (store: PgStore, work: () => Promise<void>) => store.withRecoveryLock('demo', work)],
  ['a reconcile lock', (store: PgStore, work: () => Promise<void>) => store.withReconcileLock('demo', work)],
])(
  '%s is released within moments of its work ending, though the server went silent',
  async (_name, withLock) => {
    const store = await storeViaProxy();
    let workEnded = 0;
    const held = withLock(store, async () => {
      proxy.stall(); // the server falls silent while the lock is held (a shop API call, say)
      workEnded = Date.now();
    }).catch((error: unknown) => error);
    const settled = await Promise.race([
      held.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 15_000)),
    ]);
    proxy.resume();
    // Before: 20 s (two query timeouts) for the recovery lock, never for the reconcile lock.
    expect(settled).toBe(true);
    expect(Date.now() - workEnded).toBeLessThan(LOCK_RELEASE_WAIT_MS + 1500);
  },
  60_000,
);

/**
 * Releasing a shop's lock (a recovery pass, a reconcile) when PostgreSQL has gone silent — a NAT or firewall
 * dropping the flow: no answer, no error, no close. The recovery lock's release (its session's limit set
 * back, then the unlock) waited for the query timeout twice (20 s by default), and a receiver shutting down
 * during a recovery pass waited that long, past its shutdown timeout (10 s by default: exit 1); the
 * reconcile lock's connection waited for the server's goodbye for ever; the prune lock's release (retention,
 * `srhooks prune`) waited the query timeout twice, as the recovery lock's had. What does not finish within
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

it('the prune lock is released within moments of its run failing, though the server went silent', async () => {
  const viaProxy = new URL(TEST_DATABASE_URL);
  viaProxy.port = String(proxy.port);
  const queryTimeoutMs = 5000;
  const store = new PgStore({
    url: viaProxy.toString(),
    schema: nextSchema(),
    shareChanges: false,
    queryTimeoutMs,
  });
  stores.push(store);
  await store.migrate();
  let stalledAt = 0;
  // Read between chunks, once the lock is held: the server falls silent right before the first chunk.
  const signal = {
    get aborted() {
      if (stalledAt === 0) {
        proxy.stall();
        stalledAt = Date.now();
      }
      return false;
    },
  } as AbortSignal;
  const run = store.prune({ before: new Date(), signal }).catch((error: unknown) => error);
  const settled = await Promise.race([
    run.then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), 30_000)),
  ]);
  proxy.resume();
  expect(settled).toBe(true);
  expect(stalledAt).toBeGreaterThan(0);
  // The chunk fails within its query timeout, then the release takes at most LOCK_RELEASE_WAIT_MS. Before:
  // the query timeout twice more (setting the session's limit back, the unlock): 12 s measured.
  expect(Date.now() - stalledAt).toBeLessThan(queryTimeoutMs + LOCK_RELEASE_WAIT_MS + 2000);
}, 60_000);

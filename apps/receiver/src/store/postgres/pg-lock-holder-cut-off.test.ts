/**
 * A receiver holding a shop's session advisory lock (a recovery pass, a reconcile) whose link to PostgreSQL
 * goes silent — a NAT or firewall dropping the flow, the receiver's host cut off: no error, no close reaches
 * the server — must not keep the lock from the other receivers for hours. The server keeps such a session,
 * and its locks, until its TCP keepalive gives up (about two hours by default); every other receiver skipped
 * the shop's recovery ("a pass for this shop is running") and gave up its reconcile (`reconcile_lock_busy`)
 * all that time. The holder now talks on the lock's connection while it holds it, and the server ends a
 * session that stays silent past the lock's idle limit (`idle_session_timeout`), releasing the lock.
 *
 * Instance A reaches PostgreSQL through a proxy this test owns (`freeze`: the open connections hang for good,
 * nothing closed); instance B connects directly. Real PostgreSQL, a schema of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, testSchemas } from '../../test-support/postgres-schema.js';
import { TcpProxy } from '../../test-support/tcp-proxy.js';
import { jsonDelivery } from '../test-support/store-contract.js';
import { PgStore } from './pg-store.js';

const LOCK_IDLE_MS = 2000;
const nextSchema = testSchemas('srhooks_lock_cut');

async function until(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return Date.now() - started;
}

describe('a lock holder cut off from PostgreSQL', () => {
  const schema = nextSchema();
  const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
  let a: PgStore;
  let b: PgStore;
  const options = {
    schema,
    poolSize: 3,
    queryTimeoutMs: 1000,
    lockIdleTimeoutMs: LOCK_IDLE_MS,
    shareChanges: false,
  };

  beforeAll(async () => {
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.port = String(await proxy.start());
    a = new PgStore({ url: viaProxy.toString(), ...options });
    b = new PgStore({ url: TEST_DATABASE_URL, ...options });
    await a.migrate();
    await b.migrate();
  });
  afterAll(async () => {
    await proxy.stop();
    // A's pool may still hold connections the freeze left hanging: not waited for beyond a moment.
    await Promise.race([
      Promise.allSettled([a?.close(), b?.close()]),
      new Promise((resolve) => setTimeout(resolve, 5000)),
    ]);
  });

  it('a recovery lock is released by the server once its holder fell silent, and a held one is kept', async () => {
    const tryB = async () => (await b.withRecoveryLock('demo', async () => 'b')).acquired;
    let releaseA: () => void = () => {};
    const heldByA = new Promise<void>((resolve) => {
      releaseA = resolve;
    });
    let started: () => void = () => {};
    const aHolds = new Promise<void>((resolve) => {
      started = resolve;
    });
    const aPass = a.withRecoveryLock('demo', async () => {
      started();
      await heldByA;
    });
    await aHolds;
    // Held past its idle limit while A is well: A keeps it (a long pass is not cut short).
    await new Promise((resolve) => setTimeout(resolve, LOCK_IDLE_MS * 2));
    expect(await tryB()).toBe(false);

    proxy.freeze();
    const waited = await until(tryB, 'B to take the recovery lock', 30_000);
    expect(waited).toBeLessThan(LOCK_IDLE_MS * 5);
    releaseA();
    await aPass.catch(() => {}); // A's unlock cannot reach the server: it fails, A carries on
  });

  it('the prune (retention) lock likewise: the other receiver prunes instead of "a prune is running"', async () => {
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.port = String(proxy.port);
    const a3 = new PgStore({ url: viaProxy.toString(), ...options });
    try {
      for (let i = 0; i < 3; i++) await b.ingest(jsonDelivery(), [], []);
      // A prunes a delivery per transaction; after its first, its link goes silent (the lock still held).
      let firstChunk = () => {};
      const aHolds = new Promise<void>((resolve) => (firstChunk = resolve));
      const aPrunes = a3
        .prune({
          before: new Date(Date.now() + 60_000),
          chunkSize: 1,
          onChunk: () => {
            proxy.freeze();
            firstChunk();
          },
        })
        .catch((error: unknown) => error);
      await aHolds;
      const started = Date.now();
      let counts: Awaited<ReturnType<PgStore['prune']>> | undefined;
      while (!counts && Date.now() - started < 30_000) {
        counts = await b.prune({ before: new Date(Date.now() + 60_000) }).catch(() => undefined);
        if (!counts) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(counts?.deliveries).toBe(2); // the two A left
      expect(Date.now() - started).toBeLessThan(LOCK_IDLE_MS * 5);
      expect(await aPrunes).toBeInstanceOf(Error);
    } finally {
      await Promise.race([a3.close().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 5000))]);
    }
  });

  it('a reconcile lock likewise', async () => {
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.port = String(proxy.port);
    const a2 = new PgStore({ url: viaProxy.toString(), ...options });
    try {
      let started: () => void = () => {};
      const aHolds = new Promise<void>((resolve) => {
        started = resolve;
      });
      let releaseA: () => void = () => {};
      const aReconcile = a2.withReconcileLock('demo', async () => {
        started();
        await new Promise<void>((resolve) => {
          releaseA = resolve;
        });
      });
      await aHolds;
      proxy.freeze();
      const startedWaiting = Date.now();
      await b.withReconcileLock('demo', async () => 'b', { waitMs: 30_000 });
      expect(Date.now() - startedWaiting).toBeLessThan(LOCK_IDLE_MS * 5);
      releaseA();
      await aReconcile.catch(() => {});
    } finally {
      await Promise.race([a2.close().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 5000))]);
    }
  });
});

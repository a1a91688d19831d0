/**
 * The PostgreSQL install lock (`PgAppShopStore.withInstallLock`) against the real server, two stores as two
 * receivers on one database (the lock's name carries a schema unique to this run, so parallel runs never
 * meet): one holder at a time; released when the work fails; a wait bounded by `waitMs`; a holder whose
 * lock connection is terminated sees its work's signal abort, and the lock is free for the next at once;
 * an acquisition given up by `boundAcquisition` (the shutdown's grace) runs nothing and keeps no lock.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, uniqueSchemaName } from '../../test-support/postgres-schema.js';
import { TcpProxy } from '../../test-support/tcp-proxy.js';
import { PgAppShopStore } from './pg-app-shop-store.js';
import { InstallLockBusyError, InstallLockLostError, installLockName } from './shop-install-lock.js';

describe('PostgreSQL install lock across two stores', () => {
  // Only names the lock; no tables are needed (and none are created).
  const schema = uniqueSchemaName('install_lock');
  const a = new PgAppShopStore({ url: TEST_DATABASE_URL, schema });
  const b = new PgAppShopStore({ url: TEST_DATABASE_URL, schema });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /**
   * Store a holding alpha's lock until `release`: resolved once its work runs (the lock granted). Before,
   * the tests slept 200 ms for it; on a loaded machine b was granted the lock first, the test failed before
   * a's work had run, its `release` was still the no-op, and a then held alpha for good — that test and the
   * next one on alpha waited out their 90 s limit (a clean-clone CI run at load 13).
   */
  async function aHoldsAlpha(): Promise<{ held: Promise<void>; release: () => void }> {
    let release = () => {};
    let holding = () => {};
    const holds = new Promise<void>((resolve) => (holding = resolve));
    const held = a.withInstallLock(
      'alpha',
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
          holding();
        }),
    );
    await holds;
    return { held, release };
  }

  it('lets one holder in at a time per shop, and other shops meanwhile', async () => {
    const trace: string[] = [];
    const work = (name: string) => async () => {
      trace.push(`${name} in`);
      await sleep(150);
      trace.push(`${name} out`);
    };
    await Promise.all([
      a.withInstallLock('alpha', work('a')),
      b.withInstallLock('alpha', work('b')),
      b.withInstallLock('beta', async () => void trace.push('beta')),
    ]);
    const alpha = trace.filter((line) => line !== 'beta');
    expect([
      ['a in', 'a out', 'b in', 'b out'],
      ['b in', 'b out', 'a in', 'a out'],
    ]).toContainEqual(alpha);
    // beta did not wait for alpha's holders.
    expect(trace.indexOf('beta')).toBeLessThan(trace.lastIndexOf('a out'));
  });

  it('releases the lock when the work fails', async () => {
    await expect(
      a.withInstallLock('alpha', async () => {
        throw new Error('the API step failed');
      }),
    ).rejects.toThrow('the API step failed');
    const started = Date.now();
    await b.withInstallLock('alpha', async () => undefined, { waitMs: 2000 });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('gives up waiting after waitMs with InstallLockBusyError, running nothing', async () => {
    const { held, release } = await aHoldsAlpha();
    let ran = false;
    const started = Date.now();
    const waited = b.withInstallLock(
      'alpha',
      async () => {
        ran = true;
      },
      { waitMs: 300 },
    );
    await expect(waited).rejects.toBeInstanceOf(InstallLockBusyError);
    await expect(waited).rejects.toMatchObject({ code: 'install_lock_busy' });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(ran).toBe(false);
    release();
    await held;
  });

  it('aborts the holder’s signal when its lock connection is lost, and frees the lock', async () => {
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      let seen: unknown;
      const held = a.withInstallLock('alpha', async (signal) => {
        // The holding backend: the one granted this run's (unique) advisory lock.
        const { rows } = await admin.query(
          `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
             AND objid = (hashtext($1)::bigint & 4294967295)::oid`,
          [installLockName(schema, 'alpha')],
        );
        expect(rows).toHaveLength(1);
        await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
        await new Promise<void>((resolve) => {
          if (signal.aborted) resolve();
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
        seen = signal.reason;
      });
      await held;
      expect(seen).toBeInstanceOf(InstallLockLostError);
      const started = Date.now();
      await b.withInstallLock('alpha', async () => undefined, { waitMs: 2000 });
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      await admin.end();
    }
  });

  it('is released by the server once its holder was cut off from it silently (a NAT or firewall dropped the flow)', async () => {
    const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.port = String(await proxy.start());
    const cutOff = new PgAppShopStore({ url: viaProxy.toString(), schema, lockIdleTimeoutMs: 2000 });
    try {
      let holding = () => {};
      const holds = new Promise<void>((resolve) => (holding = resolve));
      const held = cutOff.withInstallLock('gamma', async () => {
        holding();
        await sleep(6000); // longer than the idle limit: a holder that is well keeps it that long
      });
      await holds;
      await sleep(3000);
      await expect(b.withInstallLock('gamma', async () => undefined, { waitMs: 200 })).rejects.toBeInstanceOf(
        InstallLockBusyError,
      );
      proxy.freeze(); // nothing more reaches the server from the holder, and nothing tells it so
      const started = Date.now();
      await b.withInstallLock('gamma', async () => undefined, { waitMs: 20_000 });
      expect(Date.now() - started).toBeLessThan(10_000);
      await proxy.stop(); // the holder's unlock would otherwise wait for its query timeout
      await held.catch(() => {});
    } finally {
      await proxy.stop();
      await Promise.race([cutOff.close(), sleep(5000)]);
    }
  });

  it('gives up taking the lock when boundAcquisition rejects (the shutdown grace), running nothing', async () => {
    const { held, release } = await aHoldsAlpha();
    try {
      // a holds it: b's acquisition waits on the server
      let ran = false;
      const givenUp = new Error('given up: the receiver is stopping');
      const waited = b.withInstallLock(
        'alpha',
        async () => {
          ran = true;
        },
        {
          boundAcquisition: (acquiring) =>
            Promise.race([acquiring, sleep(300).then(() => Promise.reject(givenUp))]),
        },
      );
      const started = Date.now();
      await expect(waited).rejects.toBe(givenUp);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(ran).toBe(false);
    } finally {
      release();
      await held;
    }
    // The given-up session (its connection cut) does not keep the lock once a released it.
    const started = Date.now();
    await b.withInstallLock('alpha', async () => undefined, { waitMs: 5000 });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('aborts the holder’s signal once held past holdMs', async () => {
    const reason = await a.withInstallLock(
      'alpha',
      (signal) =>
        new Promise<unknown>((resolve) => signal.addEventListener('abort', () => resolve(signal.reason))),
      { holdMs: 200 },
    );
    expect(reason).toBeInstanceOf(InstallLockLostError);
  });
});

/**
 * The app shop store's own pool (PostgreSQL) when a receiver's connection is lost inside one of its
 * transactions (an uninstall, a payment's filing):
 * - cut off silently (a NAT or firewall dropping the flow: nothing reaches the server), the transaction stayed
 *   open on the server with the shop's row locked until the server's TCP keepalive gave up (about two hours):
 *   every other receiver's write of that shop failed on its query timeout. The server now rolls it back
 *   (`idle_in_transaction_session_timeout`);
 * - cut (a server restart, a network cut), the checked-out connection's 'error' event had no listener: an
 *   uncaught exception, which ends a receiver process. The call now fails with store_unavailable.
 * Through a proxy this test owns; real PostgreSQL, a schema of its own per case.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, uniqueSchemaName } from '../../test-support/postgres-schema.js';
import { TcpProxy } from '../../test-support/tcp-proxy.js';
import { PgStore } from '../postgres/pg-store.js';
import { PgAppShopStore } from './pg-app-shop-store.js';

describe('the app shop store: a receiver cut off silently inside a transaction', () => {
  const schema = uniqueSchemaName('app_tx_cut');
  const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
  const opened: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    await proxy.stop();
    await Promise.race([
      Promise.allSettled(opened.map((store) => store.close())),
      new Promise((resolve) => setTimeout(resolve, 5000)),
    ]);
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => admin.end());
  });

  it("does not hold the shop's record: the server rolls the transaction back and another receiver writes it", async () => {
    const tables = new PgStore({ url: TEST_DATABASE_URL, schema, shareChanges: false });
    opened.push(tables);
    await tables.migrate();
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.port = String(await proxy.start());
    const a = new PgAppShopStore({ url: viaProxy.toString(), schema, idleInTransactionTimeoutMs: 2000 });
    const b = new PgAppShopStore({ url: TEST_DATABASE_URL, schema });
    opened.push(a, b);
    await b.recordInstall('alpha', { nextAttemptAt: new Date() });
    await a.get('alpha'); // A's connection is open before the link slows down

    // A's uninstall: its replies trail by 400 ms, and the link goes silent once the row is locked.
    proxy.delay(400, 'replies');
    const uninstall = a.markUninstalled('alpha', { reason: 'uninstalled' }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 600));
    proxy.freeze();

    const started = Date.now();
    const written = await b
      .markInstalled('alpha', { subscriptions: [], secretFingerprint: 'f'.repeat(16) })
      .catch((error: unknown) => error);
    expect(written).toBe(true);
    expect(Date.now() - started).toBeLessThan(9000);
    await proxy.stop();
    expect(await uninstall).toBeInstanceOf(Error);
    expect((await b.get('alpha'))?.status).toBe('installed');
  });
});

describe('the app shop store: a connection lost inside a transaction', () => {
  const schema = uniqueSchemaName('app_tx_lost');
  const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
  const opened: Array<{ close(): Promise<void> }> = [];
  const uncaught: unknown[] = [];
  const record = (error: unknown) => void uncaught.push(error);
  afterAll(async () => {
    process.removeListener('uncaughtException', record);
    await proxy.stop();
    await Promise.allSettled(opened.map((store) => store.close()));
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => admin.end());
  });

  it('fails the call (store unavailable), not the process with an uncaught error', async () => {
    const tables = new PgStore({ url: TEST_DATABASE_URL, schema, shareChanges: false });
    opened.push(tables);
    await tables.migrate();
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.port = String(await proxy.start());
    const a = new PgAppShopStore({ url: viaProxy.toString(), schema });
    opened.push(a);
    await a.recordInstall('beta', { nextAttemptAt: new Date() });
    process.prependListener('uncaughtException', record);

    proxy.delay(300, 'replies');
    const uninstall = a.markUninstalled('beta', { reason: 'uninstalled' }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 450)); // inside its transaction
    proxy.cut(); // a server restart, a network cut
    expect(await uninstall).toMatchObject({ code: 'store_unavailable' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(uncaught).toEqual([]);
    proxy.delay(0);
    expect((await a.get('beta'))?.status).toBe('pending'); // the next call reconnects; nothing was committed
  });
});

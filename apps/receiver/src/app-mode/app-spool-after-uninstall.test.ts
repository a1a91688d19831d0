/**
 * An order spooled while its shop had the app installed, drained after the shop uninstalled it (the
 * receiver was down meanwhile; another receiver, or an operator, took the uninstall): the uninstall
 * cancels the shop's waiting jobs, so the drained order gets none either — it is stored (it was
 * acknowledged), and the app's handlers do not run for a shop that removed the app. Found by QA: the
 * drained order got a job and the handler ran. SQLite; another connection holds the store's write
 * lock so the order is spooled.
 *
 * The drain asks the store (one read of the shop), not the receiver's list in memory: on a PostgreSQL store
 * shared with another receiver that took the uninstall while this one could not hear it (its store and
 * change feed cut: the order was spooled because of that), the list still said installed and the drained
 * order got a job and the handler ran. PostgreSQL behind a TcpProxy this test owns.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildReceiver } from '../app.js';
import type { ReceiverConfig } from '../config/config-schema.js';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';
import { TcpProxy } from '../test-support/tcp-proxy.js';
import {
  ADMIN_TOKEN,
  type AppModeFixture,
  eventually,
  freePort,
  startAppModeFixture,
} from './test-support/app-mode-fixture.js';

const schemas = testSchemas('app_spool_uninstalled');
const proxies: TcpProxy[] = [];
const fixtures: AppModeFixture[] = [];
const receivers: FastifyInstance[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const receiver of receivers.splice(0)) await receiver.close();
  for (const fixture of fixtures.splice(0)) await fixture.close();
  for (const proxy of proxies.splice(0)) await proxy.stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function restart(config: ReceiverConfig, logLines: string[]): Promise<FastifyInstance> {
  const receiver = await buildReceiver(config, {
    defaultMetrics: false,
    processing: { logWrite: () => {} },
    spool: { retryMs: 100, maxRetryMs: 200 },
    logDestination: { write: (line: string) => void logLines.push(line) },
  });
  receivers.push(receiver);
  await receiver.ready();
  return receiver;
}

describe('app mode: a spooled order drained after its shop uninstalled the app', () => {
  it('is stored without handler jobs, and says so in the log', async () => {
    const spoolDir = mkdtempSync(join(tmpdir(), 'srhooks-spool-uninstall-'));
    dirs.push(spoolDir);
    const f = await startAppModeFixture({
      shops: ['alpha'],
      // The delivery made while the file is locked is answered once spooled; on a 0.7-CPU run that took
      // longer than the sandbox's 10 s delivery timeout (A15), which is not what this test is about.
      sandbox: { deliveryTimeoutMs: 60_000 },
      config: { storeTimeoutMs: 400, spoolDir },
      spool: { retryMs: 100, maxRetryMs: 200 },
    });
    fixtures.push(f);
    expect((await f.sandbox.apps.install('55', 'alpha')).install.status).toBe(302);

    // The store busy: the order is spooled (acknowledged), then the receiver stops with it in the spool.
    const locker = new Database(f.config.db);
    locker.exec('BEGIN IMMEDIATE');
    await f.sandbox.simulator.placeOrder('alpha', { seed: 7 });
    await f.sandbox.simulator.waitForIdle();
    expect(f.sandbox.simulator.deliveries('alpha').map((delivery) => delivery.status)).toEqual([200]);
    expect(readdirSync(spoolDir).filter((name) => name.endsWith('.delivery'))).toHaveLength(1);
    await f.receiver.close();
    locker.exec('ROLLBACK');
    locker.close();

    // Meanwhile the shop is marked uninstalled by a receiver without the spool.
    // (The short store timeout was for spooling the order; the receivers after it get a roomy one.)
    const { spoolDir: _spool, ...withoutSpool } = { ...f.config, storeTimeoutMs: 10_000 };
    const other = await restart(withoutSpool as ReceiverConfig, []);
    const marked = await other.inject({
      method: 'POST',
      url: '/admin/api/shops/alpha/uninstall',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(marked.statusCode, marked.body).toBe(200);
    await other.close();
    receivers.splice(receivers.indexOf(other), 1);

    // Back on the spool: the order drains, stored, with no job for the app's handler.
    const logLines: string[] = [];
    const back = await restart({ ...f.config, storeTimeoutMs: 10_000 }, logLines);
    const orders = await eventually(async () => {
      const page = await back.store.listEvents({ shop: 'alpha', event: 'order_confirm' });
      return page.items.length > 0 ? page.items : undefined;
    });
    expect(orders).toHaveLength(1);
    const event = await back.store.getEvent(orders[0]?.id as string);
    expect(event?.jobs).toEqual([]);
    // The drained files are removed after their batch's commit, while the next batch is stored.
    await eventually(async () =>
      readdirSync(spoolDir).some((name) => name.endsWith('.delivery')) ? undefined : true,
    );
    const line = logLines
      .map((text) => JSON.parse(text) as { level: number; msg: string; shop?: string })
      .find((entry) => entry.msg.startsWith('spooled delivery of a shop that uninstalled the app'));
    expect(line).toMatchObject({ level: 30, shop: 'alpha' });
    expect(logLines.join('\n')).not.toMatch(/@|Kovács|Budapest/);
  });

  it("PostgreSQL shared with the receiver that took the uninstall: decided by the store, not this receiver's stale list", async () => {
    const spoolDir = mkdtempSync(join(tmpdir(), 'srhooks-spool-uninstall-pg-'));
    dirs.push(spoolDir);
    const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
    proxies.push(proxy);
    const proxied = new URL(TEST_DATABASE_URL);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(await proxy.start());
    const schema = schemas();
    const f = await startAppModeFixture({
      shops: ['alpha'],
      sandbox: { deliveryTimeoutMs: 60_000 },
      config: { databaseUrl: proxied.toString(), databaseSchema: schema, storeTimeoutMs: 1500, spoolDir },
      spool: { retryMs: 100, maxRetryMs: 300 },
      // No periodic re-read within the test; the change feed comes through the proxy (cut below).
      shopDirectory: { refreshMs: 3_600_000, refreshOnUninstall: false },
    });
    fixtures.push(f);
    expect((await f.sandbox.apps.install('55', 'alpha')).install.status).toBe(302);

    // This receiver's store cut: the order is spooled (its list says installed).
    await proxy.stop();
    await f.sandbox.simulator.placeOrder('alpha', { seed: 7 });
    await f.sandbox.simulator.waitForIdle();
    expect(f.sandbox.simulator.deliveries('alpha').map((delivery) => delivery.status)).toEqual([200]);
    expect(readdirSync(spoolDir).filter((name) => name.endsWith('.delivery'))).toHaveLength(1);

    // Meanwhile another receiver on the same store (reaching it directly) marks the shop uninstalled.
    const { spoolDir: _spool, ...direct } = {
      ...f.config,
      databaseUrl: TEST_DATABASE_URL,
      port: await freePort(),
      storeTimeoutMs: 10_000,
    };
    const other = await restart(direct as ReceiverConfig, []);
    const marked = await other.inject({
      method: 'POST',
      url: '/admin/api/shops/alpha/uninstall',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(marked.statusCode, marked.body).toBe(200);
    expect(f.receiver.shopDirectory.isUninstalled('alpha')).toBe(false); // not heard here

    // The store back: the order drains, stored, with no job for the app's handler.
    await proxy.start();
    const orders = await eventually(async () => {
      const page = await other.store.listEvents({ shop: 'alpha', event: 'order_confirm' });
      return page.items.length > 0 ? page.items : undefined;
    });
    expect(orders).toHaveLength(1);
    expect((await other.store.getEvent(orders[0]?.id as string))?.jobs).toEqual([]);
    expect(f.receiver.shopDirectory.isUninstalled('alpha')).toBe(true); // it took what it read
  }, 90_000);
});

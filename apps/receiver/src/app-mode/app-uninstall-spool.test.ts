/**
 * ShopRenter's uninstall call (called once; not known to retry — assumed) while the store is
 * unavailable at runtime. PostgreSQL behind a TcpProxy this test owns (stopped: connections refused);
 * SQLite with another connection holding the file's write lock. With the delivery spool on, a verified
 * call is spooled (format 2, source app_uninstall) and answered 200; a forged one 401, never spooled;
 * once the store is back the drainer marks the shop uninstalled at the call's time, cancels its waiting
 * jobs and stores its app_uninstalled event under the spooled id — once, however often it is applied — and
 * never undoes an install recorded after the call, nor applies a replayed code. Without the spool: 503,
 * and the log names the shop whose uninstall was lost and the command that marks it.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
  type AppModeFixture,
  adminGet,
  eventually,
  signedAppPath,
  startAppModeFixture,
} from './test-support/app-mode-fixture.js';

const schemas = testSchemas('unspool');
const fixtures: AppModeFixture[] = [];
const receivers: FastifyInstance[] = [];
const proxies: TcpProxy[] = [];
const dirs: string[] = [];
let locker: Database.Database | null = null;
afterEach(async () => {
  unlock();
  for (const proxy of proxies) await proxy.start().catch(() => 0);
  for (const receiver of receivers.splice(0)) await receiver.close();
  for (const fixture of fixtures.splice(0)) await fixture.close();
  for (const proxy of proxies.splice(0)) await proxy.stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function lock(db: string): void {
  locker = new Database(db);
  locker.exec('BEGIN IMMEDIATE');
}
function unlock(): void {
  locker?.exec('ROLLBACK');
  locker?.close();
  locker = null;
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

function spoolFiles(spoolDir: string): string[] {
  return readdirSync(spoolDir).filter((name) => name.endsWith('.delivery'));
}

type Json = Record<string, unknown>;
const parsed = (lines: string[]) => lines.map((line) => JSON.parse(line) as Json);

/** A receiver on the fixture's port again (its sandbox app calls that port), with `config`. */
async function startAgain(config: ReceiverConfig, logLines: string[] = []): Promise<FastifyInstance> {
  const receiver = await buildReceiver(config, {
    defaultMetrics: false,
    processing: { logWrite: () => {} },
    spool: { retryMs: 100, maxRetryMs: 200 },
    logDestination: { write: (line: string) => void logLines.push(line) },
  });
  receivers.push(receiver);
  await receiver.listen({ port: config.port, host: '127.0.0.1' });
  return receiver;
}

async function stop(receiver: FastifyInstance): Promise<void> {
  await receiver.close();
  receivers.splice(receivers.indexOf(receiver), 1);
}

async function sqliteFixture(spoolDir: string | null): Promise<AppModeFixture> {
  const f = await startAppModeFixture({
    shops: ['alpha'],
    config: { storeTimeoutMs: 400, ...(spoolDir ? { spoolDir } : {}) },
    spool: { retryMs: 100, maxRetryMs: 200 },
  });
  fixtures.push(f);
  expect((await f.sandbox.apps.install('55', 'alpha')).install.status).toBe(302);
  return f;
}

/** The shop's uninstall call, as ShopRenter makes it (the sandbox); its answer. */
async function uninstallCall(f: AppModeFixture, shop = 'alpha'): Promise<{ status: number; json: Json }> {
  const { uninstall } = await f.sandbox.apps.uninstall('55', shop);
  return { status: uninstall.status ?? 0, json: JSON.parse(uninstall.bodyExcerpt ?? '{}') as Json };
}

describe('app mode: the uninstall call while the store is unavailable (runtime outage)', () => {
  it('PostgreSQL unreachable: a verified call is spooled and answered 200, a forged one 401; drained, the shop is uninstalled at the call time, its waiting job cancelled, its event stored once', async () => {
    const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
    proxies.push(proxy);
    const url = new URL(TEST_DATABASE_URL);
    url.hostname = '127.0.0.1';
    url.port = String(await proxy.start());
    const spoolDir = tempDir('srhooks-uninstall-spool-pg-');
    const f = await startAppModeFixture({
      shops: ['alpha', 'beta'],
      config: { databaseUrl: url.toString(), databaseSchema: schemas(), storeTimeoutMs: 1500, spoolDir },
      spool: { retryMs: 100, maxRetryMs: 300 },
    });
    fixtures.push(f);
    for (const shop of ['alpha', 'beta'])
      expect((await f.sandbox.apps.install('55', shop)).install.status).toBe(302);
    // an order whose job waits (the handler paused): the uninstall cancels it
    await f.receiver.store.disableHandler('audit', { reason: 'test: keep the job pending' });
    const { order } = await f.sandbox.simulator.placeOrder('alpha', { seed: 3 });
    await f.sandbox.simulator.waitForIdle();
    const waiting = await eventually(async () => {
      const page = await f.receiver.store.listEvents({ shop: 'alpha', event: 'order_confirm' });
      return page.items.find((e) => e.subjectId === String(order.innerId) && e.status === 'pending');
    });

    await proxy.stop();
    const forged = await fetch(
      `${f.baseUrl}/app/uninstall?shopname=beta&code=abc&timestamp=${Math.floor(Date.now() / 1000)}&hmac=${'0'.repeat(64)}`,
    );
    expect(forged.status).toBe(401);
    expect(spoolFiles(spoolDir)).toEqual([]);

    const before = Date.now();
    const call = await uninstallCall(f);
    expect(call).toEqual({
      status: 200,
      json: { ok: true, shop: 'alpha', deliveryId: expect.stringMatching(/^dlv_/), spooled: true },
    });
    const deliveryId = call.json.deliveryId as string;
    expect(spoolFiles(spoolDir)).toEqual([`${deliveryId}.delivery`]);
    const file = readFileSync(join(spoolDir, `${deliveryId}.delivery`));
    expect(file.subarray(0, 16).toString()).toBe('srhooks-spool 2\n');
    expect(file.toString()).toContain('"source":"app_uninstall"');

    await proxy.start();
    await expect.poll(() => spoolFiles(spoolDir).length).toBe(0);
    const record = await f.receiver.appShops?.get('alpha');
    expect(record?.status).toBe('uninstalled');
    const stored = await f.receiver.store.getDelivery(deliveryId);
    expect(stored).toMatchObject({ shop: 'alpha', event: 'app_uninstalled', status: 'stored' });
    // the call's time, not the drain's
    expect(record?.uninstalledAt?.getTime()).toBe(stored?.receivedAt.getTime());
    expect(record?.uninstalledAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    const events = (await f.receiver.store.listEvents({ shop: 'alpha', event: 'app_uninstalled' })).items;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      deliveryId,
      dedupeKey: `uninstall:${record?.uninstalledAt?.toISOString()}`,
    });
    const event = await f.receiver.store.getEvent(events[0]?.id as string);
    expect(event?.payload).toMatchObject({ shop: 'alpha', uninstalledBy: 'shoprenter', cancelledJobs: 1 });
    expect((await f.receiver.store.getEvent(waiting.id))?.status).toBe('dead');
    // the other shop untouched; the uninstalled one's URLs answer 404 now
    expect((await f.receiver.appShops?.get('beta'))?.status).toBe('installed');
    const shops = (await adminGet(f.baseUrl, '/shops')).items as Array<{ name: string; status: string }>;
    expect(shops.find((shop) => shop.name === 'alpha')?.status).toBe('uninstalled');
    const metrics = await (await fetch(`${f.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/srhooks_spool_deliveries_total\{outcome="stored"\} 1/);
    expect(f.logLines.join('\n')).toContain('uninstall call spooled');
  }, 90_000);

  it('without the spool: 503 store_unavailable, nothing recorded, and the log says whose uninstall was lost and how to mark it', async () => {
    const f = await sqliteFixture(null);
    lock(f.config.db);
    const call = await uninstallCall(f);
    expect(call.status).toBe(503);
    expect(call.json).toMatchObject({ ok: false, error: { code: 'store_unavailable' } });
    unlock();
    expect((await f.receiver.appShops?.get('alpha'))?.status).toBe('installed');
    const lost = parsed(f.logLines).find((line) => line.code === 'uninstall_lost');
    expect(lost).toMatchObject({ level: 50, shop: 'alpha' });
    expect(String(lost?.msg)).toContain('srhooks app mark-uninstalled alpha');
    expect(String(lost?.msg)).toContain('SRHOOKS_SPOOL_DIR');
  });

  it('applied twice (a drain interrupted before the file went): the second changes nothing, one event, the first time kept', async () => {
    const spoolDir = tempDir('srhooks-uninstall-spool-twice-');
    const f = await sqliteFixture(spoolDir);
    lock(f.config.db);
    const call = await uninstallCall(f);
    expect(call.json).toMatchObject({ ok: true, spooled: true });
    const name = `${call.json.deliveryId}.delivery`;
    const copy = join(tempDir('srhooks-uninstall-copy-'), name);
    copyFileSync(join(spoolDir, name), copy);
    unlock();
    await expect.poll(() => spoolFiles(spoolDir).length).toBe(0);
    const first = await f.receiver.appShops?.get('alpha');
    expect(first?.status).toBe('uninstalled');

    // the file back, as a crash between the commit and its removal leaves it; a new start drains it
    await f.receiver.close();
    copyFileSync(copy, join(spoolDir, name));
    const logLines: string[] = [];
    const again = await startAgain({ ...f.config, storeTimeoutMs: 10_000 }, logLines);
    await expect.poll(() => spoolFiles(spoolDir).length).toBe(0);
    const second = await again.appShops?.get('alpha');
    expect(second?.status).toBe('uninstalled');
    expect(second?.uninstalledAt?.getTime()).toBe(first?.uninstalledAt?.getTime());
    expect((await again.store.listEvents({ shop: 'alpha', event: 'app_uninstalled' })).items).toHaveLength(1);
    expect(parsed(logLines).map((line) => line.msg)).toContain(
      'spooled uninstall call applied before; nothing changed',
    );
  });

  it('an install of the shop recorded after the call (before the drain) is not undone', async () => {
    const spoolDir = tempDir('srhooks-uninstall-spool-reinstall-');
    const f = await sqliteFixture(spoolDir);
    lock(f.config.db);
    expect((await uninstallCall(f)).json).toMatchObject({ ok: true, spooled: true });
    // the receiver stops with the call in its spool; another (without the spool) takes the re-install
    await f.receiver.close();
    unlock();
    const { spoolDir: _spool, ...withoutSpool } = { ...f.config, storeTimeoutMs: 10_000 };
    const other = await startAgain(withoutSpool as ReceiverConfig);
    expect((await f.sandbox.apps.install('55', 'alpha')).install.status).toBe(302);
    expect((await other.appShops?.get('alpha'))?.status).toBe('installed');
    await stop(other);

    const logLines: string[] = [];
    const back = await startAgain({ ...f.config, storeTimeoutMs: 10_000 }, logLines);
    await expect.poll(() => spoolFiles(spoolDir).length).toBe(0);
    const record = await back.appShops?.get('alpha');
    expect(record).toMatchObject({ status: 'installed', uninstalledAt: null });
    expect((await back.store.listEvents({ shop: 'alpha', event: 'app_uninstalled' })).items).toEqual([]);
    const refused = parsed(logLines).find((line) => line.code === 'uninstall_changed_since');
    expect(refused).toMatchObject({ level: 40, shop: 'alpha', status: 'installed' });
    expect(String(refused?.msg)).toContain('srhooks app mark-uninstalled alpha');
  });

  it("a replayed code (an entry-point link's, sent to the uninstall URL while the store was away) is spooled but not applied", async () => {
    const spoolDir = tempDir('srhooks-uninstall-spool-replay-');
    const f = await sqliteFixture(spoolDir);
    const entry = await fetch(`${f.baseUrl}${signedAppPath('/app/entry', 'alpha', 'samecode1')}`);
    expect(entry.status).toBe(200);
    lock(f.config.db);
    const replayed = await fetch(`${f.baseUrl}${signedAppPath('/app/uninstall', 'alpha', 'samecode1')}`);
    expect(replayed.status).toBe(200);
    unlock();
    await expect.poll(() => spoolFiles(spoolDir).length).toBe(0);
    expect((await f.receiver.appShops?.get('alpha'))?.status).toBe('installed');
    expect(parsed(f.logLines).find((line) => line.code === 'uninstall_replayed')).toMatchObject({
      level: 40,
      shop: 'alpha',
    });
  });
});

describe('app mode: install and entry calls while the store is unavailable (runtime outage)', () => {
  it('answer the shop owner a 503 page asking to try again in a minute (no internal error), and nothing is recorded', async () => {
    const f = await sqliteFixture(null);
    lock(f.config.db);
    for (const [path, framer] of [
      [signedAppPath('/app/install', 'alpha', 'install2'), "'none'"],
      [signedAppPath('/app/entry', 'alpha', 'entry2'), f.sandbox.url],
    ] as const) {
      const page = await fetch(`${f.baseUrl}${path}`, { redirect: 'manual' });
      expect(page.status, path).toBe(503);
      expect(page.headers.get('content-type'), path).toContain('text/html');
      expect(page.headers.get('retry-after'), path).toBe('60');
      expect(page.headers.get('content-security-policy'), path).toContain(`frame-ancestors ${framer}`);
      expect(await page.text(), path).toContain('Please try again in a minute');
    }
    unlock();
    const record = await f.receiver.appShops?.get('alpha');
    expect(record?.pendingReason).toBeNull();
    // the codes were not used: the same calls go through now
    const entry = await fetch(`${f.baseUrl}${signedAppPath('/app/entry', 'alpha', 'entry2')}`);
    expect(entry.status).toBe(200);
  });
});

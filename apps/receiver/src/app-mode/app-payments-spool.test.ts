/**
 * Payment API notifications with the delivery spool on (SRHOOKS_SPOOL_DIR), SQLite: another connection
 * holds the file's write lock (a real busy store), so storing a notification answers store_unavailable
 * after its wait. An authentic notification is then spooled (format 2, its hmac verified first) and
 * answered 200 `spooled`; a forged one is refused 401 and never spooled; once the lock is gone the drainer
 * files and stores it under the spooled id, once (event, dedupe key, the charge's claim); without the
 * spool the same outage is answered 503 `store_unavailable`.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';
import { TcpProxy } from '../test-support/tcp-proxy.js';
import {
  ADMIN_TOKEN,
  type AppModeFixture,
  eventually,
  startAppModeFixture,
  WEBHOOK_SECRET_KEY,
} from './test-support/app-mode-fixture.js';

const schemas = testSchemas('payspool');
const fixtures: AppModeFixture[] = [];
const proxies: TcpProxy[] = [];
const dirs: string[] = [];
let locker: Database.Database | null = null;
afterEach(async () => {
  unlock();
  for (const proxy of proxies) await proxy.start().catch(() => 0);
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

async function start(spool: boolean): Promise<{ f: AppModeFixture; spoolDir: string }> {
  const spoolDir = mkdtempSync(join(tmpdir(), 'srhooks-payments-spool-'));
  dirs.push(spoolDir);
  const f = await startAppModeFixture({
    shops: ['alpha'],
    config: { storeTimeoutMs: 400, ...(spool ? { spoolDir } : {}) },
    spool: { retryMs: 100, maxRetryMs: 200 },
  });
  fixtures.push(f);
  return { f, spoolDir };
}

const admin = async (f: AppModeFixture, path: string) =>
  (
    await fetch(`${f.baseUrl}/admin/api${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  ).json();

function spoolFiles(spoolDir: string): string[] {
  return readdirSync(spoolDir).filter((name) => name.endsWith('.delivery'));
}

describe('app mode: Payment API notifications while the store is unavailable', () => {
  it('spools an authentic notification (200 spooled), never a forged one, and stores it once when the store is back', async () => {
    const { f, spoolDir } = await start(true);
    expect((await f.sandbox.apps.install('55', 'alpha')).install.status).toBe(302);
    const paymentUrl = `${f.baseUrl}/app/payments?shop=alpha`;

    lock(f.config.db);
    const forged = await f.sandbox.apps.notify('55', { url: paymentUrl, fault: 'bad_hmac' });
    expect(forged.response.status).toBe(401);
    expect(spoolFiles(spoolDir)).toEqual([]);

    const sent = await f.sandbox.apps.notify('55', {
      url: paymentUrl,
      notification: { id: 4242, status: 'paid' },
    });
    expect(sent.response.status).toBe(200);
    const answer = JSON.parse(sent.response.bodyExcerpt ?? '{}') as Record<string, unknown>;
    expect(answer).toEqual({ ok: true, deliveryId: expect.stringMatching(/^dlv_/), spooled: true });
    const deliveryId = answer.deliveryId as string;
    expect(spoolFiles(spoolDir)).toEqual([`${deliveryId}.delivery`]);
    const file = readFileSync(join(spoolDir, `${deliveryId}.delivery`));
    expect(file.subarray(0, 16).toString()).toBe('srhooks-spool 2\n');
    expect(file.toString()).toContain('"source":"payment_notification"');

    unlock();
    await expect.poll(() => spoolFiles(spoolDir).length).toBe(0);
    const time = JSON.parse(sent.rawBody).time as number;
    const dedupeKey = `payment:4242:paid:${time}`;
    const event = await eventually(async () => {
      const items = (await admin(f, '/events?shop=alpha')).items as Array<Record<string, unknown>>;
      const found = items.filter((e) => e.dedupeKey === dedupeKey);
      return found.length > 0 ? found : undefined;
    });
    expect(event).toHaveLength(1);
    expect(event[0]).toMatchObject({ event: 'payment_status', deliveryId });
    const stored = await f.receiver.store.getDelivery(deliveryId);
    expect(stored?.status).toBe('stored');
    expect(stored?.shop).toBe('alpha');
    expect(stored?.rawBody.toString()).toBe(sent.rawBody);
    const metrics = await (await fetch(`${f.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/srhooks_spool_deliveries_total\{outcome="(stored|already_stored)"\} 1/);

    // The charge is bound to alpha by the drained notification: the same one sent again is a duplicate.
    const replay = await f.sandbox.apps.notify('55', { url: paymentUrl, fault: 'replay' });
    expect(JSON.parse(replay.response.bodyExcerpt ?? '{}')).toMatchObject({ ok: true, duplicates: 1 });
    const deliveries = (await admin(f, '/deliveries?shop=alpha&limit=500')).items as Array<{ id: string }>;
    expect(deliveries.filter((delivery) => delivery.id === deliveryId)).toHaveLength(1);
    // no body in the log: ids and counts only
    expect(f.logLines.join('\n')).toContain('payment notification spooled');
  });

  it('without the spool, answers 503 store_unavailable and stores nothing', async () => {
    const { f } = await start(false);
    expect((await f.sandbox.apps.install('55', 'alpha')).install.status).toBe(302);
    lock(f.config.db);
    const sent = await f.sandbox.apps.notify('55', {
      url: `${f.baseUrl}/app/payments?shop=alpha`,
      notification: { id: 4343, status: 'paid' },
    });
    expect(sent.response.status).toBe(503);
    expect(JSON.parse(sent.response.bodyExcerpt ?? '{}')).toMatchObject({
      ok: false,
      error: { code: 'store_unavailable' },
    });
    unlock();
    const deliveries = (await admin(f, '/deliveries?shop=alpha&limit=500')).items as unknown[];
    expect(deliveries).toHaveLength(0);
  });

  /** App mode on PostgreSQL through a proxy the test stops: while it is down, filing's reads fail. */
  async function startBehindProxy(): Promise<{ f: AppModeFixture; spoolDir: string; proxy: TcpProxy }> {
    const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
    proxies.push(proxy);
    const url = new URL(TEST_DATABASE_URL);
    url.hostname = '127.0.0.1';
    url.port = String(await proxy.start());
    const spoolDir = mkdtempSync(join(tmpdir(), 'srhooks-payments-spool-pg-'));
    dirs.push(spoolDir);
    const f = await startAppModeFixture({
      shops: ['alpha'],
      config: { databaseUrl: url.toString(), databaseSchema: schemas(), storeTimeoutMs: 1500, spoolDir },
      spool: { retryMs: 100, maxRetryMs: 300 },
    });
    fixtures.push(f);
    expect((await f.sandbox.apps.install('55', 'alpha')).install.status).toBe(302);
    return { f, spoolDir, proxy };
  }

  it('PostgreSQL unreachable while the notification is filed (its reads fail): spooled, then filed and stored once', async () => {
    const { f, spoolDir, proxy } = await startBehindProxy();
    await proxy.stop();
    const sent = await f.sandbox.apps.notify('55', {
      url: `${f.baseUrl}/app/payments?shop=alpha`,
      notification: { id: 4545, status: 'paid' },
    });
    expect(sent.response.status).toBe(200);
    const answer = JSON.parse(sent.response.bodyExcerpt ?? '{}') as Record<string, unknown>;
    expect(answer).toMatchObject({ ok: true, spooled: true });
    const deliveryId = answer.deliveryId as string;
    expect(spoolFiles(spoolDir)).toEqual([`${deliveryId}.delivery`]);

    await proxy.start();
    await expect.poll(() => spoolFiles(spoolDir).length).toBe(0);
    const dedupeKey = `payment:4545:paid:${JSON.parse(sent.rawBody).time}`;
    const events = (await admin(f, '/events?shop=alpha')).items as Array<Record<string, unknown>>;
    expect(events.filter((e) => e.dedupeKey === dedupeKey)).toEqual([
      expect.objectContaining({ event: 'payment_status', deliveryId }),
    ]);
    expect((await f.receiver.store.getDelivery(deliveryId))?.shop).toBe('alpha');
  });

  it('a spooled compressed notification is quarantined naming its Content-Encoding when drained', async () => {
    // before: drained as "the body is not JSON" (the stored Content-Encoding not read)
    const { f, spoolDir, proxy } = await startBehindProxy();
    await proxy.stop();
    const body = gzipSync(JSON.stringify({ id: 4646, status: 'paid', time: Math.floor(Date.now() / 1000) }));
    const hmac = createHmac('sha256', WEBHOOK_SECRET_KEY).update(body).digest('hex');
    const response = await fetch(`${f.baseUrl}/app/payments?shop=alpha&hmac=${hmac}`, {
      method: 'POST',
      headers: { 'content-encoding': 'gzip' },
      body,
    });
    const answer = (await response.json()) as { deliveryId: string; spooled?: boolean };
    expect(answer.spooled, JSON.stringify(answer)).toBe(true);
    await proxy.start();
    await expect.poll(() => spoolFiles(spoolDir).length).toBe(0);
    const stored = await f.receiver.store.getDelivery(answer.deliveryId);
    expect(stored).toMatchObject({ status: 'quarantined', decodeError: { code: 'invalid_notification' } });
    expect(stored?.decodeError?.message).toMatch(/Content-Encoding "gzip"/);
  });
});

/**
 * App mode started while its PostgreSQL store cannot be reached (DATABASE_URL through a TcpProxy that
 * refuses connections), with SRHOOKS_SPOOL_DIR: ShopRenter's uninstall call for an installed shop
 * (verified by its hmac and timestamp, no store needed) is spooled and answered 200 `spooled`, a forged
 * one 401 and never spooled; install and entry calls get a 503 page asking the owner to try again in a
 * minute; once the store opens, the full receiver drains the call: the shop is uninstalled at the call's
 * time and its app_uninstalled event stored under the spooled id; the full receiver goes on with the
 * spool-only receiver's metrics (its counters do not restart from zero at the take-over).
 */
import { signAppRequest } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import type { RunningReceiver } from '../run-receiver.js';
import { createAppShopStore } from '../store/app-shops/create-app-shop-store.js';
import { createStore } from '../store/create-store.js';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';
import { storeDownAtStart } from '../test-support/store-down-at-start.js';

const SECRET = 'store-down-uninstall-secret-0123456789';
const CLIENT_SECRET = 'store-down-uninstall-client-secret-0123456789';
const newSchema = testSchemas('downuninst');
const storeDown = storeDownAtStart('srhooks-store-down-uninstall-');

/** The schema with `shop` installed, written before the receiver starts (straight to PostgreSQL). */
async function schemaWithInstalledShop(shop: string): Promise<string> {
  const schema = newSchema();
  const store = createStore({ kind: 'postgres', url: TEST_DATABASE_URL, schema, shareChanges: false });
  await store.migrate();
  const appShops = createAppShopStore(store);
  await appShops.recordInstall(shop, { nextAttemptAt: new Date(Date.now() + 3_600_000) });
  await appShops.markInstalled(shop, {
    subscriptions: [{ event: 'order_confirm', id: 'hook-1' }],
    secretFingerprint: 'test',
  });
  await appShops.close();
  await store.close();
  return schema;
}

async function start(schema: string): Promise<RunningReceiver> {
  const { receiver } = await storeDown.start(
    storeDown.env({
      SRHOOKS_SECRETS: SECRET,
      SRHOOKS_ADMIN_TOKEN: 'store-down-uninstall-admin-0123456789',
      SRHOOKS_DB_SCHEMA: schema,
      LOG_LEVEL: 'debug',
      SRHOOKS_PUBLIC_URL: 'https://hooks.example.com',
      SRHOOKS_APP_ID: '55',
      SRHOOKS_APP_CLIENT_ID: 'store-down-client',
      SRHOOKS_APP_CLIENT_SECRET: CLIENT_SECRET,
    }),
  );
  return receiver;
}

function signed(path: string, shop: string, code: string, secret = CLIENT_SECRET): string {
  const query = { shopname: shop, code, timestamp: String(Math.floor(Date.now() / 1000)) };
  return `${path}?${new URLSearchParams({ ...query, hmac: signAppRequest(query, secret) })}`;
}

const spoolFiles = () => storeDown.spoolFiles();

describe('app mode started while its PostgreSQL store is unreachable: the uninstall call', () => {
  it('is spooled (200), a forged one refused (401); install and entry get a try-again page; drained once the store opens, the shop uninstalled at the call time', async () => {
    const schema = await schemaWithInstalledShop('beta');
    const receiver = await start(schema);
    const address = receiver.app.server.address();
    if (typeof address !== 'object' || address === null) throw new Error('not listening');
    const base = `http://127.0.0.1:${address.port}`;

    const forged = await fetch(`${base}${signed('/app/uninstall', 'beta', 'forged1', 'not-the-secret')}`);
    expect(forged.status).toBe(401);
    expect(spoolFiles()).toEqual([]);

    const call = await fetch(`${base}${signed('/app/uninstall', 'beta', 'uninstall1')}`);
    const answer = (await call.json()) as Record<string, unknown>;
    expect({ status: call.status, answer }).toEqual({
      status: 200,
      answer: { ok: true, shop: 'beta', deliveryId: expect.stringMatching(/^dlv_/), spooled: true },
    });
    expect(spoolFiles()).toEqual([`${answer.deliveryId}.delivery`]);

    // install and entry need the shop records: the owner's browser is asked to try again in a minute
    for (const path of [
      signed('/app/install', 'gamma', 'install1'),
      signed('/app/entry', 'beta', 'entry1'),
    ]) {
      const page = await fetch(`${base}${path}`);
      expect(page.status, path).toBe(503);
      expect(page.headers.get('content-type'), path).toContain('text/html');
      expect(page.headers.get('retry-after'), path).toBe('60');
      expect(await page.text(), path).toContain('try again in a minute');
    }

    await storeDown.proxy.start();
    const full = await receiver.full;
    if (full === null) throw new Error('the full receiver never took over');
    await expect.poll(() => spoolFiles().length).toBe(0);
    const record = await full.appShops?.get('beta');
    expect(record?.status).toBe('uninstalled');
    const stored = await full.store.getDelivery(answer.deliveryId as string);
    expect(stored).toMatchObject({ shop: 'beta', event: 'app_uninstalled', status: 'stored' });
    expect(record?.uninstalledAt?.getTime()).toBe(stored?.receivedAt.getTime());
    const events = (await full.store.listEvents({ shop: 'beta', event: 'app_uninstalled' })).items;
    expect(events).toEqual([expect.objectContaining({ deliveryId: answer.deliveryId })]);
    expect(storeDown.logLines.map((line) => line.msg)).toContain(
      'spooled uninstall call applied: app uninstalled',
    );

    // the full receiver went on with the spool-only receiver's metrics: its counts did not restart from zero
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^srhooks_forged_attempts_total\{reason="[a-z_]+"\} 1$/m);
    expect(metrics).toMatch(/^srhooks_store_errors_total\{operation="app_uninstall"\} 1$/m);
    expect(metrics).toMatch(/^srhooks_store_errors_total\{operation="app_install"\} 1$/m);
    // and counts its own: the drained call
    expect(metrics).toMatch(/^srhooks_spool_deliveries_total\{outcome="stored"\} 1$/m);
    expect(metrics).toMatch(/^srhooks_spool_waiting_deliveries 0$/m);
  });
});

/**
 * Shutdown (SIGTERM) while an admin's replay of an app shop's event waits for the shop's install state (app
 * mode: whether the shop uninstalled the app is read from its shop records, a pool of their own, never the
 * list in memory). That read went through the shop records as the receiver's own work does, unbounded during
 * the shutdown: with SRHOOKS_STORE_TIMEOUT_MS raised past the query timeout, it waited the query timeout
 * (10 s) and the process exited 1 at its shutdown timeout. Now it goes through the admin area's view of
 * the shop records (Store.shutdownBoundViewOf): cut short after the store's close grace (2 s), answered
 * 503 saying the receiver is stopping, and the shutdown ends cleanly.
 *
 * PostgreSQL does not answer that read because another session holds the shop records' table locked, so
 * the replay's read of the event answers and the install state's waits — as on a link gone silent at
 * that moment. runReceiver with a fake process; real PostgreSQL, a schema of its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDeliveryPath } from '@srhooks/contracts';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { secretFingerprint } from './app-mode/secret-fingerprint.js';
import { runReceiver } from './run-receiver.js';
import { PgAppShopStore } from './store/app-shops/pg-app-shop-store.js';
import { PgStore } from './store/postgres/pg-store.js';
import { deliveryBody } from './test-support/delivery-fixtures.js';
import { FakeProcess } from './test-support/fake-process.js';
import { TEST_DATABASE_URL, testSchemas } from './test-support/postgres-schema.js';

const SECRET = 'silent-db-app-admin-secret-0123456789';
const ADMIN_TOKEN = 'silent-db-app-admin-token-0123456789';
const SHOP = 'alpha';
const schema = testSchemas('srhooks_shut_app_admin')();
const dir = mkdtempSync(join(tmpdir(), 'srhooks-shutdown-silent-app-admin-'));
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  // The schema, and the shop installed (its subscriptions signed with the receiver's secret).
  const store = new PgStore({ url: TEST_DATABASE_URL, schema, shareChanges: false });
  try {
    await store.migrate();
  } finally {
    await store.close();
  }
  const shops = new PgAppShopStore({ url: TEST_DATABASE_URL, schema });
  try {
    await shops.recordInstall(SHOP, { nextAttemptAt: new Date(Date.now() + 3_600_000) });
    await shops.markInstalled(SHOP, { subscriptions: [], secretFingerprint: secretFingerprint(SECRET) });
  } finally {
    await shops.close();
  }
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

it("answers an admin's replay whose shop install state PostgreSQL leaves unanswered during the shutdown 503, and stops cleanly", async () => {
  const proc = new FakeProcess(
    {
      PORT: '0',
      HOST: '127.0.0.1',
      SRHOOKS_SECRETS: SECRET,
      SRHOOKS_PUBLIC_URL: 'http://127.0.0.1:1',
      SRHOOKS_APP_ID: '55',
      SRHOOKS_APP_CLIENT_ID: 'silent-db-app',
      SRHOOKS_APP_CLIENT_SECRET: 'silent-db-app-admin-client-secret',
      SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN,
      DATABASE_URL: TEST_DATABASE_URL,
      SRHOOKS_DB_SCHEMA: schema,
      // Past the query timeout (10 s), as an operator may set it: the store timeout does not end it.
      SRHOOKS_STORE_TIMEOUT_MS: '30000',
      SRHOOKS_SHUTDOWN_TIMEOUT_MS: '10000',
      LOG_LEVEL: 'info',
    },
    dir,
  );
  const running = await runReceiver(proc, { defaultMetrics: false, logDestination: { write: () => {} } });
  if (running === null) throw new Error(`the receiver did not start: ${proc.stderrText.join('')}`);
  cleanups.push(() => running.app.close());
  const address = running.app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const { contentType, body } = deliveryBody('order_confirm');
  const delivered = await fetch(
    `${base}${signDeliveryPath({ shop: SHOP, event: 'order_confirm' }, SECRET)}`,
    {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: new Uint8Array(body),
    },
  );
  expect(delivered.status).toBe(200);
  const events = (await (await fetch(`${base}/admin/api/events`, { headers: auth })).json()) as {
    items: { id: string; shop: string }[];
  };
  const eventId = events.items.find((item) => item.shop === SHOP)?.id ?? '';
  expect(eventId).not.toBe('');

  // Another session locks the shop records' table: the install state's read cannot be answered.
  const holder = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await holder.connect();
  cleanups.push(() => holder.end());
  await holder.query('BEGIN');
  await holder.query(`LOCK TABLE "${schema}".app_shops IN ACCESS EXCLUSIVE MODE`);
  const replay = fetch(`${base}/admin/api/events/${eventId}/replay`, { method: 'POST', headers: auth });
  await new Promise((resolve) => setTimeout(resolve, 500)); // the replay waits for the install state
  const stopping = Date.now();
  proc.emit('SIGTERM', 'SIGTERM');

  const replayed = await replay;
  expect(replayed.status).toBe(503);
  const answer = (await replayed.json()) as { ok: boolean; error: { code: string; message: string } };
  expect(answer.error.code).toBe('store_unavailable');
  expect(answer.error.message).toMatch(/receiver is stopping/);
  const stopped = await Promise.race([
    running.stopped.then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), 20_000)),
  ]);
  expect(stopped).toBe(true);
  // Before: exit(1) at the shutdown timeout (10 s), the read still waiting for its query timeout.
  expect(proc.exits).toEqual([]);
  expect(proc.exitCode).toBeUndefined();
  expect(Date.now() - stopping).toBeLessThan(9000);
  await holder.query('ROLLBACK');
}, 60_000);

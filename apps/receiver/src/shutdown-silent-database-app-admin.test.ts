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
 * that moment. runReceiver with a fake process (silentDatabaseReceiver: its link through the fault proxy,
 * which only forwards here); real PostgreSQL, a schema of its own.
 */
import pg from 'pg';
import { beforeAll, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from './test-support/postgres-schema.js';
import { appModeEnv, silentDatabaseReceiver } from './test-support/silent-database-receiver.js';

const SECRET = 'silent-db-app-admin-secret-0123456789';
const ADMIN_TOKEN = 'silent-db-app-admin-token-0123456789';
const SHOP = 'alpha';
const db = silentDatabaseReceiver('app_admin');

// The schema, and the shop installed (its subscriptions signed with the receiver's secret).
beforeAll(() => db.installAppShop(SHOP, SECRET));

it("answers an admin's replay whose shop install state PostgreSQL leaves unanswered during the shutdown 503, and stops cleanly", async () => {
  const {
    proc,
    baseUrl: base,
    postDelivery,
    stopped,
  } = await db.start({
    secret: SECRET,
    env: {
      ...appModeEnv('silent-db-app-admin-client-secret'),
      SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN,
      // Past the query timeout (10 s), as an operator may set it: the store timeout does not end it.
      SRHOOKS_STORE_TIMEOUT_MS: '30000',
      SRHOOKS_SHUTDOWN_TIMEOUT_MS: '10000',
    },
  });
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const delivered = await postDelivery(SHOP);
  expect(delivered.status).toBe(200);
  const events = (await (await fetch(`${base}/admin/api/events`, { headers: auth })).json()) as {
    items: { id: string; shop: string }[];
  };
  const eventId = events.items.find((item) => item.shop === SHOP)?.id ?? '';
  expect(eventId).not.toBe('');

  // Another session locks the shop records' table: the install state's read cannot be answered.
  const holder = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await holder.connect();
  db.cleanups.push(() => holder.end());
  await holder.query('BEGIN');
  await holder.query(`LOCK TABLE "${db.schema}".app_shops IN ACCESS EXCLUSIVE MODE`);
  const replay = fetch(`${base}/admin/api/events/${eventId}/replay`, { method: 'POST', headers: auth });
  await new Promise((resolve) => setTimeout(resolve, 500)); // the replay waits for the install state
  const stopping = Date.now();
  proc.emit('SIGTERM', 'SIGTERM');

  const replayed = await replay;
  expect(replayed.status).toBe(503);
  const answer = (await replayed.json()) as { ok: boolean; error: { code: string; message: string } };
  expect(answer.error.code).toBe('store_unavailable');
  expect(answer.error.message).toMatch(/receiver is stopping/);
  expect(await stopped(20_000)).toBe(true);
  // Before: exit(1) at the shutdown timeout (10 s), the read still waiting for its query timeout.
  expect(proc.exits).toEqual([]);
  expect(proc.exitCode).toBeUndefined();
  expect(Date.now() - stopping).toBeLessThan(9000);
  await holder.query('ROLLBACK');
}, 60_000);

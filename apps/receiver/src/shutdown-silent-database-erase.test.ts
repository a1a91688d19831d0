/**
 * Shutdown (SIGTERM) while the inspector's "Erase personal data" (POST /ui/events/:id/erase) waits for
 * PostgreSQL: its erasure is a store call of the admin area's store (Store.forRequests), so once the
 * shutdown has begun it gets the store's close grace (2 s) like the area's other calls: the request is
 * answered 503 saying the receiver is stopping, nothing is reported erased, and the shutdown ends cleanly.
 * The erasure's transaction goes with the connections the close cuts: nothing is half-erased. (The spool
 * folder's part of an erasure reads local files after the store's part: no link to wait on.)
 *
 * The server does not answer the erasure because another session holds the events table locked (its rows
 * are read, not written), so the page's own read of the event answers and the erasure itself waits — as on
 * a link gone silent in the middle of it. runReceiver with a fake process (silentDatabaseReceiver: its link
 * through the fault proxy, which only forwards here); real PostgreSQL, a schema of its own.
 */
import { join } from 'node:path';
import pg from 'pg';
import { expect, it } from 'vitest';
import { TEST_DATABASE_URL } from './test-support/postgres-schema.js';
import { silentDatabaseReceiver } from './test-support/silent-database-receiver.js';

const SECRET = 'silent-db-erase-secret-0123456789';
const ADMIN_TOKEN = 'silent-db-erase-admin-token-0123456789';
const db = silentDatabaseReceiver('erase');

it('answers an erasure PostgreSQL leaves unanswered during the shutdown 503, erases nothing, and stops cleanly', async () => {
  const {
    proc,
    baseUrl: base,
    postDelivery,
    stopped,
  } = await db.start({
    secret: SECRET,
    env: {
      SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN,
      SRHOOKS_SPOOL_DIR: join(db.dir, 'spool'),
      SRHOOKS_STORE_TIMEOUT_MS: '30000',
      SRHOOKS_SHUTDOWN_TIMEOUT_MS: '10000',
    },
  });
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const delivered = await postDelivery();
  expect(delivered.status).toBe(200);
  const events = (await (await fetch(`${base}/admin/api/events`, { headers: auth })).json()) as {
    items: { id: string }[];
  };
  const eventId = events.items[0]?.id ?? '';
  expect(eventId).not.toBe('');
  // The erase page answers: the event and its dry run are read.
  expect((await fetch(`${base}/ui/events/${eventId}/erase?scope=order`, { headers: auth })).status).toBe(200);

  // Another session locks the events table against writes: the erasure's rows cannot be locked.
  const holder = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await holder.connect();
  db.cleanups.push(() => holder.end());
  await holder.query('BEGIN');
  await holder.query(`LOCK TABLE "${db.schema}".events IN EXCLUSIVE MODE`);
  const erasing = fetch(`${base}/ui/events/${eventId}/erase`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ scope: 'order', reason: 'ticket-42' }).toString(),
  });
  await new Promise((resolve) => setTimeout(resolve, 500)); // the erasure waits
  const stopping = Date.now();
  proc.emit('SIGTERM', 'SIGTERM');

  const erased = await erasing;
  expect(erased.status).toBe(503);
  expect(await erased.text()).toMatch(/receiver is stopping/);
  expect(await stopped(20_000)).toBe(true);
  expect(proc.exits).toEqual([]);
  expect(proc.exitCode).toBeUndefined();
  expect(Date.now() - stopping).toBeLessThan(9000);

  // Nothing half-erased: the erasure's transaction ended with its connection.
  await holder.query('ROLLBACK');
  const { rows } = await holder.query<{ erased: boolean }>(
    `SELECT erased_at IS NOT NULL AS erased FROM "${db.schema}".events WHERE id = $1`,
    [eventId],
  );
  expect(rows).toEqual([{ erased: false }]);
}, 60_000);

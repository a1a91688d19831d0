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
 * a link gone silent in the middle of it. runReceiver with a fake process; real PostgreSQL, a schema of
 * its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDeliveryPath } from '@srhooks/contracts';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { runReceiver } from './run-receiver.js';
import { deliveryBody } from './test-support/delivery-fixtures.js';
import { FakeProcess } from './test-support/fake-process.js';
import { TEST_DATABASE_URL, testSchemas } from './test-support/postgres-schema.js';

const SECRET = 'silent-db-erase-secret-0123456789';
const ADMIN_TOKEN = 'silent-db-erase-admin-token-0123456789';
const schema = testSchemas('srhooks_shut_erase')();
const dir = mkdtempSync(join(tmpdir(), 'srhooks-shutdown-silent-erase-'));
const cleanups: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

it('answers an erasure PostgreSQL leaves unanswered during the shutdown 503, erases nothing, and stops cleanly', async () => {
  const proc = new FakeProcess(
    {
      PORT: '0',
      HOST: '127.0.0.1',
      SRHOOKS_SECRETS: SECRET,
      SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN,
      DATABASE_URL: TEST_DATABASE_URL,
      SRHOOKS_DB_SCHEMA: schema,
      SRHOOKS_SPOOL_DIR: join(dir, 'spool'),
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
    `${base}${signDeliveryPath({ shop: 'demo', event: 'order_confirm' }, SECRET)}`,
    {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: new Uint8Array(body),
    },
  );
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
  cleanups.push(() => holder.end());
  await holder.query('BEGIN');
  await holder.query(`LOCK TABLE "${schema}".events IN EXCLUSIVE MODE`);
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
  const stopped = await Promise.race([
    running.stopped.then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), 20_000)),
  ]);
  expect(stopped).toBe(true);
  expect(proc.exits).toEqual([]);
  expect(proc.exitCode).toBeUndefined();
  expect(Date.now() - stopping).toBeLessThan(9000);

  // Nothing half-erased: the erasure's transaction ended with its connection.
  await holder.query('ROLLBACK');
  const { rows } = await holder.query<{ erased: boolean }>(
    `SELECT erased_at IS NOT NULL AS erased FROM "${schema}".events WHERE id = $1`,
    [eventId],
  );
  expect(rows).toEqual([{ erased: false }]);
}, 60_000);

/**
 * A connection lost during an ingest call costs no delivery (issue #14 §2): the store's connection to
 * PostgreSQL runs through a TCP proxy that holds every chunk for a while and is cut mid-call.
 * - cut before the statement reached the server: the ingest runs again on a fresh connection;
 * - cut after the server committed but before its answer arrived (an ambiguous commit): the delivery
 *   is found stored and answered with what it committed with, never written twice;
 * - cut while the server still runs the statement, which commits after the recovery looked: the resend
 *   meets the committed row and that commit is the answer.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, testSchemas } from '../../test-support/postgres-schema.js';
import { TcpProxy } from '../../test-support/tcp-proxy.js';
import type { NewEvent } from '../store.js';
import { StoreUnavailableError } from '../store-errors.js';
import { jsonDelivery } from '../test-support/store-contract.js';
import { PgStore } from './pg-store.js';

const nextSchema = testSchemas('srhooks_retry');
const HOLD_MS = 250;

function orderEvent(innerId: string): NewEvent {
  return { dedupeKey: `order:${innerId}`, subjectId: innerId, payload: { innerId, comment: 'x' } };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PgStore ingest when its connection is lost mid-call', () => {
  const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
  let store: PgStore;
  let direct: PgStore;
  let schema: string;

  beforeAll(async () => {
    const url = new URL(TEST_DATABASE_URL);
    url.hostname = '127.0.0.1';
    url.port = String(await proxy.start());
    schema = nextSchema();
    store = new PgStore({ url: url.toString(), schema, poolSize: 2, shareChanges: false });
    await store.migrate();
    direct = new PgStore({ url: TEST_DATABASE_URL, schema, poolSize: 1, shareChanges: false });
    await direct.ping();
  });
  afterAll(async () => {
    await store?.close();
    await direct?.close();
    await proxy.stop();
  });

  async function ingestCutAfter(cutAtMs: number, innerId: string) {
    await store.ping(); // a warm connection, so only the ingest statement is held
    proxy.delay(HOLD_MS);
    const pending = store.ingest(jsonDelivery(), [orderEvent(innerId)], ['erp']);
    await sleep(cutAtMs);
    proxy.delay(0);
    proxy.cut();
    return pending;
  }

  it('sends the batch again on a fresh connection when the cut came before the server saw it', async () => {
    // the statement is still held in the proxy when the connection is cut
    const result = await ingestCutAfter(HOLD_MS / 3, '5001');
    expect(result.duplicates).toBe(0);
    const stored = await direct.getDelivery(result.deliveryId);
    expect(stored?.events.map((event) => event.subjectId)).toEqual(['5001']);
  });

  it('answers an ambiguous commit with what was committed, storing it once', async () => {
    // forwarded at HOLD_MS, committed a few ms later; the answer is held another HOLD_MS: cut in between
    const result = await ingestCutAfter(HOLD_MS + HOLD_MS / 2, '5002');
    expect(result.duplicates).toBe(0);
    const events = await direct.listEvents({ shop: 'demo' });
    const copies = events.items.filter((event) => event.subjectId === '5002');
    expect(copies).toHaveLength(1);
    expect(copies[0]?.deliveryId).toBe(result.deliveryId);
    const jobs = await direct.countJobs();
    expect(jobs.pending).toBe(2);
  });

  it('answers with the interrupted commit when it lands after the check (the resend meets its own row)', async () => {
    // The server keeps running a statement whose client is gone until it answers: held behind a
    // table lock, the interrupted call commits only after the recovery looked and sent it again.
    const locker = new pg.Client({
      connectionString: TEST_DATABASE_URL,
      options: `-c search_path=${schema}`,
    });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      // events, not deliveries: the interrupted call has inserted its delivery row when it waits
      await locker.query('LOCK TABLE events IN SHARE MODE');
      await store.ping();
      const pending = store.ingest(jsonDelivery(), [orderEvent('5004')], ['erp']);
      await sleep(HOLD_MS / 2); // the statement waits for the lock on the server
      proxy.cut();
      await sleep(HOLD_MS); // the recovery found nothing and its resend waits for the lock too
      await locker.query('COMMIT');
      const result = await pending;
      expect(result.duplicates).toBe(0);
      const events = await direct.listEvents({ shop: 'demo' });
      const copies = events.items.filter((event) => event.subjectId === '5004');
      expect(copies).toHaveLength(1);
      expect(copies[0]?.deliveryId).toBe(result.deliveryId);
    } finally {
      await locker.query('ROLLBACK').catch(() => {});
      await locker.end();
    }
  });

  it('still reports the store unavailable when the server cannot be reached at all', async () => {
    await store.ping();
    proxy.delay(HOLD_MS);
    const pending = store.ingest(jsonDelivery(), [orderEvent('5003')], ['erp']);
    await sleep(HOLD_MS / 3);
    await proxy.stop();
    proxy.delay(0);
    await expect(pending).rejects.toBeInstanceOf(StoreUnavailableError);
    await proxy.start();
  });
});

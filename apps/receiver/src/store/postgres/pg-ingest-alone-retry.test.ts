/**
 * A delivery stored in a transaction of its own — a Payment API notification with its claim on the
 * charge — survives a lost connection as the batched ingest does (pg-ingest-retry.test.ts, issue #14 §2):
 * the store's connection runs through a TCP proxy that holds every chunk for a while and is cut mid-call.
 * - cut before the server saw the transaction: it runs again on a fresh connection, stored once, answered;
 * - cut after the server committed but before its answer arrived (ambiguous): found stored by the
 *   delivery's id and answered with what it committed with, never written twice;
 * - the server unreachable beyond the retry: still a StoreUnavailableError (the route answers 503).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, testSchemas } from '../../test-support/postgres-schema.js';
import { TcpProxy } from '../../test-support/tcp-proxy.js';
import type { PaymentClaimWrite } from '../payment-claim.js';
import type { NewEvent } from '../store.js';
import { StoreUnavailableError } from '../store-errors.js';
import { jsonDelivery } from '../test-support/store-contract.js';
import { PgStore } from './pg-store.js';

const nextSchema = testSchemas('srhooks_alone_retry');
const HOLD_MS = 250;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function paymentEvent(id: string): NewEvent {
  return {
    dedupeKey: `payment:${id}:paid:1`,
    subjectId: id,
    payload: { id: Number(id), status: 'paid', time: 1 },
  };
}

function claim(id: string): PaymentClaimWrite {
  const now = new Date();
  return {
    subject: `payment:${id}`,
    shop: 'demo',
    bind: true,
    dedupeKey: `payment:${id}:paid:1`,
    expiresAt: new Date(now.getTime() + 600_000),
    now,
  };
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('PgStore payment notification ingest (with its claim) when its connection is lost', () => {
  const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
  let store: PgStore;
  let direct: pg.Client;
  let schema: string;

  beforeAll(async () => {
    const url = new URL(TEST_DATABASE_URL);
    url.hostname = '127.0.0.1';
    url.port = String(await proxy.start());
    schema = nextSchema();
    store = new PgStore({ url: url.toString(), schema, poolSize: 2, shareChanges: false });
    await store.migrate();
    direct = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema}` });
    await direct.connect();
  });
  afterAll(async () => {
    await store?.close();
    await direct?.end();
    await proxy.stop();
  });

  async function stored(id: string) {
    const events = await direct.query('SELECT delivery_id, duplicate_of FROM events WHERE subject_id = $1', [
      id,
    ]);
    const bindings = await direct.query('SELECT shop FROM app_payment_subjects WHERE subject = $1', [
      `payment:${id}`,
    ]);
    const filed = await direct.query(
      'SELECT count(*)::int AS n FROM app_payment_notifications WHERE dedupe_key = $1',
      [`payment:${id}:paid:1`],
    );
    return { events: events.rows, bindings: bindings.rows, filed: filed.rows[0]?.n };
  }

  it('runs the transaction again on a fresh connection when the cut came before the server saw it', async () => {
    await store.ping(); // a warm connection, so only the transaction's statements are held
    proxy.delay(HOLD_MS);
    const pending = store.ingest(jsonDelivery(), [paymentEvent('7001')], ['erp'], {
      paymentClaim: claim('7001'),
    });
    await sleep(HOLD_MS / 3); // BEGIN is still held in the proxy
    proxy.delay(0);
    proxy.cut();
    const result = await pending;
    expect(result.duplicates).toBe(0);
    expect(await stored('7001')).toEqual({
      events: [{ delivery_id: result.deliveryId, duplicate_of: null }],
      bindings: [{ shop: 'demo' }],
      filed: 1,
    });
  });

  it('answers an ambiguous commit with what was committed, storing it once', async () => {
    await store.ping();
    proxy.delay(HOLD_MS, 'replies'); // every statement reaches the server at once, its answer trails
    const pending = store.ingest(jsonDelivery(), [paymentEvent('7002')], ['erp'], {
      paymentClaim: claim('7002'),
    });
    // committed on the server (visible to another connection) while COMMIT's answer is still held
    await until(async () => ((await stored('7002')).events.length > 0 ? true : undefined), 'the commit');
    proxy.delay(0);
    proxy.cut();
    const result = await pending;
    expect(result.duplicates).toBe(0);
    expect(await stored('7002')).toEqual({
      events: [{ delivery_id: result.deliveryId, duplicate_of: null }],
      bindings: [{ shop: 'demo' }],
      filed: 1,
    });
  });

  it('still reports the store unavailable when the server cannot be reached at all', async () => {
    await store.ping();
    proxy.delay(HOLD_MS);
    const pending = store.ingest(jsonDelivery(), [paymentEvent('7003')], ['erp'], {
      paymentClaim: claim('7003'),
    });
    await sleep(HOLD_MS / 3);
    await proxy.stop();
    proxy.delay(0);
    await expect(pending).rejects.toBeInstanceOf(StoreUnavailableError);
    await proxy.start();
    expect(await stored('7003')).toEqual({ events: [], bindings: [], filed: 0 });
  });
});

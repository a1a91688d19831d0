/**
 * A Payment API notification's claim on its charge (the binding to a shop, the filed-notification key) is
 * written in the same transaction as the notification itself, on both engines: a store write that fails
 * after the claim's statements ran — a fault injected into the real database, or (PostgreSQL) the server
 * unreachable beyond the one retry on a fresh connection — leaves no binding, and the notification sent
 * again is stored exactly once: under its shop on a retry, and a copy under another shop is filed, never
 * answered as the duplicate of a notification that was not stored. A single cut connection (PostgreSQL)
 * costs nothing: the transaction runs again on a fresh connection and the notification is answered 200.
 */
import { signPaymentNotification } from '@srhooks/contracts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReceiverConfigInput } from '../config/config-schema.js';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';
import { TcpProxy } from '../test-support/tcp-proxy.js';
import {
  ADMIN_TOKEN,
  type AppModeFixture,
  eventually,
  startAppModeFixture,
  WEBHOOK_SECRET_KEY,
} from './test-support/app-mode-fixture.js';
import { openPaymentDatabase, type PaymentDatabase } from './test-support/payment-database.js';

const newSchema = testSchemas('rcv_payatomic');

interface EventItem {
  shop: string;
  event: string;
  subjectId: string | null;
  duplicateOf: string | null;
}

/** The receiver's side of one test: the fixture and its database. */
async function start(
  config: Partial<ReceiverConfigInput>,
): Promise<{ f: AppModeFixture; db: PaymentDatabase }> {
  const f = await startAppModeFixture({ shops: ['alpha', 'beta'], config });
  for (const shop of ['alpha', 'beta']) {
    expect((await f.sandbox.apps.install('55', shop)).install.status).toBe(302);
  }
  return { f, db: await openPaymentDatabase(f.config, TEST_DATABASE_URL) };
}

/** POSTs a body signed with the app's WebhookSecretKey, as the Payment API does. */
async function post(f: AppModeFixture, shop: string, body: string) {
  const hmac = signPaymentNotification(body, WEBHOOK_SECRET_KEY);
  const response = await fetch(`${f.baseUrl}/app/payments?shop=${shop}&hmac=${hmac}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** The charge's payment events that are not duplicates, by shop: the notification stored once is one entry. */
async function storedUnder(f: AppModeFixture, id: number): Promise<string[]> {
  const response = await fetch(`${f.baseUrl}/admin/api/events?limit=500`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  const items = ((await response.json()) as { items: EventItem[] }).items;
  return items
    .filter((e) => e.event === 'payment_status' && e.subjectId === String(id) && e.duplicateOf === null)
    .map((e) => e.shop);
}

const notification = (id: number) =>
  JSON.stringify({ id, status: 'paid', time: Math.floor(Date.now() / 1000) });

describe.each<[string, () => Partial<ReceiverConfigInput>]>([
  ['SQLite', () => ({})],
  ['PostgreSQL', () => ({ databaseUrl: TEST_DATABASE_URL, databaseSchema: newSchema() })],
])('payment claims are stored with their notification (%s)', (_engine, storeConfig) => {
  let f: AppModeFixture;
  let db: PaymentDatabase;

  beforeAll(async () => {
    ({ f, db } = await start(storeConfig()));
  });
  afterEach(async () => {
    await db?.repair();
  });
  afterAll(async () => {
    await db?.close();
    await f?.close();
  });

  it('a failed store write binds nothing; the sender retrying stores the notification once', async () => {
    const body = notification(6101);
    await db.failPaymentDeliveries();
    const failed = await post(f, 'alpha', body);
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(await db.bindings()).not.toContainEqual(expect.objectContaining({ subject: 'payment:6101' }));

    await db.repair();
    expect(await post(f, 'alpha', body)).toMatchObject({ status: 200, json: { ok: true, duplicates: 0 } });
    expect(await post(f, 'alpha', body)).toMatchObject({ status: 200, json: { ok: true, duplicates: 1 } });
    expect(await storedUnder(f, 6101)).toEqual(['alpha']);
    expect(await db.bindings()).toContainEqual({ subject: 'payment:6101', shop: 'alpha' });
  });

  it('after a failed store write, a copy under another shop is stored, not answered as a duplicate of nothing', async () => {
    const body = notification(6102);
    await db.failPaymentDeliveries();
    expect((await post(f, 'alpha', body)).status).toBeGreaterThanOrEqual(500);
    await db.repair();

    const copy = await post(f, 'beta', body);
    expect(copy.status).toBe(200);
    expect(copy.json).toMatchObject({ ok: true, duplicates: 0 });
    expect(copy.json.deliveryId).toEqual(expect.any(String));
    // The charge is now beta's: the retry under alpha is the duplicate of what beta stored.
    expect(await post(f, 'alpha', body)).toEqual({ status: 200, json: { ok: true, duplicates: 1 } });
    expect(await storedUnder(f, 6102)).toEqual(['beta']);
  });
});

describe('payment claims when the PostgreSQL connection is lost in the middle of the write', () => {
  const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
  let f: AppModeFixture;
  let db: PaymentDatabase;

  beforeAll(async () => {
    const port = await proxy.start();
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.port = String(port);
    ({ f, db } = await start({ databaseUrl: viaProxy.toString(), databaseSchema: newSchema() }));
  });
  afterAll(async () => {
    await db?.repair();
    await db?.close();
    await f?.close();
    await proxy.stop();
  });

  it('a cut connection costs nothing: the write runs again on a fresh connection, stored once, answered 200', async () => {
    const body = notification(6201);
    const hold = await db.holdPaymentDeliveries();
    const sent = post(f, 'alpha', body);
    // The write is inside its transaction (the claim's statements ran before the delivery's insert).
    await eventually(async () => ((await hold.waiting()) ? true : undefined));
    proxy.cut();
    // The cut transaction never commits; the resend on a fresh connection waits for the held one's row
    // lock on the binding, then for the same hold.
    await hold.release();
    expect(await sent).toMatchObject({ status: 200, json: { ok: true, duplicates: 0 } });
    await db.repair();
    expect(await db.bindings()).toContainEqual({ subject: 'payment:6201', shop: 'alpha' });
    // The sender's retry is the duplicate of what was stored.
    expect(await post(f, 'alpha', body)).toMatchObject({ status: 200, json: { ok: true, duplicates: 1 } });
    expect(await storedUnder(f, 6201)).toEqual(['alpha']);
  });

  it('PostgreSQL unreachable beyond the one retry: 5xx, neither binding nor notification, the retry stores it once', async () => {
    const body = notification(6202);
    const hold = await db.holdPaymentDeliveries();
    const sent = post(f, 'alpha', body);
    await eventually(async () => ((await hold.waiting()) ? true : undefined));
    await proxy.stop();
    expect((await sent).status).toBeGreaterThanOrEqual(500);
    await hold.release();
    await db.repair();
    await proxy.start();
    expect(await db.bindings()).not.toContainEqual(expect.objectContaining({ subject: 'payment:6202' }));

    // A copy under beta is not a "duplicate" of the lost write; the sender's retry under alpha is then one.
    const copy = await post(f, 'beta', body);
    expect(copy).toMatchObject({ status: 200, json: { ok: true, duplicates: 0 } });
    expect(await post(f, 'alpha', body)).toEqual({ status: 200, json: { ok: true, duplicates: 1 } });
    expect(await storedUnder(f, 6202)).toEqual(['beta']);
  });
});

/**
 * Retention of the charge bindings (app_payment_subjects), through the receiver's real retention run on a
 * real SQLite file and the real PostgreSQL: a binding goes when its last notification is older than
 * `retentionDays` and no delivery left refers to it (an event of the charge, or a quarantined notification
 * naming it); otherwise it stays. A charge whose binding went is bound again by its next notification,
 * under whichever shop that comes first (docs/operations.md, Retention; docs/app-mode.md, payments).
 */
import { signPaymentNotification } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReceiverConfigInput } from '../config/config-schema.js';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';
import {
  ADMIN_TOKEN,
  type AppModeFixture,
  eventually,
  startAppModeFixture,
  WEBHOOK_SECRET_KEY,
} from './test-support/app-mode-fixture.js';
import { openPaymentDatabase, type PaymentDatabase } from './test-support/payment-database.js';

const newSchema = testSchemas('rcv_payretain');
const DAY_MS = 86_400_000;

interface EventItem {
  id: string;
  shop: string;
  event: string;
  subjectId: string | null;
  duplicateOf: string | null;
  status: string;
  deliveryId: string;
}

describe.each<[string, () => Partial<ReceiverConfigInput>]>([
  ['SQLite', () => ({})],
  ['PostgreSQL', () => ({ databaseUrl: TEST_DATABASE_URL, databaseSchema: newSchema() })],
])('retention of charge bindings (%s)', (_engine, storeConfig) => {
  let f: AppModeFixture;
  let db: PaymentDatabase;

  beforeAll(async () => {
    f = await startAppModeFixture({
      shops: ['alpha', 'beta'],
      config: { ...storeConfig(), retentionDays: 30 },
    });
    for (const shop of ['alpha', 'beta']) {
      expect((await f.sandbox.apps.install('55', shop)).install.status).toBe(302);
    }
    db = await openPaymentDatabase(f.config);
  });
  afterAll(async () => {
    await db?.close();
    await f?.close();
  });

  const admin = async (path: string, init: RequestInit = {}) =>
    (
      await fetch(`${f.baseUrl}/admin/api${path}`, {
        ...init,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      })
    ).json();
  const post = async (shop: string, notification: Record<string, unknown>) => {
    const body = JSON.stringify({ ...notification, time: Math.floor(Date.now() / 1000) });
    const hmac = signPaymentNotification(body, WEBHOOK_SECRET_KEY);
    const response = await fetch(`${f.baseUrl}/app/payments?shop=${shop}&hmac=${hmac}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    return (await response.json()) as { deliveryId?: string; quarantined?: boolean; duplicates?: number };
  };
  /** The charge's events once their handler ran (a job still to run keeps its delivery). */
  const handled = (id: number) =>
    eventually(async () => {
      const events = ((await admin('/events?limit=500')).items as EventItem[]).filter(
        (e) => e.event === 'payment_status' && e.subjectId === String(id) && e.duplicateOf === null,
      );
      return events.length > 0 && events.every((e) => e.status === 'succeeded') ? events : undefined;
    });
  const subjects = async () => (await db.bindings()).map((binding) => binding.subject);

  it('prunes a binding whose last notification is older than the retention and that nothing kept refers to', async () => {
    const old = new Date(Date.now() - 40 * DAY_MS);
    // 7001: filed long ago, its delivery goes too → the binding goes.
    const gone = await post('alpha', { id: 7001, status: 'pending' });
    // 7002: filed long ago, then a later status under beta was quarantined shop_mismatch (kept, waiting for
    // the operator) → the binding stays: a re-process must still find the charge's shop.
    const mismatched = await post('alpha', { id: 7002, status: 'pending' });
    const quarantined = await post('beta', { id: 7002, status: 'paid' });
    expect(quarantined.quarantined).toBe(true);
    // 7003: the binding's last notification is old, but its delivery is recent → stays.
    await post('alpha', { id: 7003, status: 'pending' });
    // 7004: recent → stays.
    await post('alpha', { id: 7004, status: 'pending' });
    for (const id of [7001, 7002, 7003, 7004]) await handled(id);
    for (const delivery of [gone, mismatched, quarantined])
      await db.receivedAt(String(delivery.deliveryId), old);
    for (const subject of ['payment:7001', 'payment:7002', 'payment:7003']) {
      await db.lastNotificationAt(subject, old);
    }

    const counts = await f.receiver.runRetention?.();
    expect(counts).toMatchObject({ deliveries: 2, kept: 1, paymentBindings: 1 });
    expect(await subjects()).toEqual(['payment:7002', 'payment:7003', 'payment:7004']);

    // The kept quarantined notification is still filed under the charge's shop on request.
    const reprocessed = await admin(`/deliveries/${quarantined.deliveryId}/reprocess`, {
      method: 'POST',
      body: JSON.stringify({ acceptShopMismatch: true }),
    });
    expect(reprocessed).toMatchObject({ ok: true });
    expect((await admin(`/deliveries/${quarantined.deliveryId}`)).delivery.shop).toBe('alpha');
  });

  it("a shop_mismatch quarantine touches the charge's binding: its last notification moves to the quarantine's", async () => {
    // The route passes the binding to the store's quarantine, which moves it in the same transaction, so
    // a retention run at that moment cannot prune the binding the quarantined notification relies on.
    const old = new Date(Date.now() - 40 * DAY_MS);
    await post('alpha', { id: 7010, status: 'pending' });
    await handled(7010);
    await db.lastNotificationAt('payment:7010', old);
    const before = Date.now();
    const quarantined = await post('beta', { id: 7010, status: 'paid' });
    expect(quarantined.quarantined).toBe(true);
    const stored = (await admin(`/deliveries/${quarantined.deliveryId}`)).delivery;
    expect(stored.decodeError?.code).toBe('shop_mismatch');
    expect((await db.lastNotificationOf('payment:7010'))?.getTime()).toBeGreaterThanOrEqual(before);
    expect(await db.bindings()).toContainEqual({ subject: 'payment:7010', shop: 'alpha' });
  });

  it('a charge whose binding was pruned is bound again by its next notification, under the shop it comes under', async () => {
    expect(await subjects()).not.toContain('payment:7001');
    const late = await post('beta', { id: 7001, status: 'paid' });
    expect(late).toMatchObject({ duplicates: 0 });
    expect((await handled(7001)).map((e) => e.shop)).toEqual(['beta']);
    expect(await db.bindings()).toContainEqual({ subject: 'payment:7001', shop: 'beta' });
  });
});

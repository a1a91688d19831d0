/**
 * Retention must not prune the binding of a charge a `shop_mismatch` (or `unknown_shop`) payment
 * notification is quarantined for: a later re-process files it under that binding. The quarantine touches
 * the binding in its own transaction (payment-claim.ts `touchPaymentBinding`), on both engines:
 * - the prune deleted the binding after the filing rules read it, before the quarantine was written: the
 *   quarantine stores nothing (PaymentClaimConflictError: the route runs the filing rules again);
 * - (PostgreSQL, READ COMMITTED) the quarantine commits between the prune's look for quarantined
 *   notifications and its DELETE: the DELETE's re-check of the last notification keeps the binding
 *   (the reviewer's demonstration, turned into a test).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  dropSchema,
  openPostgres,
  openSqlite,
  tempDir,
  uniqueSchema,
} from '../processing/test-support/processing-fixtures.js';
import { TEST_DATABASE_URL } from '../test-support/postgres-schema.js';
import { pruneBindingChunk } from './payment-binding-prune.js';
import type { PaymentBindingTouch } from './payment-claim.js';
import { dialect } from './postgres/pg-connection.js';
import type { Row } from './row-mapping.js';
import type { NewDelivery, Store } from './store.js';
import { PaymentClaimConflictError } from './store-errors.js';
import { jsonDelivery } from './test-support/store-contract.js';

const tmp = tempDir('binding-prune-race');
const schema = uniqueSchema('srhooks_binding_race');
afterAll(async () => {
  tmp.cleanup();
  await dropSchema(schema);
});

const DAY = 86_400_000;
const now = new Date();
const old = new Date(now.getTime() - 200 * DAY);
const before = new Date(now.getTime() - 90 * DAY);

function notification(id: number, shop: string, receivedAt = now): NewDelivery {
  return jsonDelivery({
    shop,
    event: 'payment_status' as never,
    receivedAt,
    rawBody: Buffer.from(JSON.stringify({ id, status: 'paid', time: 1 })),
  });
}

/** Charge `id` bound to alpha by a notification filed 200 days ago (old enough for retention). */
async function oldBinding(store: Store, id: number): Promise<void> {
  await store.ingest(
    notification(id, 'alpha', old),
    [{ dedupeKey: `payment:${id}:paid:1`, subjectId: String(id), payload: { id, status: 'paid', time: 1 } }],
    [],
    {
      paymentClaim: {
        subject: `payment:${id}`,
        shop: 'alpha',
        bind: true,
        dedupeKey: `payment:${id}:paid:1`,
        expiresAt: new Date(old.getTime() + DAY),
        now: old,
      },
    },
  );
}

const mismatch = { code: 'shop_mismatch', message: 'came under beta, the charge is bound to alpha' };
const touch = (id: number): PaymentBindingTouch => ({ subject: `payment:${id}`, shop: 'alpha', now });

interface Engine {
  store: Store;
  bindings(): Promise<Array<{ subject: string; shop: string }>>;
  quarantinedNaming(id: number): Promise<number>;
  close(): Promise<void>;
}

async function sqliteEngine(): Promise<Engine> {
  const file = join(tmp.dir, 'race.db');
  const store = await openSqlite(file);
  const db = new Database(file);
  return {
    store,
    bindings: async () =>
      db.prepare('SELECT subject, shop FROM app_payment_subjects ORDER BY subject').all() as never,
    quarantinedNaming: async (id) =>
      (
        db
          .prepare(
            "SELECT count(*) AS n FROM deliveries WHERE status = 'quarantined' AND CAST(raw_body AS TEXT) LIKE ?",
          )
          .get(`{"id":${id},%`) as { n: number }
      ).n,
    close: async () => {
      db.close();
      await store.close();
    },
  };
}

async function postgresEngine(): Promise<Engine> {
  const store = await openPostgres(schema);
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema}` });
  await client.connect();
  return {
    store,
    bindings: async () =>
      (await client.query('SELECT subject, shop FROM app_payment_subjects ORDER BY subject')).rows as never,
    quarantinedNaming: async (id) =>
      (
        await client.query(
          "SELECT count(*)::int AS n FROM deliveries WHERE status = 'quarantined' AND convert_from(raw_body, 'UTF8') LIKE $1",
          [`{"id":${id},%`],
        )
      ).rows[0].n,
    close: async () => {
      await client.end();
      await store.close();
    },
  };
}

describe.each([
  ['sqlite', sqliteEngine],
  ['postgres', postgresEngine],
] as const)('a payment notification quarantined for its charge binding (%s)', (_engine, open) => {
  it('stores nothing when retention pruned the binding after the filing rules read it', async () => {
    const engine = await open();
    try {
      await oldBinding(engine.store, 7100);
      // The route read "bound to alpha" and decided shop_mismatch; retention runs before the quarantine.
      await engine.store.prune({ before });
      expect(await engine.bindings()).not.toContainEqual(
        expect.objectContaining({ subject: 'payment:7100' }),
      );
      await expect(
        engine.store.quarantine(notification(7100, 'beta'), mismatch, { paymentBinding: touch(7100) }),
      ).rejects.toBeInstanceOf(PaymentClaimConflictError);
      expect(await engine.quarantinedNaming(7100)).toBe(0);
    } finally {
      await engine.close();
    }
  });

  it('keeps the binding of a quarantined notification at the next prune', async () => {
    const engine = await open();
    try {
      await oldBinding(engine.store, 7101);
      await engine.store.quarantine(notification(7101, 'beta'), mismatch, { paymentBinding: touch(7101) });
      await engine.store.prune({ before });
      expect(await engine.bindings()).toContainEqual({ subject: 'payment:7101', shop: 'alpha' });
      expect(await engine.quarantinedNaming(7101)).toBe(1);
    } finally {
      await engine.close();
    }
  });
});

describe('PostgreSQL: a quarantine committed inside the prune of bindings (READ COMMITTED)', () => {
  it('keeps the binding when the quarantine lands between the look for quarantined notifications and the DELETE', async () => {
    const engine = await postgresEngine();
    const pruner = new pg.Client({
      connectionString: TEST_DATABASE_URL,
      options: `-c search_path=${schema}`,
    });
    await pruner.connect();
    try {
      // Bound 200 days ago; its notification's delivery is gone (as after the deliveries' chunks of a prune).
      await pruner.query(
        "INSERT INTO app_payment_subjects (subject, shop, bound_at, last_notification_at) VALUES ('payment:7102', 'alpha', $1, $1)",
        [old],
      );
      await pruner.query('BEGIN');
      const plan = pruneBindingChunk(dialect, { before, afterSubject: null, limit: 100 });
      let next = plan.next([]);
      let step = 0;
      while (!next.done) {
        const rows = (await pruner.query(next.value.sql, next.value.values)).rows as Row[];
        step += 1;
        if (step === 3) {
          // Right after the prune looked for quarantined payment notifications: one is quarantined now.
          await engine.store.quarantine(notification(7102, 'beta'), mismatch, {
            paymentBinding: touch(7102),
          });
        }
        next = plan.next(rows);
      }
      await pruner.query('COMMIT');
      expect(next.value).toEqual({ deleted: 0, lastSubject: 'payment:7102' });
      expect(await engine.quarantinedNaming(7102)).toBe(1);
      expect(await engine.bindings()).toContainEqual({ subject: 'payment:7102', shop: 'alpha' });
    } finally {
      await pruner.query('ROLLBACK').catch(() => {});
      await pruner.end();
      await engine.close();
    }
  });

  it('stores nothing when the prune deleted the binding first (the quarantine waits for its row lock)', async () => {
    const engine = await postgresEngine();
    const pruner = new pg.Client({
      connectionString: TEST_DATABASE_URL,
      options: `-c search_path=${schema}`,
    });
    await pruner.connect();
    try {
      // Bound 200 days ago; its notification's delivery is gone (as after the deliveries' chunks of a prune).
      await pruner.query(
        "INSERT INTO app_payment_subjects (subject, shop, bound_at, last_notification_at) VALUES ('payment:7103', 'alpha', $1, $1)",
        [old],
      );
      await pruner.query('BEGIN');
      const plan = pruneBindingChunk(dialect, { before, afterSubject: null, limit: 100 });
      let next = plan.next([]);
      while (!next.done) {
        next = plan.next((await pruner.query(next.value.sql, next.value.values)).rows as Row[]);
      }
      const quarantined = engine.store.quarantine(notification(7103, 'beta'), mismatch, {
        paymentBinding: touch(7103),
      });
      quarantined.catch(() => {});
      await pruner.query('COMMIT');
      await expect(quarantined).rejects.toBeInstanceOf(PaymentClaimConflictError);
      expect(await engine.quarantinedNaming(7103)).toBe(0);
    } finally {
      await pruner.query('ROLLBACK').catch(() => {});
      await pruner.end();
      await engine.close();
    }
  });
});

/**
 * Direct access to an app-mode receiver's database (SQLite file or PostgreSQL schema) for payment tests:
 * a fault injected into the real engine — a trigger that makes every insert of a payment delivery fail,
 * so a store write fails after the statements before it ran in its transaction — a look at the charge
 * bindings the receiver keeps (and when their last notification was stored), and ageing deliveries and
 * bindings for retention. The tests own the trigger and drop it again (`repair`).
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import type { ReceiverConfig } from '../../config/config-schema.js';

export interface PaymentBinding {
  subject: string;
  shop: string;
}

export interface PaymentDatabase {
  /** From now on, storing a payment delivery fails inside its transaction (a store error). */
  failPaymentDeliveries(): Promise<void>;
  /**
   * PostgreSQL: from now on, storing a payment delivery waits inside its transaction (for an advisory lock
   * this connection holds) until `release`; `waiting` says whether a write waits there now.
   */
  holdPaymentDeliveries(): Promise<{ waiting(): Promise<boolean>; release(): Promise<void> }>;
  /** Drops the injected fault. */
  repair(): Promise<void>;
  bindings(): Promise<PaymentBinding[]>;
  /** Ages a stored delivery: as if received at `at` (what retention looks at). */
  receivedAt(deliveryId: string, at: Date): Promise<void>;
  /** Ages a charge binding: as if its last notification had been stored at `at`. */
  lastNotificationAt(subject: string, at: Date): Promise<void>;
  /** When a charge binding's last notification was stored, as its row says (null: no binding). */
  lastNotificationOf(subject: string): Promise<Date | null>;
  close(): Promise<void>;
}

const MESSAGE = 'injected fault: the payment delivery cannot be stored';

/** `directUrl`: PostgreSQL not through the receiver's URL (which may go through a test's TcpProxy). */
export async function openPaymentDatabase(
  config: ReceiverConfig,
  directUrl?: string,
): Promise<PaymentDatabase> {
  if (config.databaseUrl === undefined) return sqliteDatabase(config.db);
  const client = new pg.Client({
    connectionString: directUrl ?? config.databaseUrl,
    ...(config.databaseSchema ? { options: `-c search_path=${config.databaseSchema}` } : {}),
  });
  await client.connect();
  const numbered = (sql: string) => {
    let n = 0;
    return sql.replace(/\?/g, () => `$${++n}`);
  };
  const trigger = async (body: string) => {
    await client.query(`CREATE OR REPLACE FUNCTION srhooks_test_payment_fault() RETURNS trigger AS $$
      BEGIN ${body} RETURN NEW; END $$ LANGUAGE plpgsql`);
    await client.query('DROP TRIGGER IF EXISTS srhooks_test_payment_fault ON deliveries');
    await client.query(`CREATE TRIGGER srhooks_test_payment_fault BEFORE INSERT ON deliveries FOR EACH ROW
      WHEN (NEW.event IN ('payment_status', 'payment_card_change')) EXECUTE FUNCTION srhooks_test_payment_fault()`);
  };
  return {
    failPaymentDeliveries: () => trigger(`RAISE EXCEPTION '${MESSAGE}';`),
    async holdPaymentDeliveries() {
      const key = 7_300_000 + Math.floor(Math.random() * 100_000);
      await client.query('SELECT pg_advisory_lock($1::bigint)', [key]);
      await trigger(`PERFORM pg_advisory_xact_lock(${key}::bigint);`);
      return {
        async waiting() {
          const { rows } = await client.query(
            "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = 0 AND objid = $1",
            [key],
          );
          return rows.length > 0;
        },
        async release() {
          await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
        },
      };
    },
    async repair() {
      await client.query('DROP TRIGGER IF EXISTS srhooks_test_payment_fault ON deliveries');
    },
    async bindings() {
      return (await client.query('SELECT subject, shop FROM app_payment_subjects ORDER BY subject'))
        .rows as PaymentBinding[];
    },
    async receivedAt(deliveryId, at) {
      await client.query(numbered('UPDATE deliveries SET received_at = ? WHERE id = ?'), [at, deliveryId]);
    },
    async lastNotificationAt(subject, at) {
      await client.query(
        numbered('UPDATE app_payment_subjects SET last_notification_at = ? WHERE subject = ?'),
        [at, subject],
      );
    },
    async lastNotificationOf(subject) {
      const { rows } = await client.query(
        'SELECT last_notification_at FROM app_payment_subjects WHERE subject = $1',
        [subject],
      );
      return (rows[0]?.last_notification_at as Date | undefined) ?? null;
    },
    close: () => client.end(),
  };
}

function sqliteDatabase(file: string): PaymentDatabase {
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  return {
    async failPaymentDeliveries() {
      db.exec(`CREATE TRIGGER IF NOT EXISTS srhooks_test_payment_fault BEFORE INSERT ON deliveries
        WHEN NEW.event IN ('payment_status', 'payment_card_change')
        BEGIN SELECT RAISE(ABORT, '${MESSAGE}'); END`);
    },
    async holdPaymentDeliveries() {
      throw new Error('SQLite has no lock to wait for inside a statement; use failPaymentDeliveries');
    },
    async repair() {
      db.exec('DROP TRIGGER IF EXISTS srhooks_test_payment_fault');
    },
    async bindings() {
      return db
        .prepare('SELECT subject, shop FROM app_payment_subjects ORDER BY subject')
        .all() as PaymentBinding[];
    },
    async receivedAt(deliveryId, at) {
      db.prepare('UPDATE deliveries SET received_at = ? WHERE id = ?').run(at.getTime(), deliveryId);
    },
    async lastNotificationAt(subject, at) {
      db.prepare('UPDATE app_payment_subjects SET last_notification_at = ? WHERE subject = ?').run(
        at.getTime(),
        subject,
      );
    },
    async lastNotificationOf(subject) {
      const row = db
        .prepare('SELECT last_notification_at FROM app_payment_subjects WHERE subject = ?')
        .get(subject) as { last_notification_at: number } | undefined;
      return row === undefined ? null : new Date(row.last_notification_at);
    },
    async close() {
      db.close();
    },
  };
}

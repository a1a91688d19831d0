/**
 * PostgreSQL side of recovery: the per-shop state rows, the newest delivery of a shop, and a recovered
 * pass's record written in one transaction with its events (source `recovery`).
 */
import {
  failuresChange,
  passFromJson,
  passToJson,
  type RecoveryPassRecord,
  type RecoveryState,
} from '../recovery-records.js';

interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

function toState(row: Record<string, unknown>): RecoveryState {
  return {
    shop: String(row.shop),
    watermark: row.watermark === null ? null : new Date(row.watermark as Date),
    consecutiveFailures: Number(row.consecutive_failures),
    lastPass: passFromJson(row.last_pass),
  };
}

export async function getRecoveryState(db: Queryable, shop: string): Promise<RecoveryState | null> {
  const result = await db.query(
    'SELECT shop, watermark, consecutive_failures, last_pass FROM recovery_state WHERE shop = $1',
    [shop],
  );
  const row = result.rows[0];
  return row === undefined ? null : toState(row);
}

export async function listRecoveryStates(db: Queryable): Promise<RecoveryState[]> {
  const result = await db.query(
    'SELECT shop, watermark, consecutive_failures, last_pass FROM recovery_state ORDER BY shop',
  );
  return result.rows.map(toState);
}

export async function recordRecoveryPass(
  db: Queryable,
  shop: string,
  record: RecoveryPassRecord,
): Promise<void> {
  const change = failuresChange(record.pass);
  await db.query(
    `INSERT INTO recovery_state (shop, watermark, consecutive_failures, last_pass) VALUES ($1, $2, $3, $4::jsonb)
     ON CONFLICT (shop) DO UPDATE SET
       watermark = GREATEST(recovery_state.watermark, excluded.watermark),
       consecutive_failures = CASE $5::text WHEN 'add' THEN recovery_state.consecutive_failures + 1
         WHEN 'keep' THEN recovery_state.consecutive_failures ELSE 0 END,
       last_pass = excluded.last_pass`,
    [shop, record.watermark, change === 'add' ? 1 : 0, passToJson(record.pass), change],
  );
}

export async function lastDeliveryAt(db: Queryable, shop: string): Promise<Date | null> {
  const result = await db.query(
    "SELECT max(received_at) AS at FROM deliveries WHERE shop = $1 AND source = 'webhook'",
    [shop],
  );
  const at = result.rows[0]?.at;
  return at === null || at === undefined ? null : new Date(at as Date);
}

/** Name of the session advisory lock one instance holds while it reconciles the shop's subscriptions at start-up. */
export function reconcileLockName(schema: string | null, shop: string): string {
  return `srhooks.reconcile:${schema ?? 'default'}:${shop}`;
}

/** Name of the session advisory lock one instance holds while it runs a pass for the shop. */
export function recoveryLockName(schema: string | null, shop: string): string {
  return `srhooks.recovery:${schema ?? 'default'}:${shop}`;
}

export async function knownDedupeKeys(
  db: Queryable,
  shop: string,
  event: string,
  keys: readonly string[],
): Promise<string[]> {
  if (keys.length === 0) return [];
  const result = await db.query(
    'SELECT dedupe_key FROM events WHERE shop = $1 AND event = $2 AND duplicate_of IS NULL AND dedupe_key = ANY ($3::text[])',
    [shop, event, keys],
  );
  return result.rows.map((row) => String(row.dedupe_key));
}

export async function knownSubjects(
  db: Queryable,
  shop: string,
  event: string,
  subjectIds: readonly string[],
): Promise<string[]> {
  if (subjectIds.length === 0) return [];
  const result = await db.query(
    'SELECT DISTINCT subject_id FROM events WHERE shop = $1 AND event = $2 AND subject_id = ANY ($3::text[])',
    [shop, event, subjectIds],
  );
  return result.rows.map((row) => String(row.subject_id));
}

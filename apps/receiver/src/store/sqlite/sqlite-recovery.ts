/**
 * The SQLite engine's records for delivery recovery: each shop's recovery state (watermark, consecutive
 * failures, last pass) and the writes that record a pass, plus the reads a recovery pass asks of stored
 * data (which dedupe keys and subjects are already known, when the last webhook delivery arrived).
 */
import type { WebhookEvent } from '@srhooks/contracts';
import {
  failuresChange,
  passFromJson,
  passToJson,
  type RecoveryPassRecord,
  type RecoveryState,
} from '../recovery-records.js';
import type { SqliteConnection } from './sqlite-connection.js';

function toRecoveryState(row: Record<string, unknown>): RecoveryState {
  return {
    shop: String(row.shop),
    watermark: row.watermark === null ? null : new Date(Number(row.watermark)),
    consecutiveFailures: Number(row.consecutive_failures),
    lastPass: passFromJson(row.last_pass),
  };
}

export function getRecoveryState(db: SqliteConnection, shop: string): RecoveryState | null {
  return db.read(() => {
    const row = db
      .stmt('SELECT shop, watermark, consecutive_failures, last_pass FROM recovery_state WHERE shop = ?')
      .get(shop) as Record<string, unknown> | undefined;
    return row === undefined ? null : toRecoveryState(row);
  });
}

export function listRecoveryStates(db: SqliteConnection): RecoveryState[] {
  return db.read(() =>
    (
      db
        .stmt('SELECT shop, watermark, consecutive_failures, last_pass FROM recovery_state ORDER BY shop')
        .all() as Record<string, unknown>[]
    ).map(toRecoveryState),
  );
}

export function recordRecoveryPass(
  db: SqliteConnection,
  shop: string,
  record: RecoveryPassRecord,
): Promise<void> {
  const change = failuresChange(record.pass);
  return db.write(() => {
    db.stmt(
      `INSERT INTO recovery_state (shop, watermark, consecutive_failures, last_pass) VALUES (@shop, @watermark, @first, @pass)
         ON CONFLICT (shop) DO UPDATE SET
           watermark = CASE WHEN excluded.watermark IS NULL THEN recovery_state.watermark
             WHEN recovery_state.watermark IS NULL OR excluded.watermark > recovery_state.watermark THEN excluded.watermark
             ELSE recovery_state.watermark END,
           consecutive_failures = CASE @change WHEN 'add' THEN recovery_state.consecutive_failures + 1
             WHEN 'keep' THEN recovery_state.consecutive_failures ELSE 0 END,
           last_pass = excluded.last_pass`,
    ).run({
      shop,
      watermark: record.watermark?.getTime() ?? null,
      first: change === 'add' ? 1 : 0,
      change,
      pass: passToJson(record.pass),
    });
  });
}

export function knownDedupeKeys(
  db: SqliteConnection,
  shop: string,
  event: WebhookEvent,
  keys: readonly string[],
): string[] {
  if (keys.length === 0) return [];
  return db.read(() =>
    (
      db
        .stmt(
          'SELECT dedupe_key FROM events WHERE shop = ? AND event = ? AND duplicate_of IS NULL AND dedupe_key IN (SELECT value FROM json_each(?))',
        )
        .all(shop, event, JSON.stringify(keys)) as { dedupe_key: string }[]
    ).map((row) => row.dedupe_key),
  );
}

export function knownSubjects(
  db: SqliteConnection,
  shop: string,
  event: WebhookEvent,
  subjectIds: readonly string[],
): string[] {
  if (subjectIds.length === 0) return [];
  return db.read(() =>
    (
      db
        .stmt(
          'SELECT DISTINCT subject_id FROM events WHERE shop = ? AND event = ? AND subject_id IN (SELECT value FROM json_each(?))',
        )
        .all(shop, event, JSON.stringify(subjectIds)) as { subject_id: string }[]
    ).map((row) => row.subject_id),
  );
}

export function lastDeliveryAt(db: SqliteConnection, shop: string): Date | null {
  return db.read(() => {
    const row = db
      .stmt("SELECT max(received_at) AS at FROM deliveries WHERE shop = ? AND source = 'webhook'")
      .get(shop) as { at: number | null };
    return row.at === null ? null : new Date(Number(row.at));
  });
}

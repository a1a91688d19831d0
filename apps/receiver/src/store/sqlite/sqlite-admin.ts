/**
 * The SQLite engine's operator writes and checks: revoking admin sessions and asking whether one is
 * revoked, disabling and enabling handlers, recording an event's verification (and holding it), and one
 * chunk of a retention prune. Writes go through the connection's group commit; an event whose
 * verification changes is re-notified through `notifyEvent` of the job module.
 */
import { erasePlan, erasureFeedChanges } from '../erase-plan.js';
import {
  type BindingPruneChunkOptions,
  type BindingPruneChunkResult,
  pruneBindingChunk as pruneBindingPlanChunk,
} from '../payment-binding-prune.js';
import {
  type PruneChunkOptions,
  type PruneChunkResult,
  pruneChunk as prunePlanChunk,
  runPlanSync,
  type SqlStep,
} from '../prune-plan.js';
import type { Row } from '../row-mapping.js';
import type { ErasureOptions, ErasureResult, HandlerDisabledBy, VerificationUpdate } from '../store.js';
import { StoreNotFoundError } from '../store-errors.js';
import { dialect, ms, type SqliteConnection } from './sqlite-connection.js';
import { notifyEvent } from './sqlite-jobs.js';

export function revokeAdminSession(
  db: SqliteConnection,
  sessionId: string,
  expiresAt: Date,
  options: { now?: Date },
): Promise<void> {
  const now = ms(options.now);
  return db.write(() => {
    db.stmt('DELETE FROM admin_session_revocations WHERE expires_at <= ?').run(now);
    db.stmt(
      'INSERT INTO admin_session_revocations (session_id, expires_at) VALUES (?, ?) ON CONFLICT (session_id) DO NOTHING',
    ).run(sessionId, expiresAt.getTime());
  });
}

export function isAdminSessionRevoked(
  db: SqliteConnection,
  sessionId: string,
  options: { now?: Date },
): boolean {
  return db.read(
    () =>
      db
        .stmt('SELECT 1 FROM admin_session_revocations WHERE session_id = ? AND expires_at > ?')
        .get(sessionId, ms(options.now)) !== undefined,
  );
}

/** Runs a prune plan's statements (not cached: their IN lists vary in length). */
function runUncached(db: SqliteConnection, step: SqlStep): Row[] {
  const statement = db.database.prepare(step.sql);
  if (statement.reader) return statement.all(...step.values) as Row[];
  statement.run(...step.values);
  return [];
}

/** One chunk of a prune, in one write transaction (SqliteStore.prune loops over the chunks). */
export function pruneChunk(db: SqliteConnection, options: PruneChunkOptions): Promise<PruneChunkResult> {
  return db.write(() => runPlanSync(prunePlanChunk(dialect, options), (step) => runUncached(db, step)));
}

/** One chunk of charge bindings after a prune's deliveries (payment-binding-prune.ts), in one write transaction. */
export function pruneBindingChunk(
  db: SqliteConnection,
  options: BindingPruneChunkOptions,
): Promise<BindingPruneChunkResult> {
  return db.write(() =>
    runPlanSync(pruneBindingPlanChunk(dialect, options), (step) => runUncached(db, step)),
  );
}

/**
 * Personal data erasure (erase-plan.ts) in one write transaction. The connection runs with
 * `secure_delete` on (sqlite-connection.ts): the cells and pages the old payloads, bodies and index
 * entries leave free are overwritten with zeros. Changes of the events whose jobs it cancelled are announced.
 */
export function erasePersonalData(db: SqliteConnection, options: ErasureOptions): Promise<ErasureResult> {
  return db.write((context) => {
    const { statuses, cancelled, ...result } = runPlanSync(
      erasePlan(dialect, options, { lockRows: '', payloadText: 'e.payload' }),
      (step) => runUncached(db, step),
    );
    db.notify(context, erasureFeedChanges({ statuses, cancelled }, result.erased ? result.deliveries : []));
    return result;
  });
}

/**
 * Copies the write-ahead log into the database file and truncates it to zero bytes, so page images an
 * erasure replaced are no longer in the WAL file. False when a reader (another process on the file) kept
 * it from completing: the next checkpoint does it.
 */
export function checkpointTruncate(db: SqliteConnection): boolean {
  if (db.database.inTransaction) return false;
  const [row] = db.database.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
  return row?.busy === 0;
}

export function setEventVerification(
  db: SqliteConnection,
  eventId: string,
  update: VerificationUpdate,
): Promise<void> {
  const hold = update.hold ?? update.status === 'mismatched';
  return db.write((context) => {
    const result = db
      .stmt('UPDATE events SET verification = ?, verification_detail = ?, held = ? WHERE id = ?')
      .run(update.status, update.detail ?? null, hold ? 1 : 0, eventId);
    if (result.changes === 0) throw new StoreNotFoundError('event', eventId);
    notifyEvent(db, context, eventId);
  });
}

/**
 * Disables (`disabledBy` and a reason) or enables (both null) a handler. True when the state changed;
 * false when an operator's disable met a handler already disabled (left as it was, its reason kept). A
 * target's 410 always records itself (a newer reason, or the target's over an operator's).
 */
export function setHandlerState(
  db: SqliteConnection,
  handler: string,
  disabledBy: HandlerDisabledBy | null,
  reason: string | null,
  now: number,
): Promise<boolean> {
  return db.write(
    () =>
      db
        .stmt(
          `INSERT INTO handler_states (handler, disabled, reason, changed_at, disabled_by) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (handler) DO UPDATE SET disabled = excluded.disabled, reason = excluded.reason,
           changed_at = excluded.changed_at, disabled_by = excluded.disabled_by
         WHERE handler_states.disabled = 0 OR excluded.disabled_by IS NOT 'operator'`,
        )
        .run(handler, disabledBy === null ? 0 : 1, reason, now, disabledBy).changes > 0,
  );
}

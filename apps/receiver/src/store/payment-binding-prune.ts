/**
 * Retention of the charge bindings of app mode (`app_payment_subjects`, see payment-claim.ts): after the old
 * deliveries of a prune are deleted, a binding goes when its last notification was stored before the
 * prune's `before` and no delivery left refers to it — no event of that charge / card change (whatever its
 * shop), and no quarantined payment notification whose body names it (`shop_mismatch` and `unknown_shop`
 * ones wait for a re-process, which must still find the charge's shop). What is left after the deliveries'
 * chunks is exactly what retention keeps (newer deliveries, unfinished work, dead letters, quarantine), so a
 * binding goes only when nothing the receiver keeps needs it.
 *
 * One chunk of bindings per transaction, one plan for both engines (as prune-plan.ts). The binding's row is
 * deleted only while its last notification is still that old: a notification of the charge filed meanwhile
 * moved it (payment-claim.ts writes it in the transaction that stores the notification, locking the row).
 */
import { type AddParam, placeholderList, type SqlStep, sqlStep } from './prune-plan.js';
import type { Row } from './row-mapping.js';
import type { SqlDialect } from './sql-params.js';

export interface BindingPruneChunkOptions {
  /** Bindings whose last notification was stored before this time are candidates. */
  before: Date;
  /** Continue after this subject (in subject order); null: from the first. */
  afterSubject: string | null;
  limit: number;
}

export interface BindingPruneChunkResult {
  /** Bindings deleted. */
  deleted: number;
  /** The last candidate looked at; null when there were none (done). */
  lastSubject: string | null;
}

/** The payment events and the subject key each names (payment-filing.ts: `payment:{id}`, `card-change:{changeId}`). */
const SUBJECT_PREFIX: Record<string, string> = {
  payment_status: 'payment:',
  payment_card_change: 'card-change:',
};
/** Literal, so the partial index `events_payment_subject` (same predicate) serves the lookup. */
const PAYMENT_EVENTS = "('payment_status', 'payment_card_change')";

/**
 * The subjects a stored notification body may name, read leniently (a body quarantined as undecodable may
 * decode after a decoder fix): `changeId` → a card change, `id` → a charge. Not JSON: none.
 */
export function subjectsNamedBy(rawBody: Uint8Array): string[] {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(rawBody).toString('utf8'));
  } catch {
    return [];
  }
  if (typeof body !== 'object' || body === null) return [];
  const named: string[] = [];
  const { id, changeId } = body as { id?: unknown; changeId?: unknown };
  if (typeof changeId === 'string' || typeof changeId === 'number') named.push(`card-change:${changeId}`);
  if (typeof id === 'string' || typeof id === 'number') named.push(`payment:${id}`);
  return named;
}

/** Yields each statement; expects the rows it returned (empty for statements without rows). */
export function* pruneBindingChunk(
  dialect: SqlDialect,
  options: BindingPruneChunkOptions,
): Generator<SqlStep, BindingPruneChunkResult, Row[]> {
  const step = (build: (add: AddParam) => string) => sqlStep(dialect, build);
  const before = dialect.time(options.before);

  const candidates = (yield step(
    (add) =>
      `SELECT subject FROM app_payment_subjects WHERE last_notification_at < ${add(before)}` +
      (options.afterSubject === null ? '' : ` AND subject > ${add(options.afterSubject)}`) +
      ` ORDER BY subject LIMIT ${add(options.limit)}`,
  )).map((row) => String(row.subject));
  if (candidates.length === 0) return { deleted: 0, lastSubject: null };
  const lastSubject = candidates.at(-1) ?? null;

  const referenced = new Set<string>();
  const ids = new Set(candidates.map((subject) => subject.slice(subject.indexOf(':') + 1)));
  for (const row of yield step(
    (add) =>
      `SELECT DISTINCT event, subject_id FROM events WHERE event IN ${PAYMENT_EVENTS} AND subject_id IN (${placeholderList(add, ids)})`,
  )) {
    referenced.add(`${SUBJECT_PREFIX[String(row.event)] ?? ''}${String(row.subject_id)}`);
  }
  for (const row of yield step(
    (add) =>
      `SELECT raw_body FROM deliveries WHERE status = ${add('quarantined')} AND event IN ${PAYMENT_EVENTS}`,
  )) {
    for (const subject of subjectsNamedBy(row.raw_body as Uint8Array)) referenced.add(subject);
  }

  const prunable = candidates.filter((subject) => !referenced.has(subject));
  if (prunable.length === 0) return { deleted: 0, lastSubject };
  const deleted = (yield step(
    (add) =>
      `DELETE FROM app_payment_subjects WHERE subject IN (${placeholderList(add, prunable)}) AND last_notification_at < ${add(before)} RETURNING subject`,
  )).length;
  return { deleted, lastSubject };
}

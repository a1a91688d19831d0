/**
 * A Payment API notification's claim on its charge / card change (FACTS.md §8; the rules are in
 * app-mode/payment-filing.ts), written in the same transaction as the delivery and events it files, so
 * that a binding and a filed-notification key never exist without the notification stored with them: a
 * write that fails (store error, timeout, crash) leaves neither, and the sender's retry — or a copy under
 * another shop — is filed as if the failed attempt had never come.
 *
 * Tables `app_payment_subjects` (subject → the shop it is bound to, and when its last notification was
 * stored) and `app_payment_notifications` (the filed notifications' dedupe keys until they expire), read by
 * `AppShopStore.paymentClaimState`. One plan for both engines (a generator of statements, as prune-plan.ts).
 */

import type { SqlStep } from './prune-plan.js';
import type { Row } from './row-mapping.js';
import type { SqlDialect } from './sql-params.js';
import { PaymentClaimConflictError } from './store-errors.js';

/** What filing a notification records with it. Plain data: it crosses to SQLite's writer thread. */
export interface PaymentClaimWrite {
  /** The charge or card change: `payment:{id}` / `card-change:{changeId}`. */
  subject: string;
  /** The shop the notification is filed under: the subject must be bound to it (or become so, with `bind`). */
  shop: string;
  /**
   * Bind the subject to `shop` when it is unbound (a shop the receiver serves). False: it must already be
   * bound to `shop` (a charge of a shop that has since uninstalled).
   */
  bind: boolean;
  /** The notification's dedupe key, remembered as filed until `expiresAt`. */
  dedupeKey: string;
  expiresAt: Date;
  /** When it is stored: the subject's last notification from then on. */
  now: Date;
}

/**
 * The statements of a claim, to run inside the transaction that stores the notification (before it). The
 * binding is written with an upsert (or, without `bind`, an update) that locks its row, so a concurrent
 * claim of the same subject or a concurrent prune of its binding waits for this transaction.
 */
export function* writePaymentClaim(
  dialect: SqlDialect,
  claim: PaymentClaimWrite,
): Generator<SqlStep, void, Row[]> {
  const step = (build: (add: (value: unknown) => string) => string): SqlStep => {
    const params = dialect.params();
    const sql = build((value) => params.add(value));
    return { sql, values: params.values };
  };
  const now = dialect.time(claim.now);
  yield step((add) => `DELETE FROM app_payment_notifications WHERE expires_at <= ${add(now)}`);
  const later = (value: string) => laterNotification('app_payment_subjects.last_notification_at', value);
  if (claim.bind) {
    const bound = yield step((add) => {
      const subject = add(claim.subject);
      const shop = add(claim.shop);
      const boundAt = add(now);
      const last = add(now);
      return `INSERT INTO app_payment_subjects (subject, shop, bound_at, last_notification_at)
          VALUES (${subject}, ${shop}, ${boundAt}, ${last})
          ON CONFLICT (subject) DO UPDATE SET last_notification_at = ${later('excluded.last_notification_at')}
          RETURNING shop`;
    });
    requireBoundTo(claim, bound);
  } else {
    yield* touchPaymentBinding(dialect, claim);
  }
  yield step(
    (add) =>
      `INSERT INTO app_payment_notifications (dedupe_key, expires_at) VALUES (${add(claim.dedupeKey)}, ${add(dialect.time(claim.expiresAt))})
       ON CONFLICT (dedupe_key) DO NOTHING`,
  );
}

/** The later of the stored last notification and `value` (SQLite has max(), PostgreSQL GREATEST()). */
function laterNotification(column: string, value: string): string {
  return `CASE WHEN ${column} > ${value} THEN ${column} ELSE ${value} END`;
}

/** A notification relies on its charge / card change being bound to `shop` (it is stored with it, or quarantined for it). */
export interface PaymentBindingTouch {
  subject: string;
  shop: string;
  /** When the notification is stored: the subject's last notification from then on. */
  now: Date;
}

/**
 * The statement that keeps a binding a notification relies on, inside the transaction that stores the
 * notification: its last notification moves to `now` (so retention's re-check before deleting it fails —
 * payment-binding-prune.ts), its row is locked (so a concurrent prune waits for this transaction), and
 * PaymentClaimConflictError (nothing stored) when it is gone or bound to another shop by then. Used by a
 * claim without `bind`, and by a `shop_mismatch` / `unknown_shop` quarantine of a bound charge, which a
 * later re-process files under that binding.
 */
export function* touchPaymentBinding(
  dialect: SqlDialect,
  touch: PaymentBindingTouch,
): Generator<SqlStep, void, Row[]> {
  const params = dialect.params();
  const now = dialect.time(touch.now);
  // Two placeholders for the one time: SQLite's are positional.
  const first = params.add(now);
  const second = params.add(now);
  const sql = `UPDATE app_payment_subjects SET last_notification_at = CASE WHEN last_notification_at > ${first} THEN last_notification_at ELSE ${second} END
    WHERE subject = ${params.add(touch.subject)} RETURNING shop`;
  requireBoundTo(touch, yield { sql, values: params.values });
}

function requireBoundTo(touch: { subject: string; shop: string }, bound: Row[]): void {
  const boundTo = bound[0] === undefined ? null : String(bound[0].shop);
  if (boundTo !== touch.shop) {
    throw new PaymentClaimConflictError(
      boundTo === null
        ? `${touch.subject} is no longer bound to ${touch.shop}; the notification was not stored, file it again.`
        : `${touch.subject} was bound to ${boundTo} meanwhile, not ${touch.shop}; the notification was not stored, file it again.`,
    );
  }
}

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
  /** The later of the stored last notification and `value` (SQLite has max(), PostgreSQL GREATEST()). */
  const later = (value: string) =>
    `CASE WHEN app_payment_subjects.last_notification_at > ${value} THEN app_payment_subjects.last_notification_at ELSE ${value} END`;
  const bound = claim.bind
    ? yield step((add) => {
        const subject = add(claim.subject);
        const shop = add(claim.shop);
        const boundAt = add(now);
        const last = add(now);
        return `INSERT INTO app_payment_subjects (subject, shop, bound_at, last_notification_at)
          VALUES (${subject}, ${shop}, ${boundAt}, ${last})
          ON CONFLICT (subject) DO UPDATE SET last_notification_at = ${later('excluded.last_notification_at')}
          RETURNING shop`;
      })
    : yield step((add) => {
        const first = add(now);
        const second = add(now);
        return `UPDATE app_payment_subjects SET last_notification_at = CASE WHEN last_notification_at > ${first} THEN last_notification_at ELSE ${second} END
          WHERE subject = ${add(claim.subject)} RETURNING shop`;
      });
  const boundTo = bound[0] === undefined ? null : String(bound[0].shop);
  if (boundTo !== claim.shop) {
    throw new PaymentClaimConflictError(
      boundTo === null
        ? `${claim.subject} is no longer bound to ${claim.shop}; the notification was not stored, file it again.`
        : `${claim.subject} was bound to ${boundTo} meanwhile, not ${claim.shop}; the notification was not stored, file it again.`,
    );
  }
  yield step(
    (add) =>
      `INSERT INTO app_payment_notifications (dedupe_key, expires_at) VALUES (${add(claim.dedupeKey)}, ${add(dialect.time(claim.expiresAt))})
       ON CONFLICT (dedupe_key) DO NOTHING`,
  );
}

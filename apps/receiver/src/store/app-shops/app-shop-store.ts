/**
 * App mode's storage (platform apps, FACTS.md §7): the shops the app is installed on, and the app
 * request codes already used (install / entry point / uninstall calls are refused when their
 * `code` comes again). A separate, small interface next to `Store`, on the same database: SQLite
 * (its own connection to the store's file) or PostgreSQL (its own small pool on the store's
 * schema). Tables from migration 4 (SQLite) / 5 (PostgreSQL); the payment subjects and filed payment
 * notifications from migration 5 (SQLite) / 6 (PostgreSQL), when a subject's last notification was stored from
 * migration 6 / 7, the secret fingerprint from migration 13 / 16. Contract: test-support/app-shop-store-contract.ts.
 */

import { APP_EVENTS, type AppShopStatus } from '@srhooks/contracts';
import type { InstallLockOptions } from './shop-install-lock.js';

/** `pending`: the install is recorded but its token/subscription step has not succeeded yet (retried). Defined in contracts (the session check answers with it). */
export type { AppShopStatus };

export interface AppShopSubscription {
  event: string;
  /** The subscription's id on the shop. */
  id: string;
  /**
   * The fingerprint of the `publicUrl` its URL is under (app-mode/secret-fingerprint.ts), kept to tell that
   * the receiver moved; absent when registered by a receiver that did not keep it.
   */
  baseFingerprint?: string;
  /**
   * The fingerprint of the app's subscriptions (`app.events` / `app.webhooks`) it was registered for
   * (app-mode/subscription-plan.ts), kept to tell that they changed; absent when registered by a receiver
   * that did not keep it.
   */
  planFingerprint?: string;
}

export interface AppShopRecord {
  shop: string;
  status: AppShopStatus;
  installedAt: Date;
  appVersion: string | null;
  uninstalledAt: Date | null;
  /**
   * Why the token/subscription step is due again: `installing` until a new install's step has run, then its
   * last error — for a `pending` install, and for an `installed` shop whose later step (a re-install call,
   * a re-registration after a secret change) failed. Null once the step succeeded.
   */
  pendingReason: string | null;
  /** Failed attempts of the token/subscription step since the install (or the re-install call). */
  attempts: number;
  /** When the background retry runs the step again; null when none is due. */
  nextAttemptAt: Date | null;
  subscriptions: AppShopSubscription[];
  /**
   * Which URL secret signed the subscriptions last registered for the shop: its fingerprint
   * (app-mode/secret-fingerprint.ts), never the secret; only that (the base's is kept with each subscription),
   * as receivers of every version read it. Written with `markInstalled`; kept while the shop
   * is pending (its subscriptions on the shop are still those); null once uninstalled, and for a shop
   * installed before migration 13 (SQLite) / 16 (PostgreSQL) until its step runs again.
   */
  secretFingerprint: string | null;
  updatedAt: Date;
}

/** What is stored about a Payment API notification's charge (FACTS.md §8); see `paymentClaimState`. */
export interface PaymentClaimQuery {
  /** The charge or card change it is about: `payment:{id}` / `card-change:{changeId}`. */
  subject: string;
  /** The notification's dedupe key (`payment:{id}:{status}:{time}`, …). */
  dedupeKey: string;
  now?: Date;
}

export interface PaymentClaimState {
  /** The shop the subject is bound to (the first shop a notification of it was filed under); null when unbound. */
  subjectShop: string | null;
  /** The same notification (dedupe key) was filed before, under the subject's shop, and has not expired. */
  seen: boolean;
}

/** An uninstall recorded (or found recorded: `already`). */
export interface UninstallMarked {
  cancelledJobs: number;
  uninstalledAt: Date;
  already: boolean;
}

/**
 * An uninstall call applied after it came (spooled while the store was unavailable): its request code is
 * recorded in the same transaction (the replay check the call could not get when it came), and it
 * changes nothing when the code was used already — unless by this same call, applied before (the shop
 * is uninstalled at the call's time: `already`) — or when the shop's record changed after the call's
 * time while the shop was not uninstalled (an install call since, or its step: the shop may have the
 * app again, and a late uninstall must not undo that).
 */
export interface LateUninstall {
  /**
   * The call's code key (app-request.ts `requestCodeKey`) and until when it is remembered; null when the
   * route recorded it already (the store failed after that), so there is nothing to check.
   */
  requestCode: { key: string; expiresAt: Date } | null;
}

/** Why a late uninstall changed nothing (see LateUninstall). */
export interface LateUninstallRefused {
  refused: 'replayed' | 'changed_since';
  /** The shop's record as it stays: its status and when it last changed. */
  status: AppShopStatus;
  updatedAt: Date;
}

export interface AppShopStore {
  /**
   * Records an app request code (with the shop, e.g. `install:demo:abc…`) until `expiresAt`. True the
   * first time, false when it was already used (a replay). Expired codes are cleaned up on the way.
   */
  useRequestCode(key: string, expiresAt: Date, options?: { now?: Date }): Promise<boolean>;
  /**
   * A (re-)install: a new shop, or one that uninstalled, starts over as `pending` (reason `installing`) with
   * no subscriptions; a shop still `installed` stays installed with its subscriptions (they are registered on
   * the shop, and its recovery goes on) while its step runs again. The caller runs the token/subscription
   * step at once; `nextAttemptAt` is when the background retry takes over if this process dies before
   * recording the outcome. The install time is `now`, for every install call: ShopRenter sends one when the
   * shop owner installs the app (documented), so a call for a shop still installed (or pending) here is a
   * re-install whose uninstall call never reached the receiver (an app installed twice at once on one shop
   * is assumed impossible). The install time bounds order recovery and tells the install's failed recovery
   * passes from those before it (shops-json.ts): a first install's time kept recovered the orders placed
   * while the app was removed. The shop's recovery failures in a row (`recovery_state`) are reset as an
   * uninstall resets them (see markUninstalled), unless `resetRecoveryFailures` is false: a shop of the
   * config file's `shops`, whose recovery runs on that entry, not on the install.
   */
  recordInstall(
    shop: string,
    options: {
      appVersion?: string | null;
      nextAttemptAt: Date;
      now?: Date;
      resetRecoveryFailures?: boolean;
    },
  ): Promise<AppShopRecord>;
  /**
   * The token/subscription step succeeded: `subscriptions` are registered, their URLs signed with the
   * secret whose fingerprint is `secretFingerprint`; the failures in a row (`attempts`, the retry's backoff)
   * start from zero again. Ignored (false) when the shop was uninstalled meanwhile, or — with
   * `ifInstalledAt`, the install time of the record the step read when it began — when the shop's install
   * time is another: an install call came for it since (recordInstall), whose own step records the outcome.
   * Checked in the same statement as the write, so an install call recorded at any moment before it is seen.
   */
  markInstalled(
    shop: string,
    options: {
      subscriptions: AppShopSubscription[];
      secretFingerprint: string;
      now?: Date;
      ifInstalledAt?: Date;
    },
  ): Promise<boolean>;
  /**
   * The step failed: recorded with the reason and retried from `nextAttemptAt`, the status unchanged — a
   * pending install stays pending; an installed shop stays installed (the subscriptions its last successful
   * step registered are still on the shop; recovery goes on). Ignored (false) when uninstalled, or when the
   * install time is not `ifInstalledAt` (as markInstalled).
   */
  markStepFailed(
    shop: string,
    options: { reason: string; nextAttemptAt: Date; now?: Date; ifInstalledAt?: Date },
  ): Promise<boolean>;
  /**
   * Uninstall: the shop becomes `uninstalled`, its subscriptions are forgotten, and its jobs that have
   * not run yet (pending) are cancelled — dead-lettered with `reason`, so they stay visible and can be
   * replayed; not those of the app's own events (KEPT_ON_UNINSTALL_SQL). Running jobs finish. Returns how many jobs were cancelled and the uninstall time; null when
   * the shop was never installed. A shop already uninstalled is left as it is (no job is cancelled, its
   * uninstall time is kept and returned): the same uninstall told twice. The shop's order recovery failures
   * in a row (`recovery_state`) are reset: they drive the backoff of its scheduled passes, and those of an
   * install the shop removed (every pass failing on the refused token while its uninstall call was lost)
   * must not put a re-install's first failed pass hours back. `cancelJobs: false` cancels none (and resets nothing):
   * a shop of the config file's `shops` is still served by that entry after the app's uninstall.
   * `late`: an uninstall call applied after it came (spooled while the store was unavailable, drained
   * now; `now` is the call's time) — see LateUninstall; refused (nothing changed) as LateUninstallRefused.
   */
  markUninstalled(
    shop: string,
    options: { reason: string; now?: Date; cancelJobs?: boolean; late?: LateUninstall },
  ): Promise<UninstallMarked | LateUninstallRefused | null>;
  /**
   * Payment API notifications name no shop and `?shop=` is not signed, so the receiver binds each charge /
   * card change app-wide to the shop it first came under (ASSUMED: ShopRenter's ids are unique across the
   * app's shops). Reads, without writing, the shop `subject` is bound to and whether `dedupeKey` was filed
   * (under that shop) and has not expired. The binding and the filed key are written only with the
   * notification they file (`Store.ingest` / `reprocessQuarantined` with a `paymentClaim`, which checks this
   * state again in its transaction).
   */
  paymentClaimState(query: PaymentClaimQuery): Promise<PaymentClaimState>;
  /**
   * Runs `work` holding the shop's install lock (shop-install-lock.ts), so the app's API step for one shop
   * runs on one holder at a time: within this process always; across receivers sharing the store with
   * PostgreSQL (a session advisory lock on a connection of its own, released when `work` settles — or when
   * that connection ends, the process included). Waits at most `waitMs` for another receiver's holder
   * (then InstallLockBusyError, nothing run); `work`'s signal aborts when the lock is lost (its connection
   * ended) or held past `holdMs` (InstallLockLostError): `work` stops calling the shop's API then. SQLite
   * (one receiver process per file, enforced by its lock file) has the in-process part only.
   */
  withInstallLock<T>(
    shop: string,
    work: (signal: AbortSignal) => Promise<T>,
    options?: InstallLockOptions,
  ): Promise<T>;
  get(shop: string): Promise<AppShopRecord | null>;
  /** Every shop the app was ever installed on, by name. */
  list(): Promise<AppShopRecord[]>;
  /** Shops (pending, or installed with a failed later step) whose step is due again. */
  dueSteps(options?: { now?: Date; limit?: number }): Promise<AppShopRecord[]>;
  close(): Promise<void>;
}

/**
 * Events whose jobs an uninstall does not cancel: the app's own (contracts' APP_EVENTS) — payment
 * notifications (ShopRenter cancels the shop's recurring charges on uninstall, and those filed after it
 * are handled, so one that came a moment before must be too) and an earlier uninstall's event. As a SQL
 * list of literals (constants, no input).
 */
export const KEPT_ON_UNINSTALL_SQL = APP_EVENTS.map((event) => `'${event}'`).join(', ');

export { CANCELLED_BY_UNINSTALL } from './uninstall-cancellation.js';

/**
 * The rule of LateUninstall, for both stores (inside their transaction): null when the late uninstall
 * goes ahead. `calledAt` is the call's time (ms); `firstUse`: its request code was not recorded before.
 */
export function lateUninstallRefusal(
  current: {
    status: AppShopStatus;
    uninstalledAt: number | null;
    updatedAt: number;
    /** The last install call's time; null when none came since it was recorded (then `updatedAt` stands in). */
    installCalledAt: number | null;
  },
  calledAt: number,
  firstUse: boolean,
): LateUninstallRefused | null {
  const stays = { status: current.status, updatedAt: new Date(current.updatedAt) };
  // This same call, applied before (a drain interrupted after its commit): the shop is uninstalled at its time.
  const appliedBefore = current.status === 'uninstalled' && current.uninstalledAt === calledAt;
  if (!firstUse && !appliedBefore) return { refused: 'replayed', ...stays };
  // Installed again after the call: it must not undo that install. A step of an install written after it
  // (the background retry, a re-registration) is no reason: the owner removed the app.
  if (current.status !== 'uninstalled' && (current.installCalledAt ?? current.updatedAt) > calledAt)
    return { refused: 'changed_since', ...stays };
  return null;
}

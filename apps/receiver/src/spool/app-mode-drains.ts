/**
 * What the spool drainer hands app mode (spool-drainer.ts): a spooled Payment API notification is stored by
 * app mode's payment route (app-mode/spooled-payment.ts), a spooled app uninstall call applied by its
 * uninstall route (app-mode/spooled-uninstall.ts); without app mode they stay in the spool, said by these
 * errors.
 */
import type { SpooledDelivery } from '../store/store.js';
import { SpoolError } from './spool-errors.js';

/** What draining a spooled payment notification did (app-mode/spooled-payment.ts). */
export interface DrainedPayment {
  /** `duplicate`: the same notification was filed under another shop already; nothing was stored. */
  readonly outcome: 'stored' | 'quarantined' | 'duplicate' | 'already_stored';
  /** The shop it was filed under. */
  readonly shop: string;
  readonly event: string;
  readonly events: number;
  readonly duplicates: number;
}

/** Stores a spooled payment notification (its filing rules, then `Store.storeSpooled`). */
export type PaymentDrain = (delivery: SpooledDelivery) => Promise<DrainedPayment>;

/** What applying a spooled app uninstall call did (app-mode/spooled-uninstall.ts). */
export interface DrainedUninstall {
  /**
   * `uninstalled`: the shop is uninstalled now (`already_uninstalled`: it was before, its event a
   * duplicate or stored now); `already_stored`: this call was applied by an earlier drain; `refused`:
   * nothing changed (replayed, or an install since; logged); `unknown_shop`: the app has no record of it.
   */
  readonly outcome: 'uninstalled' | 'already_uninstalled' | 'already_stored' | 'refused' | 'unknown_shop';
  readonly shop: string;
}

/** Applies a spooled app uninstall call. */
export type UninstallDrain = (delivery: SpooledDelivery) => Promise<DrainedUninstall>;

/** A spooled app uninstall call while nothing applies them (app mode is off). */
export class SpoolUninstallsOffError extends SpoolError {
  declare readonly code: 'spool_uninstalls_off';

  constructor() {
    super(
      'spool_uninstalls_off',
      'A spooled app uninstall call cannot be applied: app mode is not configured (app). It stays in the spool; configure app mode again to apply it, or mark the shop uninstalled by hand.',
    );
  }
}

/** A spooled payment notification while nothing drains them (app mode's payment route is off). */
export class SpoolPaymentsOffError extends SpoolError {
  declare readonly code: 'spool_payments_off';

  constructor() {
    super(
      'spool_payments_off',
      "A spooled Payment API notification cannot be stored: app mode's payment route is not configured (app.webhookSecretKey). It stays in the spool; configure the route again to store it.",
    );
  }
}

import { ShopRenterError } from '@srhooks/client';

/** Why a recovery request cannot run; each says what to do. */
export class RecoveryError extends Error {
  constructor(
    readonly code:
      | 'unknown_shop'
      | 'shop_uninstalled'
      | 'no_credentials'
      | 'recovery_off'
      | 'busy'
      | 'bad_since'
      | 'interrupted',
    message: string,
  ) {
    super(message);
    this.name = 'RecoveryError';
  }
}

export function unknownShop(shop: string, known: readonly string[]): RecoveryError {
  return new RecoveryError(
    'unknown_shop',
    `Shop "${shop}" is not configured on this receiver (configured: ${known.length > 0 ? known.join(', ') : 'none'}); add it under "shops" in srhooks.config.json (in app mode: an installed shop is served once it installs the app).`,
  );
}

export function shopUninstalled(shop: string, uninstalledAt: Date): RecoveryError {
  return new RecoveryError(
    'shop_uninstalled',
    `Shop "${shop}" uninstalled the app at ${uninstalledAt.toISOString()}: the receiver holds no API access to it any more, so there is nothing to recover; once the shop installs the app again it is recovered from then on.`,
  );
}

export function noCredentials(shop: string): RecoveryError {
  return new RecoveryError(
    'no_credentials',
    `Shop "${shop}" has no API credentials: set clientId and clientSecret (scope order.order:read; or a legacy API user's username and password) so recovery can read its orders.`,
  );
}

export function recoveryOff(shop: string): RecoveryError {
  return new RecoveryError(
    'recovery_off',
    `Recovery is off for shop "${shop}" ("recovery": false in its config or in "app"; or the app's install on it is still pending: recovery starts once it is installed).`,
  );
}

export function busy(shop: string): RecoveryError {
  return new RecoveryError(
    'busy',
    `A recovery pass for shop "${shop}" is running (here or on another instance); try again when it has finished.`,
  );
}

export function sinceBeforeLookBack(shop: string, since: Date, lookBackDays: number): RecoveryError {
  return new RecoveryError(
    'bad_since',
    `since ${since.toISOString()} reaches further back than recovery may read for shop "${shop}" (${lookBackDays} day${lookBackDays === 1 ? '' : 's'}, SRHOOKS_RECOVERY_LOOK_BACK_DAYS / recoveryLookBackDays); pass a later since (at most ${lookBackDays}d), or raise the look-back and restart the receiver.`,
  );
}

export function sinceInFuture(shop: string, since: Date, now: Date): RecoveryError {
  return new RecoveryError(
    'bad_since',
    `since ${since.toISOString()} is in the future (now ${now.toISOString()}); a pass for shop "${shop}" reads the orders changed from since up to now. Pass an earlier since (such as 2d), or leave it out (a pass then starts from the watermark).`,
  );
}

export function sinceBeforeInstall(shop: string, since: Date, installedAt: Date): RecoveryError {
  return new RecoveryError(
    'bad_since',
    `since ${since.toISOString()} is before shop "${shop}" installed the app (${installedAt.toISOString()}); its orders before then were never the app's to handle. Pass a since after the install, or leave it out (a pass then starts from the watermark).`,
  );
}

export function interrupted(shop: string): RecoveryError {
  return new RecoveryError(
    'interrupted',
    `The recovery pass for shop "${shop}" was stopped because the receiver is shutting down; nothing of it was recorded and the watermark did not move, so the next pass reads the same window again.`,
  );
}

/**
 * The typed code of why a pass failed, for its log line: the client's (`network_error`,
 * `unauthorized`, `rate_limited`, …), a refusal's, else `unexpected` (the store, or a bug).
 */
export function failureCode(error: unknown): string {
  if (error instanceof ShopRenterError || error instanceof RecoveryError) return error.code;
  return 'unexpected';
}

/** How long a failed pass's recorded reason may be (it is kept with the pass, shown by `shops` and the inspector). */
export const RECORDED_REASON_MAX = 2000;

/**
 * A failed pass's reason as recorded: whole up to RECORDED_REASON_MAX characters — an app shop's reason
 * runs to some 700 and ends with what to do (mark the shop uninstalled), which a cut at 500 lost —,
 * longer ones cut at the last space before the bound and ended with "…", never inside a word.
 */
export function recordedReason(reason: string): string {
  if (reason.length <= RECORDED_REASON_MAX) return reason;
  const head = reason.slice(0, RECORDED_REASON_MAX - 1);
  const space = head.lastIndexOf(' ');
  return `${(space > RECORDED_REASON_MAX / 2 ? head.slice(0, space) : head).trimEnd()}…`;
}

/**
 * The `reason` an app request (install, entry point, uninstall) or Payment API notification refused as
 * not authentic and fresh counts under in `srhooks_forged_attempts_total`: `bad_token` for a wrong or
 * missing signature (a forgery, as for a delivery URL), `stale` for a signed request past its timestamp
 * tolerance and `replayed` for one whose code was used already — which may also be a reload of the
 * shop admin's iframe or a retried notification, so a dashboard can leave them out of a forgery alert.
 */
import type { AppRequestErrorCode } from '@srhooks/client';

export function refusalReason(code: AppRequestErrorCode): 'bad_token' | 'stale' | 'replayed' {
  return code === 'stale' || code === 'replayed' ? code : 'bad_token';
}

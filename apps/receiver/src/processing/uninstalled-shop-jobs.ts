/**
 * App mode: when a shop uninstalls the app, the store cancels its jobs that wait for a worker
 * (CANCELLED_BY_UNINSTALL, dead letters to replay). A job a worker had already claimed ahead — waiting
 * for a free slot of its handler — was not waiting in the store, so it is cancelled here, when its turn
 * comes, the same way. A job whose handler is already running cannot be stopped and finishes. The app's
 * own events (Payment API notifications, `app_uninstalled`) keep their jobs, as at the uninstall.
 */
import { isAppEvent } from '@srhooks/contracts';
import { CANCELLED_BY_UNINSTALL } from '../store/app-shops/uninstall-cancellation.js';
import type { ClaimedJob } from '../store/store.js';
import type { HandlerOutcome } from './handler-outcome.js';

/** The dead-letter outcome for a claimed job of a shop that uninstalled the app meanwhile, or null to run it. */
export function cancelledByUninstall(
  job: ClaimedJob,
  isUninstalled: ((shop: string) => boolean) | undefined,
): HandlerOutcome | null {
  if (isUninstalled === undefined || isAppEvent(job.event) || !isUninstalled(job.shop)) return null;
  return { status: 'dead', error: CANCELLED_BY_UNINSTALL, errorCode: 'shop_uninstalled' };
}

/**
 * App mode: when a shop uninstalls the app, the store cancels its jobs that wait for a worker
 * (CANCELLED_BY_UNINSTALL, dead letters to replay). A job a worker claims is checked once more before it
 * runs, against the store's install state of its shop at that time (one read, `uninstalledNow`): a job a
 * worker had claimed ahead — waiting for a free slot of its handler — was not waiting in the store at the
 * uninstall, so it is cancelled here, when its turn comes, the same way; a job of a shop another instance
 * re-installed runs, whatever this instance's list in memory still says (it is re-read every few seconds
 * and on the store's change feed, which may be down or behind the claim). A job whose handler is already
 * running cannot be stopped and finishes. The app's own events (Payment API notifications,
 * `app_uninstalled`) keep their jobs, as at the uninstall, and cost no read.
 */
import { isAppEvent } from '@srhooks/contracts';
import { CANCELLED_BY_UNINSTALL } from '../store/app-shops/uninstall-cancellation.js';
import type { ClaimedJob } from '../store/store.js';
import type { HandlerOutcome } from './handler-outcome.js';

/** Reads whether the shop has uninstalled the app, from the store (throws when it cannot be read). */
export type UninstalledNow = (shop: string) => Promise<boolean>;

/**
 * The outcome for a claimed job of a shop that has uninstalled the app (a dead letter with the uninstall's
 * reason), or null to run it. When the store cannot say, nothing is decided from a list that may be stale:
 * the job is retried per its handler's schedule (not run, not cancelled).
 */
export async function cancelledByUninstall(
  job: ClaimedJob,
  uninstalledNow: UninstalledNow | undefined,
): Promise<HandlerOutcome | null> {
  if (uninstalledNow === undefined || isAppEvent(job.event)) return null;
  let uninstalled: boolean;
  try {
    uninstalled = await uninstalledNow(job.shop);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return {
      status: 'retry',
      error: `not run: cannot read from the store whether ${job.shop} still has the app installed (${why}); retried per the handler's schedule`,
      summary: `the store did not answer whether ${job.shop} still has the app installed`,
      errorCode: 'install_state_unavailable',
    };
  }
  return uninstalled
    ? { status: 'dead', error: CANCELLED_BY_UNINSTALL, errorCode: 'shop_uninstalled' }
    : null;
}

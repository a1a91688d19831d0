/**
 * App mode: an admin's replay (an event, the dead letters, a backfill) asks the store whether a shop has
 * uninstalled the app (`ShopDirectory.uninstalledInStore` / `uninstalledShopsInStore`), never the receiver's list
 * in memory, whose answer may be the opposite of the store's (another receiver on the same PostgreSQL store
 * handled a re-install or an uninstall since). That read is bounded by the store timeout; when it fails the
 * admin's call does nothing and answers 503 `store_unavailable`, saying what could not be read and to retry
 * (or, cut short by the shutdown on a silent link, that the receiver is stopping).
 */
import { withStoreTimeout } from '../ingest/store-call.js';
import { StoreUnavailableError } from '../store/store.js';
import { StoreShutdownWaitError } from '../store/store-errors.js';
import { AdminApiError } from './admin-errors.js';

/**
 * `read`'s answer, or an AdminApiError 503 `store_unavailable` naming `what` (e.g. "shop beta's install state")
 * and `outcome` (what was not done) when it fails or does not answer within `timeoutMs`.
 */
export async function readInstallState<T>(
  what: string,
  outcome: string,
  read: () => Promise<T>,
  timeoutMs: number,
): Promise<T> {
  try {
    return await withStoreTimeout(`read ${what}`, read(), timeoutMs);
  } catch (error) {
    // Cut short by the shutdown (PostgreSQL silent): answered as such (503, saying the receiver is stopping).
    if (error instanceof StoreShutdownWaitError) throw error;
    const detail = error instanceof StoreUnavailableError ? error.detail : 'the store call failed';
    throw new AdminApiError(
      503,
      'store_unavailable',
      `Cannot read ${what} from the store (${detail}), which decides whether the shop's work may be replayed (it may have uninstalled or re-installed the app through another receiver): ${outcome}. Retry once the database is reachable again.`,
    );
  }
}

/**
 * `srhooks app install`: how the shop's install ended, as the app's backend (an srhooks receiver) recorded it.
 * The sandbox's report only says the install call was answered (302): an srhooks receiver redirects the owner
 * after at most `app.installWaitSeconds` (default 3 s) and finishes the install step — the app's token and
 * its webhook subscriptions — in the background, the shop listed meanwhile with `pendingReason: "installing"`
 * (pending, or installed for a re-install of an installed shop). The command waits for that step's outcome
 * (at most `--install-wait`, default 30 s, asking `GET /admin/api/shops` twice a second), so it does not report
 * an install as done, or as failed, while the step still runs; still running then, it says so.
 */
import { type AdminTargetOptions, openAdminApi } from '../admin-api/admin-api-client.js';
import { resolveReceiverTarget } from '../admin-api/receiver-target.js';
import { CliError } from '../cli-error.js';
import type { ReceiverShop } from './receiver-shops.js';

/** How long `app install` waits for the receiver's install step by default (`--install-wait`). */
export const DEFAULT_INSTALL_WAIT_MS = 30_000;
/** How often the receiver is asked meanwhile. */
const POLL_MS = 500;

/** The receiver's `pendingReason` while the install step runs (recorded before it starts). */
export const INSTALLING = 'installing';

/**
 * install: what the receiver recorded for the shop after its install call was answered (the receiver's
 * `GET /admin/api/shops`), or why that could not be found out. A 302 only says the call was answered:
 * an srhooks receiver redirects the owner also when the install stays pending. `stillInstalling`: the
 * install step had not ended within the wait (it goes on in the receiver's background).
 */
export type InstallStatus =
  | {
      known: true;
      receiver: string;
      status: ReceiverShop['status'];
      pendingReason: string | null;
      nextAttemptAt: string | null;
      stillInstalling?: { waitedMs: number };
    }
  | { known: false; receiver: string | null; why: string };

/**
 * Asks the receiver how the shop's install ended, waiting up to `waitMs` while its install step still runs.
 * Only a receiver the user named (`--receiver`, `SRHOOKS_RECEIVER_URL`) or the one the admin commands find by
 * themselves (the running srhooks listen, else http://127.0.0.1:4750) when it is the app's RedirectUri origin
 * is asked: the admin token never goes to an origin merely read from the sandbox's app registration.
 */
export async function askInstallStatus(
  options: AdminTargetOptions,
  env: Record<string, string | undefined>,
  shop: string,
  callUrl: string,
  waitMs: number = DEFAULT_INSTALL_WAIT_MS,
): Promise<InstallStatus> {
  const appOrigin = new URL(callUrl).origin;
  const named = options.receiver ?? (env.SRHOOKS_RECEIVER_URL?.trim() || undefined);
  try {
    if (named === undefined) {
      const target = await resolveReceiverTarget(undefined, env);
      if (!URL.canParse(target.url) || new URL(target.url).origin !== appOrigin)
        return {
          known: false,
          receiver: null,
          why: `the app's RedirectUri (${appOrigin}) is not a receiver this command was pointed at`,
        };
    }
    const api = await openAdminApi(options, env);
    const deadline = Date.now() + waitMs;
    for (;;) {
      const { items } = await api.get<{ items: ReceiverShop[] }>('/shops');
      const found = items.find((item) => item.name === shop && item.source === 'app');
      if (!found)
        return {
          known: false,
          receiver: api.receiverUrl,
          why: `the receiver at ${api.receiverUrl} has no app install of ${shop} (is it the app's backend?)`,
        };
      const status = {
        known: true as const,
        receiver: api.receiverUrl,
        status: found.status,
        pendingReason: found.pendingReason,
        nextAttemptAt: found.nextAttemptAt,
      };
      if (found.pendingReason !== INSTALLING) return status;
      const left = deadline - Date.now();
      if (left <= 0) return { ...status, stillInstalling: { waitedMs: waitMs } };
      await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, left)));
    }
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    return { known: false, receiver: named ?? null, why: error.message };
  }
}

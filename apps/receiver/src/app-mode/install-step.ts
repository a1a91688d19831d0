/**
 * The API half of an install (FACTS.md §7): a token for the shop with the app's own client
 * credentials, then the app's subscriptions on that shop with this receiver's signed URLs — the same
 * plan/apply as `srhooks webhooks sync` and start-up reconcile (idempotent: a retry or a re-install
 * creates nothing twice, and only this receiver's own subscriptions are touched).
 *
 * The outcome is recorded: `installed` with the subscription ids and the fingerprint of the secret that
 * signed their URLs (secret-fingerprint.ts), or the failure's reason (advice for a platform app, see
 * install-failure.ts) and the next attempt (retry-interval × 2^failures, at most an hour), which the
 * background retry picks up — a new install stays `pending` meanwhile, an installed shop stays installed.
 * The step is background work (it outlives the install call): its shop records are bounded once the
 * receiver's shutdown has begun (app-mode-routes.ts), so a link to PostgreSQL gone silent cuts it short.
 */
import { applySync, createShopRenterClient, type Fetch, planSync } from '@srhooks/client';
import type { FastifyBaseLogger } from 'fastify';
import type { ReceiverConfig } from '../config/config-schema.js';
import { desiredSubscriptions, ownedBy } from '../reconcile/reconcile-shops.js';
import type { AppShopRecord, AppShopStore, AppShopSubscription } from '../store/app-shops/app-shop-store.js';
import { StoreShutdownWaitError } from '../store/store-errors.js';
import { AppSubscriptionStepError, appApiFailureReason } from './install-failure.js';
import type { InstallStepTurns } from './install-step-turns.js';
import {
  baseFingerprint,
  registeredUnderOtherBase,
  secretFingerprint,
  secretStanding,
} from './secret-fingerprint.js';
import type { ShopDirectory } from './shop-directory.js';
import { registeredForOtherPlan, subscriptionPlanFingerprint } from './subscription-plan.js';

export interface InstallStepContext {
  config: ReceiverConfig;
  appShops: AppShopStore;
  directory: ShopDirectory;
  logger: FastifyBaseLogger;
  fetch?: Fetch;
  now?: () => number;
  /**
   * Bounds taking the shop's install lock (not holding it: the lock is held while the step calls the shop's
   * API) as the step's other store calls are: the shutdown's grace (app-mode-routes.ts).
   */
  boundLockAcquisition?: (acquiring: Promise<void>) => Promise<void>;
}

const MAX_BACKOFF_MS = 3_600_000;

/**
 * Reads the shop's subscriptions and creates/updates/deletes this receiver's to match the app's. Call it
 * holding the shop's install lock (runInstallStep); once `signal` aborts (the lock was lost), every further
 * API call fails with its reason. This receiver's are those under its `publicUrl` and those its last
 * successful step registered (`registered`, the shop's record): after a change of `publicUrl` the latter
 * are under the old one, and would otherwise stay on the shop, each event delivered to them too.
 */
export async function subscribeShop(
  ctx: InstallStepContext,
  shop: string,
  signal?: AbortSignal,
  registered: readonly AppShopSubscription[] = [],
): Promise<AppShopSubscription[]> {
  const shopConfig = ctx.directory.appShopConfig(shop);
  const baseFetch: Fetch = ctx.fetch ?? ((request) => fetch(request));
  const client = createShopRenterClient({
    shop,
    auth: { clientId: shopConfig.clientId ?? '', clientSecret: shopConfig.clientSecret ?? '' },
    ...(shopConfig.apiUrl ? { apiUrl: shopConfig.apiUrl } : {}),
    ...(shopConfig.tokenUrl ? { tokenUrl: shopConfig.tokenUrl } : {}),
    ...(signal
      ? {
          fetch: (request: Request) => {
            signal.throwIfAborted();
            return baseFetch(new Request(request, { signal: AbortSignal.any([request.signal, signal]) }));
          },
        }
      : ctx.fetch
        ? { fetch: ctx.fetch }
        : {}),
    retry: { maxAttempts: 2 },
  });
  await client.getToken();
  const current = await client.webhooks.all();
  const desired = desiredSubscriptions(ctx.config, shopConfig);
  const owned = ownedBy(ctx.config, shopConfig, desired);
  const registeredIds = new Set(registered.map((subscription) => subscription.id));
  const plan = planSync(
    desired,
    current.filter((webhook) => registeredIds.has(webhook.id) || owned(webhook)),
  );
  const report = await applySync(plan, { client, prune: true, refresh: false });
  if (!report.ok) {
    const failed = report.steps.find((step) => !step.ok);
    // The event only: the step's key also holds the subscription's signed URL, whose token is a secret.
    throw new AppSubscriptionStepError(
      failed?.action ?? 'step',
      failed?.webhook?.event ?? failed?.key.split(' ')[0] ?? 'a subscription',
      failed?.error,
    );
  }
  return report.steps
    .filter((step) => step.id !== undefined && ['create', 'update', 'unchanged'].includes(step.action))
    .map((step) => ({ event: step.webhook?.event ?? step.key.split(' ')[0] ?? '', id: step.id as string }));
}

/**
 * `current`: skipped (`onlyIfNotCurrent`): the shop's subscriptions were already signed with the newest secret.
 * `not_due`: skipped (`onlyIfDueAt`): another holder ran the step meanwhile.
 * `superseded`: ran, but not recorded: an install call came for the shop meanwhile, whose step records it.
 */
export type InstallOutcome = 'installed' | 'pending' | 'gone' | 'current' | 'not_due' | 'superseded';

/** What a step records: the fingerprint of the secret new URLs are signed with (the first; the config requires one). */
export const currentSecretFingerprint = (config: ReceiverConfig): string =>
  secretFingerprint(config.secrets[0] ?? '');

/**
 * The subscriptions a step registered, each with the fingerprint of the `publicUrl` it is under and of the
 * app's subscriptions it was registered for (subscription-plan.ts).
 */
const withBase = (config: ReceiverConfig, subscriptions: AppShopSubscription[]): AppShopSubscription[] => {
  const base = baseFingerprint(config.secrets[0] ?? '', config.publicUrl);
  const plan = subscriptionPlanFingerprint(config);
  return subscriptions.map(({ event, id }) => ({ event, id, baseFingerprint: base, planFingerprint: plan }));
};

/**
 * The shop's subscriptions are signed with the newest secret, under this `publicUrl` and for the app's
 * configured subscriptions (as far as recorded).
 */
const registeredAsConfigured = (config: ReceiverConfig, record: AppShopRecord): boolean =>
  record.status === 'installed' &&
  secretStanding(record.secretFingerprint, config.secrets) === 'current' &&
  !registeredUnderOtherBase(record, config.secrets, config.publicUrl) &&
  !registeredForOtherPlan(record, config);

/**
 * Runs the step for one recorded (pending) install and records the outcome. Never throws. Steps for one
 * shop run one after the other — two install calls at once (a double click), an install call and the
 * background retry, the re-subscription after a secret rotation, also on different receivers sharing a
 * PostgreSQL store (`AppShopStore.withInstallLock`) —: each holder reads the shop's subscriptions after it
 * got the lock and plans against what the previous one left, so no subscription is created twice.
 */
export async function runInstallStep(
  ctx: InstallStepContext,
  shop: string,
  options: {
    /**
     * The install time of the shop's record the caller started the step for — an install call's (as
     * recorded), the background retry's (read as due), the re-registration's (read at start-up). Until the
     * step has read the shop under its lock, a failure it records is conditional on it (markStepFailed
     * `ifInstalledAt`): an install call recorded meanwhile is not overwritten with this step's failure when
     * the lock is not taken (busy elsewhere, store unavailable). Once read under the lock, the install time
     * read there is the condition (also of a failure recorded after the outcome's write or a read after it
     * threw).
     */
    installedAt: Date;
    /**
     * Re-registration after a secret or publicUrl change: skipped when, read under the lock, the shop is
     * installed with subscriptions signed by the newest secret under this publicUrl already (another
     * receiver on the same store did it).
     */
    onlyIfNotCurrent?: boolean;
    /**
     * A step due at this time — the background retry's (the time of the read that found it due), an install
     * call's (the next attempt its install was recorded with): skipped when, read under the lock, the step is
     * no longer due then — another holder (the install call, the background retry here or on another
     * receiver on the same store, which read the shop as due too and held the lock first) ran it meanwhile,
     * succeeded (nothing due) or failed (due later). Running it again would repeat the token and every
     * subscription call, once per instance.
     */
    onlyIfDueAt?: Date;
  },
): Promise<InstallOutcome> {
  const fingerprint = currentSecretFingerprint(ctx.config);
  // The install time a failure of this step is recorded for (see `installedAt`): the caller's, then the one
  // read under the lock.
  let startedFrom = options.installedAt;
  try {
    const lockOptions = ctx.boundLockAcquisition ? { boundAcquisition: ctx.boundLockAcquisition } : {};
    return await ctx.appShops.withInstallLock(
      shop,
      async (signal) => {
        // Read under the lock: the shop may have uninstalled the app while this step waited for it (another
        // holder, the background retry). Its API is then not called — subscriptions created now would point
        // at URLs this receiver answers 404, left behind on the shop.
        const record = await ctx.appShops.get(shop);
        if (!record || record.status === 'uninstalled') {
          ctx.logger.info({ shop }, 'app install step skipped: the shop uninstalled the app meanwhile');
          return 'gone';
        }
        startedFrom = record.installedAt;
        if (options.onlyIfNotCurrent) {
          if (registeredAsConfigured(ctx.config, record)) return 'current';
        }
        if (
          options.onlyIfDueAt &&
          (record.nextAttemptAt === null || record.nextAttemptAt.getTime() > options.onlyIfDueAt.getTime())
        )
          return 'not_due';
        if (ctx.config.shops.some((configShop) => configShop.name === shop))
          return installConfigShop(ctx, shop, record.installedAt);
        let subscriptions: AppShopSubscription[];
        try {
          subscriptions = await subscribeShop(ctx, shop, signal, record.subscriptions);
        } catch (error) {
          // Recorded under the lock: the next holder's outcome is written after this one. Not over an
          // install call recorded meanwhile (its step runs next, due at its own time).
          return await recordFailure(ctx, shop, error, record.installedAt);
        }
        // Recorded only if the shop's install time is still the one read above, checked in the write itself:
        // an install call recorded since (the owner uninstalled and installed the app again while its API was
        // called: ShopRenter deleted what this step registered before — assumed, A29) has a step of its own,
        // which runs after this one and records the outcome. Recording this one would make that step find
        // nothing due (onlyIfDueAt) and skip. (Before, a read before the write: an install call recorded
        // between the two was overwritten.)
        const applied = await ctx.appShops.markInstalled(shop, {
          subscriptions: withBase(ctx.config, subscriptions),
          secretFingerprint: fingerprint,
          now: nowOf(ctx),
          ifInstalledAt: record.installedAt,
        });
        if (!applied && (await installedAgain(ctx, shop))) return 'superseded';
        // Not applied: the shop uninstalled the app during the API calls (the uninstall does not wait for the lock).
        if (applied)
          ctx.logger.info(
            { shop, subscriptions: subscriptions.length },
            'app installed: token obtained, subscriptions registered',
          );
        else ctx.logger.info({ shop }, 'app install step ended after the shop uninstalled the app meanwhile');
        await refreshRecord(ctx, shop);
        return applied ? 'installed' : 'gone';
      },
      lockOptions,
    );
  } catch (error) {
    // The lock was not obtained (busy elsewhere, store unavailable), the outcome could not be written, or a
    // read after a write refused by its condition threw. Recorded on the same condition as the step's other
    // writes (before, unconditionally: an install call recorded meanwhile got this step's failure and backoff
    // over its own next attempt, and its step then found nothing due and skipped).
    return recordFailure(ctx, shop, error, startedFrom);
  }
}

/**
 * The app installed on a shop of the config file's `shops`: the config entry serves the shop (its
 * handlers, credentials and subscriptions, kept by its reconcile or `srhooks webhooks sync`), so the
 * install leaves the shop's subscriptions alone. Planned against the app's events, the install would
 * delete the config's subscriptions at this receiver's URLs (and the next reconcile the app's). Recorded
 * installed without subscriptions, said once at warn.
 */
async function installConfigShop(
  ctx: InstallStepContext,
  shop: string,
  ifInstalledAt: Date,
): Promise<InstallOutcome> {
  const applied = await ctx.appShops.markInstalled(shop, {
    subscriptions: [],
    secretFingerprint: currentSecretFingerprint(ctx.config),
    now: nowOf(ctx),
    ifInstalledAt,
  });
  if (!applied && (await installedAgain(ctx, shop))) return 'superseded';
  ctx.logger.warn(
    { shop, code: 'app_install_config_shop' },
    `the app was installed on ${shop}, which is also in the config file's shops: that entry serves the shop (its handlers and subscriptions), so the install registered no subscription; remove ${shop} from shops (and restart) to serve it as an app install`,
  );
  await refreshRecord(ctx, shop);
  return applied ? 'installed' : 'gone';
}

const nowOf = (ctx: InstallStepContext) => new Date((ctx.now ?? Date.now)());

/**
 * The step failed: recorded with the reason and a next attempt (backoff), the status kept — a pending install
 * stays pending; an installed shop (a re-install call, a re-registration after a secret change) stays
 * installed: the subscriptions its last successful step registered are still on the shop, and its recovery
 * goes on. A shop that uninstalled the app during the step is not recorded (`gone`, said at info). Never throws.
 */
async function recordFailure(
  ctx: InstallStepContext,
  shop: string,
  error: unknown,
  /** The install time of the record the step started from (see markStepFailed's `ifInstalledAt`). */
  ifInstalledAt: Date,
): Promise<'pending' | 'gone' | 'superseded'> {
  if (error instanceof StoreShutdownWaitError) return cutShort(ctx, shop, error);
  let record: AppShopRecord | null;
  try {
    record = await ctx.appShops.get(shop);
  } catch (readError) {
    // Stopping, PostgreSQL silent: writing the failure would wait the shutdown's grace once more for nothing.
    if (readError instanceof StoreShutdownWaitError) return cutShort(ctx, shop, readError);
    record = null;
  }
  const installed = record?.status === 'installed';
  const reason = ctx.config.app
    ? appApiFailureReason(error, shop, ctx.config.app, { installed })
    : error instanceof Error
      ? error.message
      : String(error);
  const failures = (record?.attempts ?? 0) + 1;
  const delayMs = Math.min(ctx.config.app?.retryIntervalSeconds ?? 60, 3600) * 1000 * 2 ** (failures - 1);
  const nextAttemptAt = new Date(nowOf(ctx).getTime() + Math.min(delayMs, MAX_BACKOFF_MS));
  try {
    const recorded = await ctx.appShops.markStepFailed(shop, {
      reason,
      nextAttemptAt,
      now: nowOf(ctx),
      ifInstalledAt,
    });
    if (!recorded && (await installedAgain(ctx, shop))) return 'superseded';
    await refreshRecord(ctx, shop);
    // Not recorded: the shop uninstalled the app during the step (the uninstall does not wait for the lock).
    // ShopRenter then refuses the app's token for it (assumed, A30): the failure is the uninstall, not the
    // app's credentials, and nothing is retried.
    if (!recorded) {
      ctx.logger.info({ shop }, 'app install step ended after the shop uninstalled the app meanwhile');
      return 'gone';
    }
  } catch (storeError) {
    ctx.logger.error(
      { shop, err: storeError },
      'cannot record the failed install step; the retry will pick it up',
    );
  }
  ctx.logger.warn(
    { shop, reason, nextAttemptAt },
    installed
      ? 'app shop step failed: the token or subscription step failed again for an installed shop, which stays installed with the subscriptions registered before; will retry'
      : 'app install pending: the token or subscription step failed; will retry',
  );
  return 'pending';
}

/**
 * The receiver is stopping and PostgreSQL did not answer within the shutdown's grace (the step's shop records
 * are bounded as background work, app-mode-routes.ts): nothing more is written. Said once.
 */
function cutShort(ctx: InstallStepContext, shop: string, error: StoreShutdownWaitError): 'pending' {
  ctx.logger.warn(
    { shop, reason: error.detail },
    "app install step cut short: the receiver is stopping and PostgreSQL did not answer, so its outcome is not written; a recorded install's step stays due in the store and the background retry takes it over (this receiver's next start, or another receiver on the same store); a re-registration runs again at the next start",
  );
  return 'pending';
}

/**
 * A step's outcome was not recorded (its write's condition): true when an install call for the shop came
 * since the step read it (not uninstalled: its install time is another) — that call's step records the
 * outcome; said at info. False when the shop uninstalled the app meanwhile.
 */
async function installedAgain(ctx: InstallStepContext, shop: string): Promise<boolean> {
  const latest = await ctx.appShops.get(shop);
  if (!latest || latest.status === 'uninstalled') return false;
  ctx.logger.info(
    { shop },
    "app install step ended unrecorded: the app was installed on the shop again while it ran; that install call's step registers the subscriptions",
  );
  return true;
}

async function refreshRecord(ctx: InstallStepContext, shop: string): Promise<void> {
  try {
    const record = await ctx.appShops.get(shop);
    if (record) ctx.directory.remember(record);
  } catch (error) {
    if (error instanceof StoreShutdownWaitError) return; // stopping: the next start reads every record
    // The step's outcome is written: a read after it that fails is not the step's failure. The directory
    // takes the record at its next re-read (every 5 s), or at once when a request finds the shop not known
    // as installed (reloadShop). Before, the throw reached the step's catch, which recorded a failure over
    // the shop just recorded installed (the store's words as its reason, one failed attempt, the step run
    // again) or said the failure it had just recorded could not be recorded.
    ctx.logger.warn(
      { shop, code: 'app_directory_refresh_failed', err: error },
      "app install step: its outcome is recorded, but reading the shop's record back failed; this receiver's shop list takes it at its next re-read",
    );
  }
}

/**
 * Runs the due steps (pending installs, installed shops whose later step failed) every `intervalMs` (default
 * 5 s) until stopped. The due shops' steps run at once, each when a turn of the receiver's bound is free
 * (`turns`, shared with the install calls' steps, which go first: install-step-turns.ts), so a shop whose API hangs (its step
 * ends at the lock's hold limit, 120 s) delays no other — before, they ran one after the other and each
 * hanging shop held every other due shop back. A shop with a step here already (running or waiting its turn:
 * an earlier tick's, or an install call's) is not started again. Each step runs with `onlyIfDueAt` the time
 * of the read that found it due. The returned stop ends the ticks and waits for a read still running; the
 * steps themselves are waited for (or not started) by `turns.settled` on close.
 */
export function startInstallRetry(
  ctx: InstallStepContext,
  turns: InstallStepTurns,
  intervalMs = 5000,
): () => Promise<void> {
  let reading: Promise<void> | null = null;
  let stopped = false;
  const tick = async () => {
    const now = new Date((ctx.now ?? Date.now)());
    const due = await ctx.appShops.dueSteps({ now });
    for (const record of due) {
      if (stopped) return;
      if (turns.has(record.shop)) continue;
      void turns.run(
        record.shop,
        () => runInstallStep(ctx, record.shop, { installedAt: record.installedAt, onlyIfDueAt: now }),
        'background',
      );
    }
  };
  const timer = setInterval(() => {
    if (reading || stopped) return;
    reading = tick()
      .catch((error: unknown) =>
        ctx.logger.warn({ err: error }, 'install retry could not read the shops whose step is due'),
      )
      .finally(() => {
        reading = null;
      });
  }, intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await reading;
  };
}

/**
 * The API half of an install (FACTS.md §7): a token for the shop with the app's own client
 * credentials, then the app's subscriptions on that shop with this receiver's signed URLs — the same
 * plan/apply as `srhooks webhooks sync` and start-up reconcile (idempotent: a retry or a re-install
 * creates nothing twice, and only this receiver's own subscriptions are touched).
 *
 * The outcome is recorded: `installed` with the subscription ids, or `pending` with the reason (advice
 * for a platform app, see install-failure.ts) and
 * the next attempt (retry-interval × 2^failures, at most an hour), which the background retry picks up.
 */
import { applySync, createShopRenterClient, type Fetch, planSync } from '@srhooks/client';
import type { FastifyBaseLogger } from 'fastify';
import type { ReceiverConfig } from '../config/config-schema.js';
import { desiredSubscriptions, ownedBy } from '../reconcile/reconcile-shops.js';
import type { AppShopStore, AppShopSubscription } from '../store/app-shops/app-shop-store.js';
import { AppSubscriptionStepError, appApiFailureReason } from './install-failure.js';
import type { ShopDirectory } from './shop-directory.js';

export interface InstallStepContext {
  config: ReceiverConfig;
  appShops: AppShopStore;
  directory: ShopDirectory;
  logger: FastifyBaseLogger;
  fetch?: Fetch;
  now?: () => number;
}

const MAX_BACKOFF_MS = 3_600_000;

export async function subscribeShop(ctx: InstallStepContext, shop: string): Promise<AppShopSubscription[]> {
  const shopConfig = ctx.directory.appShopConfig(shop);
  const client = createShopRenterClient({
    shop,
    auth: { clientId: shopConfig.clientId ?? '', clientSecret: shopConfig.clientSecret ?? '' },
    ...(shopConfig.apiUrl ? { apiUrl: shopConfig.apiUrl } : {}),
    ...(shopConfig.tokenUrl ? { tokenUrl: shopConfig.tokenUrl } : {}),
    ...(ctx.fetch ? { fetch: ctx.fetch } : {}),
    retry: { maxAttempts: 2 },
  });
  await client.getToken();
  const current = await client.webhooks.all();
  const desired = desiredSubscriptions(ctx.config, shopConfig);
  const plan = planSync(desired, current.filter(ownedBy(ctx.config, shopConfig, desired)));
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

type InstallOutcome = 'installed' | 'pending' | 'gone';

/** The step in flight per shop, per app shop store (one receiver): the next one for a shop waits for it. */
const inFlight = new WeakMap<AppShopStore, Map<string, Promise<InstallOutcome>>>();

/**
 * Runs the step for one recorded (pending) install and records the outcome. Never throws. Steps for one
 * shop run one after the other (two install calls at once — a double click —, or an install call and the
 * background retry): each plans against what the previous one left, so no subscription is created twice.
 */
export function runInstallStep(ctx: InstallStepContext, shop: string): Promise<InstallOutcome> {
  let steps = inFlight.get(ctx.appShops);
  if (!steps) {
    steps = new Map();
    inFlight.set(ctx.appShops, steps);
  }
  const shopSteps = steps;
  const previous = shopSteps.get(shop);
  const step = previous ? previous.catch(() => undefined).then(() => runStep(ctx, shop)) : runStep(ctx, shop);
  shopSteps.set(shop, step);
  void step.finally(() => {
    if (shopSteps.get(shop) === step) shopSteps.delete(shop);
  });
  return step;
}

async function runStep(ctx: InstallStepContext, shop: string): Promise<InstallOutcome> {
  const now = () => new Date((ctx.now ?? Date.now)());
  try {
    const subscriptions = await subscribeShop(ctx, shop);
    const applied = await ctx.appShops.markInstalled(shop, { subscriptions, now: now() });
    ctx.logger.info(
      { shop, subscriptions: subscriptions.length },
      'app installed: token obtained, subscriptions registered',
    );
    await refreshRecord(ctx, shop);
    return applied ? 'installed' : 'gone';
  } catch (error) {
    const reason = ctx.config.app
      ? appApiFailureReason(error, shop, ctx.config.app)
      : error instanceof Error
        ? error.message
        : String(error);
    const record = await ctx.appShops.get(shop).catch(() => null);
    const failures = (record?.attempts ?? 0) + 1;
    const delayMs = Math.min(ctx.config.app?.retryIntervalSeconds ?? 60, 3600) * 1000 * 2 ** (failures - 1);
    const nextAttemptAt = new Date(now().getTime() + Math.min(delayMs, MAX_BACKOFF_MS));
    try {
      await ctx.appShops.markPending(shop, { reason, nextAttemptAt, now: now() });
      await refreshRecord(ctx, shop);
    } catch (storeError) {
      ctx.logger.error(
        { shop, err: storeError },
        'cannot record the pending install; the retry will pick it up',
      );
    }
    ctx.logger.warn(
      { shop, reason, nextAttemptAt },
      'app install pending: the token or subscription step failed; will retry',
    );
    return 'pending';
  }
}

async function refreshRecord(ctx: InstallStepContext, shop: string): Promise<void> {
  const record = await ctx.appShops.get(shop);
  if (record) ctx.directory.remember(record);
}

/** Retries due pending installs every `intervalMs` (default 5 s) until stopped. */
export function startInstallRetry(ctx: InstallStepContext, intervalMs = 5000): () => Promise<void> {
  let running: Promise<void> | null = null;
  let stopped = false;
  const tick = async () => {
    const due = await ctx.appShops.duePending({ now: new Date((ctx.now ?? Date.now)()) });
    for (const record of due) {
      if (stopped) return;
      await runInstallStep(ctx, record.shop);
    }
  };
  const timer = setInterval(() => {
    if (running || stopped) return;
    running = tick()
      .catch((error: unknown) =>
        ctx.logger.warn({ err: error }, 'install retry could not read pending installs'),
      )
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}

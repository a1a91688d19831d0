/**
 * One recovery pass for a shop, under its lock (recovery-service.ts takes the lock and keeps the schedule):
 * the window to read (from the watermark, or an explicit start), the reading and storing of what was
 * missed (recovery-pass.ts), then what is kept of it — the pass recorded as the shop's last, the watermark
 * moved to the window's end, metrics and one log line. A failure is recorded, counted and logged; a pass
 * stopped by the shutdown records nothing (the next start reads the same window again).
 */
import type { Logger } from 'pino';
import type { ReceiverConfig, ShopConfig } from '../config/config-schema.js';
import type { HandlerRegistry } from '../handlers/handler-registry.js';
import type { ReceiverMetrics } from '../metrics/receiver-metrics.js';
import type { ShopClients } from '../processing/shop-clients.js';
import type { RecoveryPass, Store } from '../store/store.js';
import { StoreShutdownWaitError } from '../store/store-errors.js';
import { failureCode, interrupted, recordedReason } from './recovery-errors.js';
import { type RecoveryReport, runRecoveryPass } from './recovery-pass.js';
import type { RecoverRequest, RecoveryShops } from './recovery-service.js';
import { recoveryWindow } from './recovery-window.js';
import { wantedEvents } from './wanted-events.js';

/** What a pass works with (the recovery service's options and state). */
export interface ShopPassContext {
  config: ReceiverConfig;
  store: Store;
  handlers: HandlerRegistry;
  metrics: ReceiverMetrics;
  logger: Logger;
  clients: ShopClients;
  shops: RecoveryShops;
  now?: () => Date;
  /** Aborted by the service's stop(): the pass stops at once, recording nothing. */
  signal: AbortSignal;
  /** Why a pass failed, as recorded, logged and answered (RecoveryService.failureReason). */
  failureReason: (shop: string, error: unknown) => string;
}

/** Which pass: the shop, what was asked (since, dry run), whether on demand, and when it started. */
export interface ShopPassRun {
  shop: ShopConfig;
  request: RecoverRequest;
  onDemand: boolean;
  started: Date;
}

/**
 * Runs the pass and keeps what is kept of it (see the module comment). Throws the pass's error (recorded
 * first), or RecoveryError `interrupted` when the shutdown stopped it.
 */
export async function runShopPass(context: ShopPassContext, run: ShopPassRun): Promise<RecoveryReport> {
  const { config, store, metrics, logger, handlers, clients, shops, signal } = context;
  const { shop, request, onDemand, started } = run;
  const now = context.now ?? (() => new Date());
  const dryRun = request.dryRun === true;
  let since = request.since ?? started;
  try {
    signal.throwIfAborted();
    const state = await store.getRecoveryState(shop.name);
    const window = recoveryWindow({
      now: started,
      watermark: state?.watermark ?? null,
      lastDeliveryAt: state?.watermark ? null : await store.lastDeliveryAt(shop.name),
      lookBackDays: config.recoveryLookBackDays,
      overlapSeconds: config.recoveryOverlapSeconds,
      notBefore: shops.recoveryNotBefore?.(shop.name) ?? null,
      ...(request.since ? { since: request.since } : {}),
    });
    since = window.since;
    if (window.notReadFrom) warnNotRead(context, shop.name, window.notReadFrom, window.since, window.until);
    const client = clients.clientFor(shop.name);
    const report = await runRecoveryPass(
      {
        store,
        client,
        wanted: await wantedEvents(config, shop, client, signal),
        signal,
        logger,
        handlersFor: (event) => handlers.namesFor(shop.name, event),
        onRecovered: (event, count) => {
          if (count > 0) metrics.recoveredEvents.inc({ shop: shop.name, event }, count);
        },
        now,
      },
      {
        shop: shop.name,
        since: window.since,
        until: window.until,
        dryRun,
        notBefore: shops.recoveryNotBefore?.(shop.name) ?? null,
      },
    );
    if (!dryRun) {
      await store.recordRecoveryPass(shop.name, {
        pass: passOf(report, started, now(), null, onDemand),
        // An explicit start later than the watermark leaves a gap before it: the watermark stays; so it
        // does when the shop's clock was set back during the pass (shop-clock.ts).
        watermark:
          report.shopClockSetBackMs === 0 &&
          (request.since === undefined ||
            (state?.watermark != null && request.since.getTime() <= state.watermark.getTime()))
            ? window.until
            : null,
      });
      const watermark = (await store.getRecoveryState(shop.name))?.watermark;
      if (watermark) metrics.recoveryWatermarks.set(shop.name, watermark);
    }
    metrics.shopClockBehind.set({ shop: shop.name }, report.shopClockBehindMs / 1000);
    if (report.shopClockSetBackMs > 0) {
      logger.warn(
        {
          code: 'recovery_shop_clock_set_back',
          recovery: { shop: shop.name, setBackSeconds: Math.round(report.shopClockSetBackMs / 1000) },
        },
        `the shop's clock was set back ${Math.round(report.shopClockSetBackMs / 1000)} s while the pass read: its watermark stays, so the next pass reads again from the previous one by the shop's new clock`,
      );
    }
    const total = Object.values(report.recovered).reduce((a, b) => a + b, 0);
    logger.info(
      {
        recovery: {
          shop: shop.name,
          dryRun,
          since: report.since.toISOString(),
          ordersRead: report.ordersRead,
          orderSearches: report.orderSearches,
          subscribersRead: report.subscribersRead,
          recovered: report.recovered,
          alreadyStored: report.alreadyStored,
          // Read by the shop's clock, this far behind the receiver's (shop-clock.ts).
          ...(report.shopClockBehindMs > 0
            ? { shopClockBehindSeconds: Math.round(report.shopClockBehindMs / 1000) }
            : {}),
        },
      },
      total > 0 ? `recovery pass found ${total} missed event(s)` : 'recovery pass found nothing missed',
    );
    return report;
  } catch (error) {
    if (signal.aborted) {
      // Shutdown, not a failure of the shop: nothing is recorded or counted, no backoff follows. A store
      // call the silent link left unanswered was given up (Store.forBackgroundWork): said so.
      const storeSilent = error instanceof StoreShutdownWaitError;
      logger.info(
        {
          recovery: {
            shop: shop.name,
            dryRun,
            since: since.toISOString(),
            ...(storeSilent ? { storeSilent } : {}),
          },
        },
        storeSilent
          ? 'recovery pass stopped by shutdown, its store write given up (PostgreSQL did not answer); the next start reads the same window again'
          : 'recovery pass stopped by shutdown; the next start reads the same window again',
      );
      throw interrupted(shop.name);
    }
    const reason = context.failureReason(shop.name, error);
    metrics.recoveryFailures.inc({ shop: shop.name });
    logger.warn(
      { recovery: { shop: shop.name, dryRun, reason, errorCode: failureCode(error) } },
      'recovery pass failed',
    );
    if (!dryRun) {
      const failed: RecoveryPass = {
        startedAt: started,
        finishedAt: now(),
        outcome: 'failed',
        since,
        ordersRead: 0,
        subscribersRead: 0,
        recovered: {},
        alreadyStored: 0,
        error: recordedReason(reason),
        // Not counted in the failures in a row: an operator's failed run must not delay scheduled passes.
        ...(onDemand ? { onDemand: true as const } : {}),
      };
      await store.recordRecoveryPass(shop.name, { pass: failed, watermark: null }).catch(() => {});
    }
    throw error;
  }
}

/**
 * The shop's watermark lies further back than the look-back: what changed before the window is read
 * by no pass. Says which time, and how to read it (the next passes start from the new watermark, so
 * raising the look-back alone does not: an on-demand pass with that `since` does).
 */
function warnNotRead(
  context: ShopPassContext,
  shop: string,
  notReadFrom: Date,
  since: Date,
  until: Date,
): void {
  const lookBackDays = context.config.recoveryLookBackDays;
  const needed = Math.ceil((until.getTime() - notReadFrom.getTime()) / 86_400_000);
  context.logger.warn(
    {
      code: 'recovery_look_back_exceeded',
      recovery: {
        shop,
        lookBackDays,
        notReadFrom: notReadFrom.toISOString(),
        notReadUntil: since.toISOString(),
      },
    },
    `orders changed from ${notReadFrom.toISOString()} to ${since.toISOString()} were not read: the shop's last pass read up to ${notReadFrom.toISOString()}, and a pass reads at most ${lookBackDays} day${lookBackDays === 1 ? '' : 's'} back (SRHOOKS_RECOVERY_LOOK_BACK_DAYS / recoveryLookBackDays); to recover them, raise the look-back to ${needed} days, restart the receiver and run srhooks recover --shop ${shop} --since ${notReadFrom.toISOString()}`,
  );
}

function passOf(
  report: RecoveryReport,
  startedAt: Date,
  finishedAt: Date,
  error: string | null,
  onDemand: boolean,
): RecoveryPass {
  return {
    startedAt,
    finishedAt,
    outcome: 'ok',
    since: report.since,
    ordersRead: report.ordersRead,
    subscribersRead: report.subscribersRead,
    recovered: report.recovered,
    alreadyStored: report.alreadyStored,
    error,
    ...(onDemand ? { onDemand: true as const } : {}),
  };
}

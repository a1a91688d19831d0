/**
 * Recovery for every shop of the receiver: when each shop's pass runs, which events it looks for, and
 * what is kept of it (watermark, last pass, metrics, logs).
 *
 * - The shops come from the live shop directory (`RecoveryShops`): config shops and, in app mode,
 *   the shops that installed the app. A shop takes part when it has API credentials and `recovery` is
 *   not false (an installed shop: once its install holds a token — pending installs do not). The
 *   directory announces changes: a shop that becomes eligible while the receiver runs gets its first
 *   pass at once and then the schedule; one that stops being eligible (uninstalled) gets no further
 *   pass (a pass already running finishes). An installed shop is never read from before its install.
 * - Scheduled passes: one at start-up (after `listen`), then every `recoveryIntervalMinutes`; after a
 *   failure the next waits longer (interval × 2^(failures−1), at most 24 h). A failure is logged with its
 *   reason, counted, recorded as the shop's last pass, and never touches ingest or the watermark. An
 *   on-demand pass's failure is recorded too, but not counted in the failures in a row: it never delays
 *   the scheduled passes (its caller sees the error).
 * - On demand (`recover()`: admin API, CLI): from an explicit `since`, optionally a dry run.
 * - One pass per shop at a time across instances (`store.withRecoveryLock`); a scheduled pass that finds
 *   the lock taken skips its turn and tries again after a short delay (`busyRetryMs`, at most the
 *   interval), while the lock stays taken: once it gets the lock it runs unless a pass completed ok since
 *   the skip (the holder's failed pass, or a dry run, covers nothing: before, the skipped instance waited
 *   a whole interval, or with interval 0 for ever). So does one that finds, under that lock, that a pass for the shop
 *   completed (ok or failed, on any instance sharing the store) within the last 90 % of the interval — and,
 *   for the shop's first turn in this process (start-up, or the shop just installed), that this pass
 *   started after this process took the shop on (an earlier one cannot cover this process's downtime).
 *   With several receivers on one store this is one pass per shop and interval in all, not one per
 *   receiver (each receiver has its own 3 requests/second window). On-demand passes always run.
 * - The watermark moves to the pass's start time only after every page was read and stored.
 * - On shutdown (stop) a pass in flight is aborted at once, through the client's AbortSignal, and
 *   records nothing: no failure, no watermark move; the next start reads the same window again.
 *
 * This module holds the schedule and the lock; one pass (its window, reading, recording, logging) is
 * shop-pass.ts, its reading recovery-pass.ts.
 */
import type { Logger } from 'pino';
import type { ReceiverConfig, ShopConfig } from '../config/config-schema.js';
import { shopApiAuth } from '../config/shop-api-auth.js';
import type { HandlerRegistry } from '../handlers/handler-registry.js';
import type { ReceiverMetrics } from '../metrics/receiver-metrics.js';
import type { ShopClients } from '../processing/shop-clients.js';
import type { Store } from '../store/store.js';
import {
  busy,
  noCredentials,
  RecoveryError,
  recoveryOff,
  shopUninstalled,
  sinceBeforeInstall,
  sinceBeforeLookBack,
  sinceInFuture,
  unknownShop,
} from './recovery-errors.js';
import type { RecoveryReport } from './recovery-pass.js';
import { formatDelay, nextPassDelayMs } from './recovery-window.js';
import { runShopPass } from './shop-pass.js';

/** A scheduled turn that found a pass completed moments ago (#recentPass). */
const SKIPPED = Symbol('skipped');

/**
 * A scheduled turn skips when the shop's last pass completed within this share of the interval: this
 * process's own previous pass is a whole interval old when the timer fires, another instance's (on the
 * same schedule, started together) only moments.
 */
const RECENT_PASS_SHARE = 0.9;

/** A turn skipped because the shop's lock was taken tries again after this long (at most the interval). */
export const BUSY_RETRY_MS = 10_000;

/** Where the shops come from: `app.shopDirectory` (config shops and installed app shops). */
export interface RecoveryShops {
  shops(): readonly ShopConfig[];
  shop(name: string): ShopConfig | undefined;
  /** The earliest time a pass reads from (an installed shop's install time), null for no limit. */
  recoveryNotBefore?(name: string): Date | null;
  /** Called after every change of the shop list; returns the unsubscribe function. */
  onChange?(listener: () => void): () => void;
  /** When an app shop uninstalled the app (and is served no more), else null. */
  uninstalledAt?(name: string): Date | null;
  /**
   * App mode: reads the shop's install state from the store and takes it into the list (`shop`,
   * `uninstalledAt`), so an on-demand pass goes by the store, not by a list that may be behind another
   * instance's install or uninstall. Store errors are thrown.
   */
  uninstalledInStore?(name: string): Promise<boolean>;
}

/** The config file's shops only (no app mode). */
export function configShops(shops: readonly ShopConfig[]): RecoveryShops {
  return { shops: () => shops, shop: (name) => shops.find((shop) => shop.name === name) };
}

export interface RecoveryServiceOptions {
  config: ReceiverConfig;
  /** Default: `config.shops`. */
  shops?: RecoveryShops;
  /** Between scheduled passes (default `config.recoveryIntervalMinutes`; tests shorten it). */
  intervalMs?: number;
  store: Store;
  handlers: HandlerRegistry;
  metrics: ReceiverMetrics;
  logger: Logger;
  clients: ShopClients;
  /**
   * A failure's reason in the shop's terms, or null for the error's own message. App mode: for an app
   * shop, a platform app's advice (app-mode/install-failure.ts) instead of the client's per-shop "Settings >
   * API Settings".
   */
  failureReason?: (shop: string, error: unknown) => string | null;
  now?: () => Date;
  /** With interval 0, the first retry of a failed scheduled pass (tests; default 1 min, see nextPassDelayMs). */
  firstRetryMs?: number;
  /** A turn skipped because another pass held the shop tries again after this long (default BUSY_RETRY_MS). */
  busyRetryMs?: number;
}

export interface RecoverRequest {
  /** Read orders changed from here on (default: the shop's window from its watermark). */
  since?: Date;
  dryRun?: boolean;
}

export class RecoveryService {
  readonly #options: RecoveryServiceOptions;
  readonly #shops: RecoveryShops;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  /** When each timer in #timers fires. */
  readonly #nextTurns = new Map<string, Date>();
  readonly #running = new Set<Promise<unknown>>();
  /** Shops in the loop: a pass scheduled or running, or (interval 0) their one pass done. */
  readonly #looping = new Set<string>();
  /** When each shop joined the loop; deleted after its first turn (see #recentPass). */
  readonly #firstTurnSince = new Map<string, Date>();
  /** Each looping shop's install time when it joined (`recoveryNotBefore`; null: none), to tell a re-install. */
  readonly #joinedInstall = new Map<string, number | null>();
  /** When this process's last on-demand pass per shop started (to tell it from another instance's). */
  readonly #onDemandStarts = new Map<string, number>();
  /** When a scheduled turn of the shop was skipped because a pass held its lock; deleted once a turn gets it. */
  readonly #skippedBusyAt = new Map<string, Date>();
  #unsubscribe: (() => void) | null = null;
  #stopped = false;
  #started = false;
  /** Aborted by stop(): a pass in flight stops at once (its API call, its wait), recording nothing. */
  readonly #shutdown = new AbortController();

  constructor(options: RecoveryServiceOptions) {
    this.#options = options;
    this.#shops = options.shops ?? configShops(options.config.shops);
  }

  /** Shops whose orders are recovered now (credentials present, recovery not turned off). */
  shops(): string[] {
    return this.#shops
      .shops()
      .filter((shop) => this.#eligible(shop))
      .map((shop) => shop.name);
  }

  /**
   * Whether this receiver runs passes by itself (start() was called — the standalone receiver does at
   * start-up — and stop() not yet). An embedded receiver that never starts it (`srhooks listen`) runs
   * only on-demand passes.
   */
  get scheduled(): boolean {
    return this.#started && !this.#stopped;
  }

  /** Starts each shop's loop: a pass now, then one per interval; follows the shop list from then on. */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#sync();
    this.#unsubscribe = this.#shops.onChange?.(() => this.#sync()) ?? null;
  }

  /**
   * No new passes; a pass in flight is aborted (the shop API call it waits on, through the client's
   * AbortSignal) and ends without recording anything: the watermark stays, the next start reads the
   * same window again. What it already stored stays (whole pages, deduplicated on the next pass).
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#nextTurns.clear();
    this.#shutdown.abort(new Error('the receiver is shutting down'));
    await Promise.allSettled([...this.#running]);
  }

  /** One pass now; throws RecoveryError (unknown shop, no credentials, busy) or the pass's own error. */
  async recover(shopName: string, request: RecoverRequest = {}): Promise<RecoveryReport> {
    const outcome = await this.#recover(shopName, request, false);
    if (outcome === SKIPPED) throw new Error('unreachable: an on-demand pass is never skipped');
    return outcome;
  }

  async #recover(
    shopName: string,
    request: RecoverRequest,
    scheduled: boolean,
  ): Promise<RecoveryReport | typeof SKIPPED> {
    // on demand, for a shop another receiver on the same store may have installed or uninstalled meanwhile
    if (!scheduled) await this.#shops.uninstalledInStore?.(shopName);
    const shop = this.#shops.shop(shopName);
    const uninstalledAt = shop ? null : (this.#shops.uninstalledAt?.(shopName) ?? null);
    if (uninstalledAt) throw shopUninstalled(shopName, uninstalledAt);
    if (!shop)
      throw unknownShop(
        shopName,
        this.#shops.shops().map((s) => s.name),
      );
    if (!shopApiAuth(shop)) throw noCredentials(shopName);
    if (!shop.recovery) throw recoveryOff(shopName);
    if (request.since) this.#checkSince(shopName, request.since);
    const outcome = await this.#track(
      this.#options.store.withRecoveryLock(shopName, async () => {
        if (scheduled) {
          const recent = await this.#recentPass(shopName);
          if (recent) return recent;
        }
        return this.#pass(shop, request, !scheduled);
      }),
    );
    if (!outcome.acquired) throw busy(shopName);
    return outcome.value;
  }

  /**
   * Read under the shop's lock: whether a pass (on any instance sharing the store) completed so recently
   * that this scheduled turn would only read the same window again. Logs the skip and returns SKIPPED.
   */
  async #recentPass(shop: string): Promise<typeof SKIPPED | null> {
    const { config, store, logger } = this.#options;
    const intervalMs = this.#options.intervalMs ?? config.recoveryIntervalMinutes * 60_000;
    const now = (this.#options.now ?? (() => new Date()))();
    const firstTurnSince = this.#firstTurnSince.get(shop);
    this.#firstTurnSince.delete(shop);
    const skippedBusyAt = this.#skippedBusyAt.get(shop);
    this.#skippedBusyAt.delete(shop);
    const last = (await store.getRecoveryState(shop))?.lastPass ?? null;
    if (!last) return null;
    if (skippedBusyAt) {
      // The retry of a turn skipped while a pass held the shop: only a pass that completed ok since then read
      // what this turn would have; the holder's failed pass (or a dry run, which records nothing) did not.
      if (last.outcome !== 'ok' || last.finishedAt.getTime() < skippedBusyAt.getTime()) return null;
    } else {
      if (intervalMs <= 0) return null;
      if (last.finishedAt.getTime() < now.getTime() - intervalMs * RECENT_PASS_SHARE) return null;
    }
    if (firstTurnSince && last.startedAt.getTime() < firstTurnSince.getTime()) return null;
    logger.info(
      {
        recovery: {
          shop,
          lastPass: { finishedAt: last.finishedAt.toISOString(), outcome: last.outcome },
        },
      },
      this.#onDemandStarts.get(shop) === last.startedAt.getTime()
        ? 'recovery turn skipped: an on-demand pass for this shop (srhooks recover, POST /admin/api/recover) completed moments ago'
        : 'recovery turn skipped: a pass for this shop completed moments ago (another instance on this store)',
    );
    return SKIPPED;
  }

  /**
   * An explicit start must lie within what a pass may read: no further back than the look-back, not in
   * the future, and,
   * for an installed app shop, not before its install (the app was not subscribed then: those orders
   * were never its to handle). The look-back gets the pass's overlap as slack, so `since: "3d"` with a
   * look-back of 3 days (resolved a moment before this check) is within it.
   */
  #checkSince(shop: string, since: Date): void {
    const now = (this.#options.now ?? (() => new Date()))();
    const { recoveryLookBackDays: lookBackDays, recoveryOverlapSeconds } = this.#options.config;
    const lookBackStart = now.getTime() - lookBackDays * 86_400_000 - recoveryOverlapSeconds * 1000;
    if (since.getTime() < lookBackStart) {
      throw sinceBeforeLookBack(shop, since, lookBackDays);
    }
    if (since.getTime() > now.getTime()) throw sinceInFuture(shop, since, now);
    const installedAt = this.#shops.recoveryNotBefore?.(shop) ?? null;
    if (installedAt !== null && since.getTime() < installedAt.getTime()) {
      throw sinceBeforeInstall(shop, since, installedAt);
    }
  }

  #eligible(shop: ShopConfig): boolean {
    return shop.recovery && shopApiAuth(shop) !== undefined;
  }

  #stillEligible(name: string): boolean {
    const shop = this.#shops.shop(name);
    return shop !== undefined && this.#eligible(shop);
  }

  /**
   * Shops that became eligible join the loop (a pass now); those that no longer are leave it. A looping shop
   * whose install time changed installed the app again without leaving the loop (its uninstall call never
   * reached the receiver): it starts over as after an uninstall the receiver was told of — the removed
   * install's client forgotten, a pass now — not at the removed install's backoff (up to 24 h away).
   */
  #sync(): void {
    if (!this.#started || this.#stopped) return;
    const eligible = new Set(this.shops());
    for (const shop of eligible) {
      const installedAt = this.#shops.recoveryNotBefore?.(shop)?.getTime() ?? null;
      if (this.#looping.has(shop)) {
        if (this.#joinedInstall.get(shop) === installedAt) continue;
        this.#leave(shop, 'recovery starts over for this shop: it installed the app again');
      }
      this.#looping.add(shop);
      this.#joinedInstall.set(shop, installedAt);
      this.#firstTurnSince.set(shop, (this.#options.now ?? (() => new Date()))());
      this.#schedule(shop, 0);
    }
    for (const shop of [...this.#looping]) {
      if (eligible.has(shop)) continue;
      this.#leave(shop);
    }
  }

  #leave(shop: string, why = 'recovery stopped for this shop (no longer served)'): void {
    this.#looping.delete(shop);
    this.#joinedInstall.delete(shop);
    this.#firstTurnSince.delete(shop);
    this.#skippedBusyAt.delete(shop);
    const timer = this.#timers.get(shop);
    if (timer) clearTimeout(timer);
    this.#timers.delete(shop);
    this.#nextTurns.delete(shop);
    // An uninstalled shop's token is revoked: a re-install starts with a new client and token.
    this.#options.clients.forget(shop);
    this.#options.logger.info({ recovery: { shop } }, why);
  }

  #schedule(shop: string, delayMs: number): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      this.#timers.delete(shop);
      this.#nextTurns.delete(shop);
      void this.#scheduledPass(shop);
    }, delayMs);
    timer.unref();
    this.#timers.set(shop, timer);
    this.#nextTurns.set(shop, new Date(Date.now() + delayMs));
  }

  /**
   * When this receiver's next scheduled turn for the shop comes (a turn may skip: another instance ran a
   * pass moments ago); null while a turn runs, or none is scheduled (on demand only, not served, stopped).
   */
  nextTurnAt(shop: string): Date | null {
    return this.#timers.has(shop) ? (this.#nextTurns.get(shop) ?? null) : null;
  }

  async #scheduledPass(shop: string): Promise<void> {
    const { config, store, logger } = this.#options;
    const intervalMs = this.#options.intervalMs ?? config.recoveryIntervalMinutes * 60_000;
    if (!this.#looping.has(shop)) return;
    if (!this.#stillEligible(shop)) {
      this.#leave(shop);
      return;
    }
    let failures = 0;
    let busy = false;
    try {
      await this.#recover(shop, {}, true);
    } catch (error) {
      if (error instanceof RecoveryError && error.code === 'busy') {
        busy = true;
      } else if (this.#stopped) {
        // Stopped by the shutdown: no next turn to plan (reading the failures would wait on the store again).
        return;
      } else {
        failures = (await store.getRecoveryState(shop).catch(() => null))?.consecutiveFailures ?? 1;
      }
    }
    const scheduledDelay = nextPassDelayMs(intervalMs, failures, this.#options.firstRetryMs);
    // Skipped while a pass holds the shop: tried again soon, not after a whole interval (the holder's pass
    // may fail, or be a dry run); under the lock the retry skips when a pass completed ok meanwhile.
    const busyRetryMs = Math.max(1, this.#options.busyRetryMs ?? BUSY_RETRY_MS);
    const delay = busy ? Math.min(busyRetryMs, scheduledDelay ?? busyRetryMs) : scheduledDelay;
    if (busy) {
      const firstSkip = !this.#skippedBusyAt.has(shop);
      if (firstSkip) this.#skippedBusyAt.set(shop, (this.#options.now ?? (() => new Date()))());
      // As the other skipped turns are (an operator counting passes per interval sees why there was none);
      // its retries while the lock stays taken only at debug.
      logger[firstSkip ? 'info' : 'debug'](
        { recovery: { shop, retryInMs: delay } },
        'recovery turn skipped: a pass for this shop is running (an on-demand pass, or another instance on this store)',
      );
    }
    if (delay === null || this.#stopped || !this.#looping.has(shop)) return;
    if (failures > 0) {
      const now = (this.#options.now ?? (() => new Date()))();
      logger.warn(
        {
          recovery: {
            shop,
            failures,
            retryInMs: delay,
            retryAt: new Date(now.getTime() + delay).toISOString(),
          },
        },
        `recovery pass for this shop failed ${failures} time(s) in a row; next try in ${formatDelay(delay)}`,
      );
    }
    if (!this.#stillEligible(shop)) {
      this.#leave(shop);
      return;
    }
    this.#schedule(shop, delay);
  }

  /** The pass itself, under the shop's lock (shop-pass.ts). */
  #pass(shop: ShopConfig, request: RecoverRequest, onDemand: boolean): Promise<RecoveryReport> {
    const started = (this.#options.now ?? (() => new Date()))();
    if (onDemand) this.#onDemandStarts.set(shop.name, started.getTime());
    return runShopPass(
      {
        ...this.#options,
        shops: this.#shops,
        signal: this.#shutdown.signal,
        failureReason: (name, error) => this.failureReason(name, error),
      },
      { shop, request, onDemand, started },
    );
  }

  /** Why a pass for the shop failed, as recorded, logged and answered (see `failureReason` option). */
  failureReason(shop: string, error: unknown): string {
    return (
      this.#options.failureReason?.(shop, error) ?? (error instanceof Error ? error.message : String(error))
    );
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#running.add(work);
    return work.finally(() => this.#running.delete(work));
  }
}

/**
 * Marking a shop uninstalled, one code path for both ways the receiver learns of it: ShopRenter's call to
 * the app's UninstallUri (app-mode-routes.ts), and an operator's `POST /admin/api/shops/{shop}/uninstall`
 * when that call never arrived (app-uninstall-admin-route.ts). The shop becomes `uninstalled` (its URLs
 * answer 404, its pending jobs are cancelled as dead letters with CANCELLED_BY_UNINSTALL, recovery stops
 * for it through the directory's listeners) and the app's handlers get one `app_uninstalled` event.
 */
import type { AppUninstalledBy, AppUninstalledPayload } from '@srhooks/contracts';
import type { HandlerRegistry } from '../handlers/handler-registry.js';
import { withStoreTimeout } from '../ingest/store-call.js';
import {
  type AppShopStore,
  CANCELLED_BY_UNINSTALL,
  type LateUninstall,
  type LateUninstallRefused,
  type UninstallMarked,
} from '../store/app-shops/app-shop-store.js';
import type { NewDelivery, NewEvent, SpooledDelivery, Store, WebhookEvent } from '../store/store.js';
import type { ShopDirectory } from './shop-directory.js';

export interface ShopUninstallContext {
  appShops: AppShopStore;
  directory: ShopDirectory;
  store: Store;
  handlers: HandlerRegistry;
  storeTimeoutMs: number;
}

/** The request that told the receiver, stored as the `app_uninstalled` event's delivery. */
export interface UninstallNotice {
  by: AppUninstalledBy;
  remoteAddress: string;
  /** Already stripped of credentials (headersForStorage). */
  headers: Record<string, string>;
  contentType: string;
  rawBody: Buffer;
}

export interface ShopUninstallOutcome {
  uninstalledAt: Date;
  cancelledJobs: number;
  /** The shop was uninstalled already: nothing changed, the first uninstall's time is kept. */
  already: boolean;
  /** The `app_uninstalled` event's delivery: this call's, or (`stored: false`) the first call's. */
  deliveryId: string;
  /**
   * This call stored a delivery. False only for an operator's mark of a shop already uninstalled whose
   * `app_uninstalled` event is stored: nothing is stored again (`deliveryId` is that event's).
   */
  stored: boolean;
}

/**
 * Marks `shop` uninstalled and stores its `app_uninstalled` event for the app's handlers; null when the app
 * has no record of the shop (nothing is stored then). An uninstall told again (the shop is already
 * uninstalled, by ShopRenter or an operator) keeps the first one's time, so its event has the same dedupe
 * key: a duplicate when the first was stored, stored now when it was not. An operator's mark told again
 * stores nothing when that event is stored (`stored: false`, the answer names its delivery); ShopRenter's
 * call told again is a request from outside and is kept, its event recorded as the duplicate.
 */
export async function uninstallShop(
  ctx: ShopUninstallContext,
  shop: string,
  notice: UninstallNotice,
  now = new Date(),
): Promise<ShopUninstallOutcome | null> {
  const outcome = await markShopUninstalled(ctx, shop, now);
  if (!outcome || 'refused' in outcome) return null;
  const event = uninstalledEvent(shop, outcome, notice.by);
  if (outcome.already && notice.by === 'operator') {
    // An operator's mark of a shop already uninstalled is the same uninstall told again, not a request
    // from outside: when its event is stored (by the first call, ShopRenter's or an operator's), nothing
    // is — the answer names that event's delivery. Stored as before when the first call failed before
    // storing it, so its handlers still get it.
    const first = await storedUninstallEvent(ctx, shop, event.dedupeKey, outcome.uninstalledAt);
    if (first) {
      return {
        uninstalledAt: outcome.uninstalledAt,
        cancelledJobs: outcome.cancelledJobs,
        already: true,
        deliveryId: first.deliveryId,
        stored: false,
      };
    }
  }
  const delivery: NewDelivery = {
    shop,
    event: APP_UNINSTALLED,
    receivedAt: now,
    remoteAddress: notice.remoteAddress,
    headers: notice.headers,
    contentType: notice.contentType,
    rawBody: notice.rawBody,
  };
  const stored = await withStoreTimeout(
    'ingest app_uninstalled',
    ctx.store.ingest(delivery, [event], [...ctx.handlers.namesFor(shop, APP_UNINSTALLED)]),
    ctx.storeTimeoutMs,
  );
  return {
    uninstalledAt: outcome.uninstalledAt,
    cancelledJobs: outcome.cancelledJobs,
    already: outcome.already,
    deliveryId: stored.deliveryId,
    stored: true,
  };
}

/**
 * The shop's stored `app_uninstalled` event with this dedupe key that is no duplicate (the one its
 * handlers got), or null. Such an event is stored at or after the uninstall time (the call that marked
 * the shop stores it at that time, later calls later), so only events from then on are read.
 */
async function storedUninstallEvent(
  ctx: ShopUninstallContext,
  shop: string,
  dedupeKey: string,
  uninstalledAt: Date,
): Promise<{ deliveryId: string } | null> {
  let cursor: string | undefined;
  do {
    const page = await withStoreTimeout(
      'read app_uninstalled events',
      ctx.store.listEvents({
        shop,
        event: APP_UNINSTALLED,
        from: uninstalledAt,
        limit: 500,
        ...(cursor ? { cursor } : {}),
      }),
      ctx.storeTimeoutMs,
    );
    const first = page.items.find((item) => item.dedupeKey === dedupeKey && item.duplicateOf === null);
    if (first) return { deliveryId: first.deliveryId };
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return null;
}

/** What applying a spooled uninstall call did (spooled-uninstall.ts). */
export type LateUninstallOutcome =
  | { kind: 'unknown_shop' }
  | { kind: 'refused'; refused: LateUninstallRefused }
  | (Omit<ShopUninstallOutcome, 'stored'> & { kind: 'uninstalled'; alreadyStored: boolean });

/**
 * An uninstall call spooled while the store was unavailable, applied when drained: the same as
 * `uninstallShop` at the call's time (`delivery.receivedAt`), with its request code checked then
 * (LateUninstall: refused when replayed, or when the shop's record changed after the call), and its
 * `app_uninstalled` event stored under the spooled delivery's id (`Store.storeSpooled`: at most once,
 * so a drain interrupted after the commit stores nothing twice).
 */
export async function applyLateUninstall(
  ctx: ShopUninstallContext,
  delivery: SpooledDelivery,
  late: LateUninstall,
): Promise<LateUninstallOutcome> {
  const { shop } = delivery;
  const outcome = await markShopUninstalled(ctx, shop, delivery.receivedAt, late);
  if (!outcome) return { kind: 'unknown_shop' };
  if ('refused' in outcome) return { kind: 'refused', refused: outcome };
  const stored = await withStoreTimeout(
    'spool drain',
    ctx.store.storeSpooled(
      { ...delivery, event: APP_UNINSTALLED },
      { events: [uninstalledEvent(shop, outcome, 'shoprenter')] },
      [...ctx.handlers.namesFor(shop, APP_UNINSTALLED)],
    ),
    ctx.storeTimeoutMs,
  );
  return {
    kind: 'uninstalled',
    uninstalledAt: outcome.uninstalledAt,
    cancelledJobs: outcome.cancelledJobs,
    already: outcome.already,
    deliveryId: stored.deliveryId,
    alreadyStored: stored.alreadyStored,
  };
}

const APP_UNINSTALLED = 'app_uninstalled' as unknown as WebhookEvent;

/** The shop's record marked uninstalled at `now` (and remembered by the directory as it is now). */
async function markShopUninstalled(
  ctx: ShopUninstallContext,
  shop: string,
  now: Date,
  late?: LateUninstall,
): Promise<UninstallMarked | LateUninstallRefused | null> {
  const outcome = await withStoreTimeout(
    'record uninstall',
    // A shop of the config file's `shops` stays served by that entry: its jobs are not the app's to cancel.
    ctx.appShops.markUninstalled(shop, {
      reason: CANCELLED_BY_UNINSTALL,
      now,
      cancelJobs: !ctx.directory.isConfigShop(shop),
      ...(late ? { late } : {}),
    }),
    ctx.storeTimeoutMs,
  );
  const record = await withStoreTimeout('read app shop', ctx.appShops.get(shop), ctx.storeTimeoutMs);
  if (record) ctx.directory.remember(record);
  return outcome;
}

/** The `app_uninstalled` event: its dedupe key is the (first) uninstall's time. */
function uninstalledEvent(shop: string, outcome: UninstallMarked, by: AppUninstalledBy): NewEvent {
  const payload: AppUninstalledPayload = {
    shop,
    uninstalledAt: outcome.uninstalledAt.toISOString(),
    cancelledJobs: outcome.cancelledJobs,
    uninstalledBy: by,
  };
  return { dedupeKey: `uninstall:${payload.uninstalledAt}`, subjectId: shop, payload };
}

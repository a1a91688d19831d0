/**
 * `GET /admin/api/shops`: every shop this receiver serves — config shops (`source: "config"`) and the
 * shops that installed the app (`source: "app"`: installed, pending with the reason, uninstalled) —
 * with their subscriptions (null: not the receiver's to know), their last webhook delivery and whether
 * order recovery runs for them.
 */
import { APP_EVENTS } from '@srhooks/contracts';
import type { ReceiverConfig } from '../config/config-schema.js';
import { shopApiAuth } from '../config/shop-api-auth.js';
import type { ReconcileStatus, ShopReconcileState } from '../reconcile/reconcile-status.js';
import type { AppShopStatus, AppShopSubscription } from '../store/app-shops/app-shop-store.js';
import type { Store } from '../store/store.js';
import type { ShopDirectory } from './shop-directory.js';

export interface ShopJson {
  name: string;
  source: 'config' | 'app';
  status: AppShopStatus | 'configured';
  /**
   * Config shops: the events configured (`events` and `webhooks`; reconcile makes them); app shops: the
   * subscriptions registered at install (none while pending or once uninstalled: `[]`). Null for a config
   * shop with none configured (`srhooks listen`'s shops always): the receiver makes none and does not know
   * what the shop has (made at the shop, `srhooks webhooks create` or `sync`) — unknown, not none.
   */
  subscriptions: Array<{ event: string; id?: string }> | null;
  installedAt: string | null;
  appVersion: string | null;
  uninstalledAt: string | null;
  pendingReason: string | null;
  attempts: number;
  nextAttemptAt: string | null;
  /** The last webhook delivery from the shop (not app requests, payment notifications or recovery records). */
  lastDeliveryAt: string | null;
  hasCredentials: boolean;
  /**
   * Order recovery runs for the shop: the receiver runs scheduled passes (an embedded receiver that
   * never started them, such as `srhooks listen`, does not: false), and the shop takes part
   * (credentials, `recovery` on; an app shop: installed, not pending).
   */
  recovery: boolean;
  /**
   * The shop's recovery passes that failed in a row (0 after a successful one, or none yet), and the last
   * one's reason (null when it did not fail): "recovery on" says nothing about whether it works.
   */
  recoveryFailures: number;
  recoveryError: string | null;
  /**
   * Config shops with `reconcile: true`: how this receiver's last start-up reconcile of the shop ended
   * (`ok` false: its subscriptions were not made, so `subscriptions` lists what is configured, not what
   * the shop has; `nextAttemptAt`: when it is tried again, null when it is not — fix the `error` and
   * restart). Null for other shops, and before the first reconcile ended.
   */
  reconcile: { ok: boolean; at: string; error: string | null; nextAttemptAt: string | null } | null;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** A config shop's subscriptions: its configured events, or null (unknown) when none are configured. */
function configuredSubscriptions(shop: ReceiverConfig['shops'][number]): ShopJson['subscriptions'] {
  const events = [...shop.events, ...shop.webhooks.map((entry) => entry.event)];
  return events.length > 0 ? events.map((event) => ({ event })) : null;
}

function recovered(directory: ShopDirectory, name: string, scheduled: boolean): boolean {
  const shop = directory.shop(name);
  return scheduled && Boolean(shop?.recovery && shopApiAuth(shop));
}

function reconcileJson(state: ShopReconcileState | undefined): ShopJson['reconcile'] {
  if (!state) return null;
  return {
    ok: state.ok,
    at: state.at.toISOString(),
    error: state.error,
    nextAttemptAt: iso(state.nextAttemptAt),
  };
}

export async function shopsJson(
  config: ReceiverConfig,
  directory: ShopDirectory,
  store: Store,
  /** Whether the receiver runs recovery passes by itself (`RecoveryService.scheduled`). */
  scheduledRecovery: boolean,
  /** Each config shop's start-up reconcile on this receiver (`app.reconcileStatus`); none: not shown. */
  reconcileStatus?: ReconcileStatus,
): Promise<ShopJson[]> {
  await directory.refresh();
  const shops: ShopJson[] = config.shops.map((shop) => ({
    name: shop.name,
    source: 'config',
    status: 'configured',
    subscriptions: configuredSubscriptions(shop),
    installedAt: null,
    appVersion: null,
    uninstalledAt: null,
    pendingReason: null,
    attempts: 0,
    nextAttemptAt: null,
    lastDeliveryAt: null,
    hasCredentials: shopApiAuth(shop) !== undefined,
    recovery: recovered(directory, shop.name, scheduledRecovery),
    recoveryFailures: 0,
    recoveryError: null,
    reconcile: shop.reconcile ? reconcileJson(reconcileStatus?.get(shop.name)) : null,
  }));
  const configured = new Set(config.shops.map((shop) => shop.name));
  for (const record of directory.appShops()) {
    if (configured.has(record.shop)) continue;
    shops.push({
      name: record.shop,
      source: 'app',
      status: record.status,
      subscriptions: record.subscriptions.map((s: AppShopSubscription) => ({ event: s.event, id: s.id })),
      installedAt: iso(record.installedAt),
      appVersion: record.appVersion,
      uninstalledAt: iso(record.uninstalledAt),
      pendingReason: record.pendingReason,
      attempts: record.attempts,
      nextAttemptAt: iso(record.nextAttemptAt),
      lastDeliveryAt: null,
      hasCredentials: record.status !== 'uninstalled',
      recovery: recovered(directory, record.shop, scheduledRecovery),
      recoveryFailures: 0,
      recoveryError: null,
      reconcile: null,
    });
  }
  for (const shop of shops) {
    shop.lastDeliveryAt = iso(await lastWebhookDelivery(store, shop.name));
    const recovery = await store.getRecoveryState(shop.name);
    // An app shop's passes that failed before its (re-)install are not this install's: after an uninstall
    // whose call was lost, every pass failed on the refused token; once the shop installs the app again they
    // said "most likely uninstalled" of a shop just installed, until its first pass ended.
    const lastPass = recovery?.lastPass;
    const beforeInstall =
      shop.source === 'app' &&
      shop.installedAt !== null &&
      lastPass !== null &&
      lastPass !== undefined &&
      lastPass.finishedAt.getTime() < Date.parse(shop.installedAt);
    shop.recoveryFailures = beforeInstall ? 0 : (recovery?.consecutiveFailures ?? 0);
    shop.recoveryError = shop.recoveryFailures > 0 ? (lastPass?.error ?? null) : null;
  }
  return shops;
}

const APP_EVENT_NAMES: ReadonlySet<string> = new Set(APP_EVENTS);

/**
 * When the shop's last webhook delivery arrived: not the app's own requests stored as events (the
 * uninstall call) nor Payment API notifications filed under the shop (APP_EVENTS), nor recovery records —
 * none of them says whether the shop's subscriptions reach the receiver. Newest first, page by page until
 * one is found (those others are few next to a shop's deliveries: usually the first page).
 */
async function lastWebhookDelivery(store: Store, shop: string): Promise<Date | null> {
  let cursor: string | undefined;
  for (;;) {
    const page = await store.listDeliveries({
      shop,
      source: 'webhook',
      limit: 20,
      ...(cursor ? { cursor } : {}),
    });
    const found = page.items.find((delivery) => !APP_EVENT_NAMES.has(delivery.event));
    if (found) return found.receivedAt;
    if (!page.nextCursor) return null;
    cursor = page.nextCursor;
  }
}

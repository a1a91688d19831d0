/**
 * `GET /admin/api/shops`: every shop this receiver serves — config shops (`source: "config"`) and the
 * shops that installed the app (`source: "app"`: installed, pending with the reason, uninstalled) —
 * with their subscriptions, their last delivery and whether order recovery runs for them.
 */
import type { ReceiverConfig } from '../config/config-schema.js';
import { shopApiAuth } from '../config/shop-api-auth.js';
import type { AppShopStatus, AppShopSubscription } from '../store/app-shops/app-shop-store.js';
import type { Store } from '../store/store.js';
import type { ShopDirectory } from './shop-directory.js';

export interface ShopJson {
  name: string;
  source: 'config' | 'app';
  status: AppShopStatus | 'configured';
  /** Config shops: the events configured; app shops: the subscriptions registered at install. */
  subscriptions: Array<{ event: string; id?: string }>;
  installedAt: string | null;
  appVersion: string | null;
  uninstalledAt: string | null;
  pendingReason: string | null;
  attempts: number;
  nextAttemptAt: string | null;
  lastDeliveryAt: string | null;
  hasCredentials: boolean;
  /**
   * Order recovery runs for the shop: the receiver runs scheduled passes (an embedded receiver that
   * never started them, such as `srhooks listen`, does not: false), and the shop takes part
   * (credentials, `recovery` on; an app shop: installed, not pending).
   */
  recovery: boolean;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

function recovered(directory: ShopDirectory, name: string, scheduled: boolean): boolean {
  const shop = directory.shop(name);
  return scheduled && Boolean(shop?.recovery && shopApiAuth(shop));
}

export async function shopsJson(
  config: ReceiverConfig,
  directory: ShopDirectory,
  store: Store,
  /** Whether the receiver runs recovery passes by itself (`RecoveryService.scheduled`). */
  scheduledRecovery: boolean,
): Promise<ShopJson[]> {
  await directory.refresh();
  const shops: ShopJson[] = config.shops.map((shop) => ({
    name: shop.name,
    source: 'config',
    status: 'configured',
    subscriptions: [...shop.events, ...shop.webhooks.map((entry) => entry.event)].map((event) => ({ event })),
    installedAt: null,
    appVersion: null,
    uninstalledAt: null,
    pendingReason: null,
    attempts: 0,
    nextAttemptAt: null,
    lastDeliveryAt: null,
    hasCredentials: shopApiAuth(shop) !== undefined,
    recovery: recovered(directory, shop.name, scheduledRecovery),
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
    });
  }
  for (const shop of shops) {
    const last = await store.listDeliveries({ shop: shop.name, limit: 1 });
    shop.lastDeliveryAt = iso(last.items[0]?.receivedAt ?? null);
  }
  return shops;
}

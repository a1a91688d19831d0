/**
 * What the inspector's shops page shows of each shop the receiver serves: `GET /admin/api/shops`'s view
 * (shops-json.ts: config and app shops, state, install and uninstall times, last webhook delivery), with
 * the shop's waiting jobs and dead letters (Store.shopBacklog) and, for an uninstalled app shop, who told
 * the receiver (`uninstalledBy` of its `app_uninstalled` event; the app-shop store does not keep it).
 */
import type { AppUninstalledBy, AppUninstalledPayload } from '@srhooks/contracts';
import type { ShopDirectory } from '../app-mode/shop-directory.js';
import { type ShopJson, shopsJson } from '../app-mode/shops-json.js';
import type { ReceiverConfig } from '../config/config-schema.js';
import { withStoreTimeout } from '../ingest/store-call.js';
import type { Store } from '../store/store.js';

export interface ShopOverview extends ShopJson {
  /** Uninstalled app shops: who told the receiver; null otherwise, or when its event does not say. */
  uninstalledBy: AppUninstalledBy | null;
  /** The shop's pending jobs (runnable now or at their retry time, or waiting for a disabled handler). */
  waiting: number;
  /** The shop's dead-lettered jobs. */
  dead: number;
}

export interface ShopOverviewContext {
  config: ReceiverConfig;
  directory: ShopDirectory;
  store: Store;
  /** Whether the receiver runs recovery passes by itself (`RecoveryService.scheduled`). */
  scheduledRecovery: boolean;
}

export async function shopOverview(ctx: ShopOverviewContext): Promise<ShopOverview[]> {
  const timeout = ctx.config.storeTimeoutMs;
  const [shops, backlog] = await Promise.all([
    withStoreTimeout(
      'list shops',
      shopsJson(ctx.config, ctx.directory, ctx.store, ctx.scheduledRecovery),
      timeout,
    ),
    withStoreTimeout('count shop jobs', ctx.store.shopBacklog(), timeout),
  ]);
  const counts = new Map(backlog.map((row) => [row.shop, row]));
  return Promise.all(
    shops.map(async (shop) => ({
      ...shop,
      uninstalledBy:
        shop.status === 'uninstalled' && shop.uninstalledAt
          ? await withStoreTimeout(
              'read uninstall event',
              uninstalledBy(ctx.store, shop.name, shop.uninstalledAt),
              timeout,
            )
          : null,
      waiting: counts.get(shop.name)?.waiting ?? 0,
      dead: counts.get(shop.name)?.dead ?? 0,
    })),
  );
}

/**
 * Who told the receiver of the uninstall at `uninstalledAt`: the `app_uninstalled` event stored first for
 * it (its dedupe key is `uninstall:{uninstalledAt}`, received at that time; an uninstall told again is
 * stored later as its duplicate, saying who told it again). Newest first, page by page down to that time.
 * Null when that event is gone (retention) or predates `uninstalledBy`.
 */
async function uninstalledBy(
  store: Store,
  shop: string,
  uninstalledAt: string,
): Promise<AppUninstalledBy | null> {
  const since = new Date(uninstalledAt);
  let cursor: string | undefined;
  for (;;) {
    const page = await store.listEvents({
      shop,
      event: 'app_uninstalled',
      from: since,
      limit: 50,
      ...(cursor ? { cursor } : {}),
    });
    const first = page.items.find(
      (event) => event.duplicateOf === null && event.dedupeKey === `uninstall:${uninstalledAt}`,
    );
    if (first) {
      const payload = (await store.getEvent(first.id))?.payload as Partial<AppUninstalledPayload> | undefined;
      return payload?.uninstalledBy ?? null;
    }
    if (!page.nextCursor) return null;
    cursor = page.nextCursor;
  }
}

import type { DeliveryPayload, Webhook } from '@srhooks/contracts';
import type { DeliveryAttempt } from '../simulator/delivery-attempt.js';

/**
 * A webhook as stored: the normalised contracts model without the host-dependent `href`. `id` is
 * its API id (base64 of `webHook-notification_id=<n>`); `outerId` the id a client gave it
 * (FACTS.md §9), which answers show as its `id` when present.
 */
export type StoredWebhook = Omit<Webhook, 'href'> & { outerId?: string };

/** An order or subscriber exactly as the shop would send it (wire form: most values strings). */
export type WireItem = Record<string, unknown>;

/** One status the order went into (`GET /orderHistories`), as the shop records it. */
export interface StoredHistoryEntry {
  innerId: number;
  status: string;
  statusText: string;
  comment: string;
  /** Shop-local `YYYY-MM-DD HH:MM:SS`, the same text the delivery's `orderHistory.dateAdded` carried. */
  dateAdded: string;
}

export interface StoredOrder {
  /** The full order in delivery shape and wire form (every field the shop can send). */
  item: WireItem;
  /** Every status the order went into, oldest first (absent in data files of older versions). */
  history?: StoredHistoryEntry[];
  /** ISO 8601 local-free timestamps for the API's dateCreated/dateUpdated. */
  createdAt: string;
  updatedAt: string;
}

/** Everything the sandbox remembers about one shop (persisted to the data file). */
export interface ShopData {
  webhooks: StoredWebhook[];
  nextWebhookId: number;
  orders: StoredOrder[];
  nextOrderId: number;
  nextOrderProductId: number;
  nextOrderHistoryId: number;
  subscribers: WireItem[];
  nextSubscriberId: number;
  /**
   * When each subscriber last changed (by subscriber id; shop-local `YYYY-MM-DD HH:MM:SS`): the API's
   * `dateUpdated`. Absent until the first change after subscribing (then it is the subscribe time).
   */
  subscriberUpdatedAt: Record<string, string>;
  deliveries: DeliveryAttempt[];
  nextDeliveryId: number;
  /** Projected payloads of deliveries not sent yet, by delivery id (so a restart can still send them). */
  pendingPayloads: Record<string, DeliveryPayload>;
  /** Which API client created each webhook (by id): an app's uninstall drops its own. */
  webhookOwners: Record<string, string>;
}

export function emptyShopData(): ShopData {
  return {
    webhooks: [],
    nextWebhookId: 1,
    orders: [],
    nextOrderId: 1,
    nextOrderProductId: 1,
    nextOrderHistoryId: 1,
    subscribers: [],
    nextSubscriberId: 1,
    subscriberUpdatedAt: {},
    deliveries: [],
    nextDeliveryId: 1,
    pendingPayloads: {},
    webhookOwners: {},
  };
}

/** Fills in what an older data file may lack, so a file from a previous version still loads. */
export function upgradeShopData(raw: Partial<ShopData>): ShopData {
  return { ...emptyShopData(), ...raw };
}

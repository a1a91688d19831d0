import { ABANDONED_CART_STATUS } from '../assumptions.js';
import type { ShopData, StoredHistoryEntry, StoredOrder, WireItem } from '../state/shop-data.js';

/**
 * Appends the order's current `orderHistory` (the status just delivered) to its history, so
 * `GET /orderHistories?orderId=` lists exactly the statuses the simulator delivered, with the same
 * `dateAdded` text (FACTS.md §6). An abandoned cart has no status (its `orderStatusId` is 0: "If
 * there is no status, the order is not completed"), so it gets no history entry (assumptions.ts
 * [A39]); its history begins with the status it gets if it is completed later.
 */
export function recordStatus(data: ShopData, stored: StoredOrder): void {
  const block = (stored.item.orderHistory ?? {}) as WireItem;
  if (String(block.status ?? '') === ABANDONED_CART_STATUS.status) return;
  const entry: StoredHistoryEntry = {
    innerId: data.nextOrderHistoryId++,
    status: String(block.status ?? ''),
    statusText: String(block.statusText ?? ''),
    comment: String(block.comment ?? ''),
    dateAdded: String(block.dateAdded ?? ''),
  };
  stored.history = [...(stored.history ?? []), entry];
}

/** The order's history; an order from an older data file has just its current status. */
export function historyOf(stored: StoredOrder): StoredHistoryEntry[] {
  if (stored.history) return stored.history;
  const block = (stored.item.orderHistory ?? {}) as WireItem;
  if (block.status === undefined || String(block.status) === ABANDONED_CART_STATUS.status) return [];
  return [
    {
      innerId: 0,
      status: String(block.status),
      statusText: String(block.statusText ?? ''),
      comment: String(block.comment ?? ''),
      dateAdded: String(block.dateAdded ?? ''),
    },
  ];
}

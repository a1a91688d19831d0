import type { ShopData, StoredHistoryEntry, StoredOrder, WireItem } from '../state/shop-data.js';

/**
 * Appends the order's current `orderHistory` (the status just delivered) to its history, so
 * `GET /orderHistories?orderId=` lists exactly the statuses the simulator delivered, with the same
 * `dateAdded` text (FACTS.md §6).
 */
export function recordStatus(data: ShopData, stored: StoredOrder): void {
  const block = (stored.item.orderHistory ?? {}) as WireItem;
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
  if (block.status === undefined) return [];
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

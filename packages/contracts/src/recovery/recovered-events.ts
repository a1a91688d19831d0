/**
 * What the shop would have sent for an order read back from the API (FACTS.md §6): the events,
 * each with its item in delivery shape and the dedupe key of the real delivery of that event, so
 * a late real delivery is recorded as the recovered event's duplicate and vice versa.
 *
 * - The order's first status decides how it began: status 0 (an abandoned cart) → `abandoned_cart`,
 *   any other → `order_confirm`. The item's `orderHistory` is that first entry. An abandoned cart
 *   completed later has no history before that (A39): its first entry is the status that completed
 *   it, so it is `order_confirm`, which is what the shop sends then (assumed, A42).
 * - Every later entry of the history is one `order_status_change`, its `orderHistory` that entry
 *   (`dedupeKey` uses its status and `dateAdded`, exactly as for a delivery).
 * - Without a history (not read, or empty), only the first event, with the order's current status
 *   and no `dateAdded`; an order whose `orderStatus` is null has no status ("If there is no status,
 *   the order is not completed", sr-api-docs `fixtures/api/order/data.json`): an abandoned cart.
 * The order's fields are the ones it has when read (the API keeps no older versions), so a recovered
 * status change carries today's address, not the one at the time of the change.
 */
import { dedupeKey } from '../dedupe-key.js';
import type { OrderEvent } from '../events.js';
import type { OrderItem } from '../schemas/delivery.js';
import type { Order } from '../schemas/order.js';
import type { OrderHistoryEntry } from '../schemas/order-search.js';
import { ID_PREFIX, innerIdOfLink } from './linked-id.js';
import { currentOrderStatus, orderItemFromApi, type RecoveredStatus } from './recovered-order.js';

export interface RecoveredOrderEvent {
  event: OrderEvent;
  item: OrderItem;
  dedupeKey: string;
  subjectId: string;
  /**
   * Shop-local time of the event (`YYYY-MM-DD HH:MM:SS` or the API's `…T…`): its history entry's
   * `dateAdded`; for the first event of an order without a history (an abandoned cart has none,
   * assumption A39), the order's `dateCreated`. Absent when neither is known. A delayed subscription's
   * delivery is due this long after it (assumptions.ts [A41]).
   */
  at?: string;
}

/** Status id of the status an abandoned cart is in (FACTS.md §6: `orderStatusId` 0). */
export const ABANDONED_CART_STATUS_ID = '0';

/** History entries as statuses, oldest first (by `dateAdded`, then inner id). */
export function statusesFromHistory(entries: readonly OrderHistoryEntry[]): RecoveredStatus[] {
  return entries
    .map((entry) => ({ entry, status: innerIdOfLink(entry.orderStatus ?? null, ID_PREFIX.orderStatus) }))
    .filter((row): row is { entry: OrderHistoryEntry; status: string } => row.status !== undefined)
    .sort(
      (a, b) =>
        String(a.entry.dateAdded ?? '').localeCompare(String(b.entry.dateAdded ?? '')) ||
        Number(a.entry.innerId ?? 0) - Number(b.entry.innerId ?? 0),
    )
    .map(({ entry, status }) => ({
      status,
      ...(typeof entry.dateAdded === 'string' ? { dateAdded: entry.dateAdded } : {}),
      ...(typeof entry.comment === 'string' ? { comment: entry.comment } : {}),
    }));
}

/**
 * The events of one order, limited to `wanted` (the events the shop is subscribed to).
 * `history` is the order's `/orderHistories` (any order), or undefined when not read.
 */
export function recoverOrderEvents(
  shop: string,
  order: Order,
  history: readonly OrderHistoryEntry[] | undefined,
  wanted: ReadonlySet<string>,
): RecoveredOrderEvent[] {
  const statuses = history ? statusesFromHistory(history) : [];
  const current = currentOrderStatus(order);
  const first: RecoveredStatus | undefined =
    statuses[0] ??
    (current !== undefined
      ? { status: current }
      : // No status at all: "If there is no status, the order is not completed" (the order
        // resource's `orderStatus`), i.e. an abandoned cart (`orderStatusId` 0).
        order.orderStatus === null
        ? { status: ABANDONED_CART_STATUS_ID }
        : undefined);
  if (!first) return [];
  const events: RecoveredOrderEvent[] = [];
  const add = (event: OrderEvent, status: RecoveredStatus, at: unknown) => {
    if (!wanted.has(event)) return;
    const item = orderItemFromApi(shop, order, status);
    events.push({
      event,
      item,
      dedupeKey: dedupeKey(shop, event, item),
      subjectId: order.innerId,
      ...(typeof at === 'string' && at !== '' ? { at } : {}),
    });
  };
  add(
    first.status === ABANDONED_CART_STATUS_ID ? 'abandoned_cart' : 'order_confirm',
    first,
    first.dateAdded ?? order.dateCreated,
  );
  for (const change of statuses.slice(1)) add('order_status_change', change, change.dateAdded);
  return events;
}

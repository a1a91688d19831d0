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
import {
  currentOrderStatus,
  type OrderLinked,
  orderItemFromApi,
  type RecoveredStatus,
} from './recovered-order.js';
import { parseShopDateTime } from './shop-time.js';

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

/**
 * History entries as statuses, oldest first: by `dateAdded`, then inner id. Within the hour the shop's
 * clock is turned back (02:00–03:00 twice, contracts' shop-time.ts) the text cannot tell which came
 * first, so entries of that hour go by inner id (assumed to grow with each entry: contracts' README,
 * A44). Else a change at 02:10 winter time was taken to come before a confirmation at 02:50 summer
 * time, 20 minutes earlier.
 */
export function statusesFromHistory(entries: readonly OrderHistoryEntry[]): RecoveredStatus[] {
  return entries
    .map((entry) => ({ entry, status: innerIdOfLink(entry.orderStatus ?? null, ID_PREFIX.orderStatus) }))
    .filter((row): row is { entry: OrderHistoryEntry; status: string } => row.status !== undefined)
    .map((row) => ({ ...row, order: historyOrderText(row.entry.dateAdded) }))
    .sort(
      (a, b) => a.order.localeCompare(b.order) || Number(a.entry.innerId ?? 0) - Number(b.entry.innerId ?? 0),
    )
    .map(({ entry, status }) => ({
      status,
      ...(typeof entry.dateAdded === 'string' ? { dateAdded: entry.dateAdded } : {}),
      ...(typeof entry.comment === 'string' ? { comment: entry.comment } : {}),
    }));
}

/**
 * What a history entry's time sorts by: its text, or for a time in the hour the clock is turned back
 * only that hour (`2026-10-25 02`), so that the inner id decides within it.
 */
function historyOrderText(dateAdded: unknown): string {
  const text = String(dateAdded ?? '').replace('T', ' ');
  const hour = text.slice(0, 13);
  return /^\d{4}-\d{2}-\d{2} \d{2}$/.test(hour) && hourTwice(hour) ? hour : text;
}

const hoursSeen = new Map<string, boolean>();

/** Whether the shop's clock shows this hour (`2026-10-25 02`) twice; remembered, as most entries share a few hours. */
function hourTwice(hour: string): boolean {
  let twice = hoursSeen.get(hour);
  if (twice === undefined) {
    const text = `${hour}:30:00`;
    twice = parseShopDateTime(text)?.getTime() !== parseShopDateTime(text, 'later')?.getTime();
    if (hoursSeen.size >= 10_000) hoursSeen.clear();
    hoursSeen.set(hour, twice);
  }
  return twice;
}

/**
 * The events of one order, limited to `wanted` (the events the shop is subscribed to).
 * `history` is the order's `/orderHistories` (any order), or undefined when not read; `linked.products`
 * its `/orderProducts` (every item carries them as `orderProducts.orderProduct[]`, as a delivery does;
 * not read: no `orderProducts`), `linked.currencyCode` its currency's code (the order's `currency`; not
 * read: none). Neither changes the dedupe keys.
 */
export function recoverOrderEvents(
  shop: string,
  order: Order,
  history: readonly OrderHistoryEntry[] | undefined,
  wanted: ReadonlySet<string>,
  linked: OrderLinked = {},
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
    const item = orderItemFromApi(shop, order, status, linked);
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

import { orderIdFor } from '@srhooks/contracts';
import { historyOf } from '../../simulator/order-history.js';
import type { StoredHistoryEntry, StoredOrder } from '../../state/shop-data.js';
import type { ApiContext, ApiResult } from '../api-context.js';
import { paginate, parsePageQuery } from '../paging.js';
import { itemNotFound, linkedResourceId, parseOrderHistoryId } from '../resource-ids.js';
import { orderIdFilter, ordersOfFilter } from './order-id-filter.js';

/**
 * `GET /orderHistories[?orderId=]` and `GET /orderHistories/{id}` (FACTS.md §6; the documentation's
 * `api/order_history/*`): every status an order went into, with the `dateAdded` text its delivery
 * carried and a link to the status.
 */
function renderEntry(
  order: StoredOrder,
  entry: StoredHistoryEntry,
  apiBase: string,
): Record<string, unknown> {
  const id = linkedResourceId('orderHistory-order_history_id=', entry.innerId);
  return {
    href: `${apiBase}/orderHistories/${id}`,
    id,
    innerId: String(entry.innerId),
    comment: entry.comment,
    dateAdded: entry.dateAdded,
    order: { href: `${apiBase}/orders/${orderIdFor(String(order.item.innerId))}` },
    orderStatus: {
      href: `${apiBase}/orderStatuses/${linkedResourceId('orderStatus-order_status_id=', entry.status)}`,
    },
  };
}

function allEntries(ctx: ApiContext, orderId: string | undefined) {
  return ordersOfFilter(ctx, orderId).flatMap((order) => historyOf(order).map((entry) => ({ order, entry })));
}

export function listOrderHistories(ctx: ApiContext, query: Record<string, unknown>): ApiResult {
  const pageQuery = parsePageQuery(query);
  const orderId = orderIdFilter(query);
  const body = paginate(
    allEntries(ctx, orderId),
    pageQuery,
    `${ctx.apiBase}/orderHistories`,
    ({ order, entry }) => {
      const rendered = renderEntry(order, entry, ctx.apiBase);
      return pageQuery.full ? rendered : { href: rendered.href };
    },
    orderId === undefined ? '' : `&orderId=${encodeURIComponent(orderId)}`,
    'numbers',
  );
  return { status: 200, body };
}

export function getOrderHistory(ctx: ApiContext, id: string): ApiResult {
  const n = parseOrderHistoryId(id);
  const found =
    n === undefined ? undefined : allEntries(ctx, undefined).find(({ entry }) => entry.innerId === n);
  if (!found) {
    return itemNotFound(
      'orderHistories',
      id,
      n !== undefined,
      'orderHistory-order_history_id=',
      `orderHistories resource '${id}' not found.`,
    );
  }
  return { status: 200, body: renderEntry(found.order, found.entry, ctx.apiBase) };
}

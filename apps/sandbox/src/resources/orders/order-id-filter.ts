/**
 * The `orderId` filter of the collections that list an order's parts (`orderHistories`, `orderProducts`):
 * the value given (the last one when repeated; an empty one is no filter) and the orders it selects.
 */
import { apiErrors } from '../../errors.js';
import { orderByInnerId } from '../../state/order-index.js';
import type { StoredOrder } from '../../state/shop-data.js';
import type { ApiContext } from '../api-context.js';
import { parseOrderId } from '../resource-ids.js';

/** The query's `orderId`, or undefined when there is none (or it is empty). */
export function orderIdFilter(query: Record<string, unknown>): string | undefined {
  const raw = Array.isArray(query.orderId) ? query.orderId.at(-1) : query.orderId;
  return raw === undefined || raw === '' ? undefined : String(raw);
}

/** Every order of the shop, or the one `orderId` names (none when it names no order); 40007 for an id of another kind. */
export function ordersOfFilter(ctx: ApiContext, orderId: string | undefined): StoredOrder[] {
  const orders = ctx.shop.data.orders;
  if (orderId === undefined) return orders;
  const innerId = parseOrderId(orderId);
  if (innerId === undefined) throw apiErrors.wrongId('orders', orderId, 'order-order_id=');
  const order = orderByInnerId(orders, innerId);
  return order ? [order] : [];
}

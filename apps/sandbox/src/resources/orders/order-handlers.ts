import { shopDateTime } from '../../simulator/shop-time.js';
import { orderByInnerId } from '../../state/order-index.js';
import type { ApiContext, ApiResult } from '../api-context.js';
import { paginate, parsePageQuery } from '../paging.js';
import { itemNotFound, parseOrderId } from '../resource-ids.js';
import { sortOrders } from './order-list-settings.js';
import { renderOrder } from './order-presenter.js';
import { orderSearch, searchSuffix } from './order-search.js';

export function getOrder(ctx: ApiContext, id: string): ApiResult {
  const innerId = parseOrderId(id);
  const stored = innerId === undefined ? undefined : orderByInnerId(ctx.shop.data.orders, innerId);
  if (!stored) {
    return itemNotFound(
      'orders',
      id,
      innerId !== undefined,
      'order-order_id=',
      `orders resource '${id}' not found; the sandbox knows the orders its simulator placed.`,
    );
  }
  return { status: 200, body: renderOrder(stored, ctx.apiBase) };
}

/**
 * `GET /orders` with the documented search parameters (order-search.ts), in the shop's order-list
 * setting's order (order-list-settings.ts; default by inner id, oldest first) and page size.
 */
export function listOrders(ctx: ApiContext, query: Record<string, unknown>): ApiResult {
  const asked = parsePageQuery(query);
  const { orderList } = ctx.shop;
  const pageQuery =
    orderList.maxPageSize === null
      ? asked
      : { ...asked, limit: Math.min(asked.limit, orderList.maxPageSize) };
  const matches = orderSearch(query, shopDateTime);
  const found = sortOrders(ctx.shop.data.orders.filter(matches), orderList);
  const body = paginate(
    found,
    pageQuery,
    `${ctx.apiBase}/orders`,
    (stored) => {
      const order = renderOrder(stored, ctx.apiBase);
      return pageQuery.full ? order : { href: order.href };
    },
    searchSuffix(query),
  );
  return { status: 200, body };
}

import { apiErrors } from '../../errors.js';
import type { ApiContext, ApiResult } from '../api-context.js';
import { paginate, parsePageQuery } from '../paging.js';
import { parseOrderId } from '../resource-ids.js';
import { renderOrder } from './order-presenter.js';

export function getOrder(ctx: ApiContext, id: string): ApiResult {
  const innerId = parseOrderId(id);
  if (innerId === undefined) throw apiErrors.wrongId('orders', id, 'order-order_id=');
  const stored = ctx.shop.data.orders.find((o) => String(o.item.innerId) === innerId);
  if (!stored) {
    throw apiErrors.notFound(
      `orders resource '${id}' not found; the sandbox knows the orders its simulator placed.`,
      `orders/${id}`,
    );
  }
  return { status: 200, body: renderOrder(stored, ctx.apiBase) };
}

export function listOrders(ctx: ApiContext, query: Record<string, unknown>): ApiResult {
  const pageQuery = parsePageQuery(query);
  const body = paginate(ctx.shop.data.orders, pageQuery, `${ctx.apiBase}/orders`, (stored) => {
    const order = renderOrder(stored, ctx.apiBase);
    return pageQuery.full ? order : { href: order.href };
  });
  return { status: 200, body };
}

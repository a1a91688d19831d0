import { orderIdFor } from '@srhooks/contracts';
import { apiErrors } from '../../errors.js';
import type { StoredOrder, WireItem } from '../../state/shop-data.js';
import type { ApiContext, ApiResult } from '../api-context.js';
import { paginate, parsePageQuery } from '../paging.js';
import { linkedResourceId } from '../resource-ids.js';
import { orderIdFilter, ordersOfFilter } from './order-id-filter.js';

/**
 * `GET /orderProducts[?orderId=]` and `GET /orderProducts/{id}`: an order's products, the resource its
 * `orderProducts` link names (documented in the order item: `orderProducts?orderId=<order id>`). The
 * item's fields are not documented: the sandbox serves the products its deliveries carry, under the
 * delivery's `orderProduct` field names (every selectable one), with the API's `href`, `id` (base64 of
 * `orderProduct-order_product_id=<innerId>`, the last segment of the delivery's `innerResourceId`) and
 * an `order` link (contracts' README, A52). Paging as every collection (`page`, `limit` ≤ 200, `full`).
 */

const PRODUCT_ID_PREFIX = 'orderProduct-order_product_id=';

function isObject(value: unknown): value is WireItem {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The products of a stored order, as its deliveries carry them (`orderProducts.orderProduct[]`). */
function productsOf(order: StoredOrder): WireItem[] {
  const block = order.item.orderProducts;
  const list = isObject(block) ? block.orderProduct : undefined;
  return (Array.isArray(list) ? list : isObject(list) ? [list] : []).filter(isObject);
}

function renderProduct(order: StoredOrder, product: WireItem, apiBase: string): Record<string, unknown> {
  const { innerId, innerResourceId: _path, ...fields } = product;
  const id = linkedResourceId(PRODUCT_ID_PREFIX, String(innerId));
  return {
    href: `${apiBase}/orderProducts/${id}`,
    id,
    innerId: String(innerId),
    ...structuredClone(fields),
    order: { href: `${apiBase}/orders/${orderIdFor(String(order.item.innerId))}` },
  };
}

function allProducts(ctx: ApiContext, orderId: string | undefined) {
  return ordersOfFilter(ctx, orderId).flatMap((order) =>
    productsOf(order).map((product) => ({ order, product })),
  );
}

export function listOrderProducts(ctx: ApiContext, query: Record<string, unknown>): ApiResult {
  const pageQuery = parsePageQuery(query);
  const orderId = orderIdFilter(query);
  const body = paginate(
    allProducts(ctx, orderId),
    pageQuery,
    `${ctx.apiBase}/orderProducts`,
    ({ order, product }) => {
      const rendered = renderProduct(order, product, ctx.apiBase);
      return pageQuery.full ? rendered : { href: rendered.href };
    },
    orderId === undefined ? '' : `&orderId=${encodeURIComponent(orderId)}`,
  );
  return { status: 200, body };
}

/** The product number of an orderProducts id, or undefined unless `id` is exactly one. */
function parseOrderProductId(id: string): string | undefined {
  const match = /^orderProduct-order_product_id=([1-9][0-9]{0,15})$/.exec(
    Buffer.from(id, 'base64').toString('latin1'),
  );
  const n = match?.[1];
  return n !== undefined && linkedResourceId(PRODUCT_ID_PREFIX, n) === id ? n : undefined;
}

export function getOrderProduct(ctx: ApiContext, id: string): ApiResult {
  const n = parseOrderProductId(id);
  if (n === undefined) throw apiErrors.wrongId('orderProducts', id, PRODUCT_ID_PREFIX);
  const found = allProducts(ctx, undefined).find(({ product }) => String(product.innerId) === n);
  if (!found) throw apiErrors.notFound(`orderProducts resource '${id}' not found.`, `orderProducts/${id}`);
  return { status: 200, body: renderProduct(found.order, found.product, ctx.apiBase) };
}

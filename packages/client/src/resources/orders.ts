import { type Order, OrderSchema } from '@srhooks/contracts/schemas/order';
import {
  type Currency,
  CurrencySchema,
  isFullItem,
  OrderCollectionSchema,
  OrderHistoryCollectionSchema,
  type OrderHistoryEntry,
  OrderProductCollectionSchema,
  type OrderProductEntry,
  type OrderSearchParams,
  OrderSearchParamsSchema,
} from '@srhooks/contracts/schemas/order-search';
import { InputError, ValidationError } from '../errors.js';
import { parseBody, unwrap } from '../http/api-call.js';
import { checkSearchKeys } from '../option-checks.js';
import type { BatchFunction } from './batch.js';
import type { CallOptions, ResourceContext } from './context.js';
import { MAX_LIMIT, orderList } from './order-lists.js';
import { resourceId } from './resource-id.js';

export interface OrderSearchPage {
  page: number;
  /** Whole orders (the search always asks `full=1`). */
  items: Order[];
  hasNext: boolean;
}

export interface OrdersResource {
  /** One order by id, by resource path (`orders/b3JkZXI…`, a delivery's `innerResourceId`) or href. */
  get(idOrResourcePath: string): Promise<Order>;
  /** One page of `GET /orders` with the documented search parameters, whole orders (`full=1`). */
  search(params?: OrderSearchParams, options?: CallOptions): Promise<OrderSearchPage>;
  /** Every page of a search, from `params.page` (default 0), `limit` 200 unless given. */
  iterateSearch(
    params?: OrderSearchParams,
    options?: CallOptions,
  ): AsyncGenerator<OrderSearchPage, void, undefined>;
  /** An order's status history (`GET /orderHistories?orderId=`), every page. */
  history(orderId: string, options?: CallOptions): Promise<OrderHistoryEntry[]>;
  /**
   * The histories of many orders in `POST /batch` calls of up to 200 inner requests each (one
   * request of the rate limit per call); a history longer than one page is completed by direct calls.
   */
  histories(orderIds: readonly string[], options?: CallOptions): Promise<Map<string, OrderHistoryEntry[]>>;
  /**
   * An order's products (`GET /orderProducts?orderId=`, the order's `orderProducts` link), every page.
   * The items' fields are assumed to be the delivery's `orderProduct` fields (contracts' A52).
   */
  products(orderId: string, options?: CallOptions): Promise<OrderProductEntry[]>;
  /**
   * The products of many orders in `POST /batch` calls of up to 200 inner requests each, as
   * `histories`; a list longer than one page is completed by direct calls.
   */
  productsOf(orderIds: readonly string[], options?: CallOptions): Promise<Map<string, OrderProductEntry[]>>;
  /**
   * The currency an order links to (`GET /currencies/{id}`; the order's `currency` link, its path
   * `currencies/<id>` or the id). The code a delivery writes as the order's `currency` (`HUF`) is
   * assumed to be its field `code` (contracts' A53); the scope it needs is not documented.
   */
  currency(idOrHref: string, options?: CallOptions): Promise<Currency>;
}

function searchQuery(params: OrderSearchParams): Record<string, string | number> {
  checkSearchKeys(params, Object.keys(OrderSearchParamsSchema.shape), 'GET /orders');
  const parsed = OrderSearchParamsSchema.safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'params';
    throw new InputError(`order search ${field}: ${issue?.message ?? 'not accepted'}`, {
      field,
      value: params,
    });
  }
  const query: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(parsed.data)) if (value !== undefined) query[key] = value;
  return query;
}

export function createOrdersResource(context: ResourceContext, batch: BatchFunction): OrdersResource {
  const { api, apiBase, shop } = context;
  async function search(params: OrderSearchParams = {}, options: CallOptions = {}): Promise<OrderSearchPage> {
    const query = searchQuery({ limit: MAX_LIMIT, ...params, full: 1 });
    const url = `${apiBase}/orders?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}`;
    const result = await api.GET('/orders', {
      params: { query: query as never },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const body = unwrap(result, { method: 'GET', url });
    const page = parseBody(OrderCollectionSchema, body, {
      method: 'GET',
      url,
      status: result.response.status,
    });
    return {
      page: Number(query.page ?? 0),
      items: page.items.filter((item) => isFullItem<Order>(item as Order)) as Order[],
      hasNext: page.next !== null && page.next !== undefined,
    };
  }

  async function* iterateSearch(
    params: OrderSearchParams = {},
    options: CallOptions = {},
  ): AsyncGenerator<OrderSearchPage, void, undefined> {
    for (let page = params.page ?? 0; ; page++) {
      let result: OrderSearchPage;
      try {
        result = await search({ ...params, page }, options);
      } catch (error) {
        // 40008 past the last page: an empty result (page 0) or a collection that shrank meanwhile.
        if (error instanceof ValidationError && error.innerCode === 40008) return;
        throw error;
      }
      yield result;
      if (!result.hasNext || result.items.length === 0) return;
    }
  }

  const histories = orderList<OrderHistoryEntry>(
    context,
    batch,
    '/orderHistories',
    OrderHistoryCollectionSchema,
    'history',
  );
  const products = orderList<OrderProductEntry>(
    context,
    batch,
    '/orderProducts',
    OrderProductCollectionSchema,
    'products',
  );

  return {
    async get(idOrResourcePath) {
      const id = resourceId(idOrResourcePath, 'orders', 'idOrResourcePath', shop);
      const url = `${apiBase}/orders/${id}`;
      const result = await api.GET('/orders/{id}', { params: { path: { id } } });
      const body = unwrap(result, { method: 'GET', url });
      return parseBody(OrderSchema, body, { method: 'GET', url, status: result.response.status });
    },
    search,
    iterateSearch,
    history: (orderId, options) => histories.all(orderId, options),
    histories: (orderIds, options) => histories.many(orderIds, options),
    products: (orderId, options) => products.all(orderId, options),
    productsOf: (orderIds, options) => products.many(orderIds, options),
    async currency(idOrHref, options = {}) {
      const id = resourceId(idOrHref, 'currencies', 'idOrHref', shop);
      const url = `${apiBase}/currencies/${id}`;
      const result = await api.GET('/currencies/{id}', {
        params: { path: { id } },
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const body = unwrap(result, { method: 'GET', url });
      return parseBody(CurrencySchema, body, { method: 'GET', url, status: result.response.status });
    },
  };
}

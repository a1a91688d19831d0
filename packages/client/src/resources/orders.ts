import { type Order, OrderSchema } from '@srhooks/contracts/schemas/order';
import {
  isFullItem,
  OrderCollectionSchema,
  OrderHistoryCollectionSchema,
  type OrderHistoryEntry,
  type OrderSearchParams,
  OrderSearchParamsSchema,
} from '@srhooks/contracts/schemas/order-search';
import { InputError, ShopRenterApiError, ValidationError } from '../errors.js';
import { parseBody, unwrap } from '../http/api-call.js';
import { checkSearchKeys } from '../option-checks.js';
import type { BatchFunction } from './batch.js';
import type { CallOptions, ResourceContext } from './context.js';
import { resourceId } from './resource-id.js';

/** The API's largest page (FACTS.md §6). */
const MAX_LIMIT = 200;

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

export function createOrdersResource(
  { api, apiBase, shop }: ResourceContext,
  batch: BatchFunction,
): OrdersResource {
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

  async function historyPage(orderId: string, page: number, options: CallOptions) {
    const query = { orderId, page, limit: MAX_LIMIT, full: 1 as const };
    const url = `${apiBase}/orderHistories?orderId=${encodeURIComponent(orderId)}&page=${page}&limit=${MAX_LIMIT}&full=1`;
    const result = await api.GET('/orderHistories', {
      params: { query },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const body = unwrap(result, { method: 'GET', url });
    return parseBody(OrderHistoryCollectionSchema, body, {
      method: 'GET',
      url,
      status: result.response.status,
    });
  }

  async function history(
    idOrResourcePath: string,
    options: CallOptions = {},
    fromPage = 0,
  ): Promise<OrderHistoryEntry[]> {
    const orderId = resourceId(idOrResourcePath, 'orders', 'orderId', shop);
    const entries: OrderHistoryEntry[] = [];
    for (let page = fromPage; ; page++) {
      let collection: Awaited<ReturnType<typeof historyPage>>;
      try {
        collection = await historyPage(orderId, page, options);
      } catch (error) {
        if (error instanceof ValidationError && error.innerCode === 40008) return entries;
        throw error;
      }
      for (const item of collection.items)
        if (isFullItem<OrderHistoryEntry>(item as OrderHistoryEntry)) entries.push(item as OrderHistoryEntry);
      if (!collection.next || collection.items.length === 0) return entries;
    }
  }

  async function histories(
    orderIds: readonly string[],
    options: CallOptions = {},
  ): Promise<Map<string, OrderHistoryEntry[]>> {
    const ids = [...new Set(orderIds.map((id) => resourceId(id, 'orders', 'orderIds[]', shop)))];
    const out = new Map<string, OrderHistoryEntry[]>();
    if (ids.length === 0) return out;
    const results = await batch(
      ids.map((id) => ({
        method: 'GET' as const,
        uri: `orderHistories?orderId=${encodeURIComponent(id)}&page=0&limit=${MAX_LIMIT}&full=1`,
      })),
      options.signal ? { signal: options.signal } : {},
    );
    for (const result of results) {
      const id = ids[result.index] as string;
      if (!result.ok) {
        // 40008 on page 0: the order has no history entries.
        if (result.error instanceof ValidationError && result.error.innerCode === 40008) {
          out.set(id, []);
          continue;
        }
        throw (
          result.error ??
          new ShopRenterApiError('unexpected_response', `history of order ${id}: no answer`, {
            status: result.status,
            innerCode: undefined,
            method: 'GET',
            url: result.uri,
            requestBodyExcerpt: undefined,
            serverMessage: undefined,
          })
        );
      }
      const collection = parseBody(OrderHistoryCollectionSchema, result.body, {
        method: 'GET',
        url: result.uri,
        status: result.status,
      });
      const entries = collection.items.filter((item) =>
        isFullItem<OrderHistoryEntry>(item as OrderHistoryEntry),
      ) as OrderHistoryEntry[];
      if (collection.next) entries.push(...(await history(id, options, 1)));
      out.set(id, entries);
    }
    return out;
  }

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
    history: (orderId, options) => history(orderId, options),
    histories,
  };
}

import { isFullItem } from '@srhooks/contracts/schemas/order-search';
import { ShopRenterApiError, ValidationError } from '../errors.js';
import { parseBody, type SafeParser, unwrap } from '../http/api-call.js';
import type { BatchFunction } from './batch.js';
import type { CallOptions, ResourceContext } from './context.js';
import { resourceId } from './resource-id.js';

/** The API's largest page (FACTS.md §6). */
export const MAX_LIMIT = 200;

/** The collections an order links to by `?orderId=` that the client reads: status history, products. */
export type OrderListPath = '/orderHistories' | '/orderProducts';

/** A collection page as the contracts' `collection(...)` schemas read it. */
export type OrderListPage<T> = { next?: { href: string } | null; items: (T | { href: string })[] };

export interface OrderList<T> {
  /** Every item of one order's list, every page from `fromPage` (default 0). */
  all(idOrResourcePath: string, options?: CallOptions, fromPage?: number): Promise<T[]>;
  /**
   * The lists of many orders in `POST /batch` calls of up to 200 inner requests each (one request of
   * the rate limit per call); a list longer than one page is completed by direct calls.
   */
  many(orderIds: readonly string[], options?: CallOptions): Promise<Map<string, T[]>>;
}

/**
 * `GET <path>?orderId=<id>&page=…&limit=200&full=1`, every page, as `histories`/`history` always read
 * `/orderHistories`: a page past the last (40008) ends the list (page 0: the order has none), any other
 * error is thrown as the client's typed error (retries and the rate limit are the client's middleware's).
 */
export function orderList<T extends { id: string }>(
  { api, apiBase, shop }: ResourceContext,
  batch: BatchFunction,
  path: OrderListPath,
  schema: SafeParser<OrderListPage<T>>,
  /** What one list is, in an error: `history`, `products`. */
  what: string,
): OrderList<T> {
  const uri = (orderId: string, page: number) =>
    `${path.slice(1)}?orderId=${encodeURIComponent(orderId)}&page=${page}&limit=${MAX_LIMIT}&full=1`;

  async function page(orderId: string, n: number, options: CallOptions): Promise<OrderListPage<T>> {
    const query = { orderId, page: n, limit: MAX_LIMIT, full: 1 as const };
    const url = `${apiBase}/${uri(orderId, n)}`;
    const result = await (api.GET as (p: OrderListPath, init: object) => ReturnType<typeof api.GET>)(path, {
      params: { query },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const body = unwrap(result, { method: 'GET', url });
    return parseBody(schema, body, { method: 'GET', url, status: result.response.status });
  }

  const fullItems = (collection: OrderListPage<T>): T[] =>
    collection.items.filter((item) => isFullItem<T>(item as T)) as T[];

  async function all(idOrResourcePath: string, options: CallOptions = {}, fromPage = 0): Promise<T[]> {
    const orderId = resourceId(idOrResourcePath, 'orders', 'orderId', shop);
    const items: T[] = [];
    for (let n = fromPage; ; n++) {
      let collection: OrderListPage<T>;
      try {
        collection = await page(orderId, n, options);
      } catch (error) {
        if (error instanceof ValidationError && error.innerCode === 40008) return items;
        throw error;
      }
      items.push(...fullItems(collection));
      if (!collection.next || collection.items.length === 0) return items;
    }
  }

  async function many(orderIds: readonly string[], options: CallOptions = {}): Promise<Map<string, T[]>> {
    const ids = [...new Set(orderIds.map((id) => resourceId(id, 'orders', 'orderIds[]', shop)))];
    const out = new Map<string, T[]>();
    if (ids.length === 0) return out;
    const results = await batch(
      ids.map((id) => ({ method: 'GET' as const, uri: uri(id, 0) })),
      options.signal ? { signal: options.signal } : {},
    );
    for (const result of results) {
      const id = ids[result.index] as string;
      if (!result.ok) {
        // 40008 on page 0: the order has none.
        if (result.error instanceof ValidationError && result.error.innerCode === 40008) {
          out.set(id, []);
          continue;
        }
        throw (
          result.error ??
          new ShopRenterApiError('unexpected_response', `${what} of order ${id}: no answer`, {
            status: result.status,
            innerCode: undefined,
            method: 'GET',
            url: result.uri,
            requestBodyExcerpt: undefined,
            serverMessage: undefined,
          })
        );
      }
      const collection = parseBody(schema, result.body, {
        method: 'GET',
        url: result.uri,
        status: result.status,
      });
      const items = fullItems(collection);
      if (collection.next) items.push(...(await all(id, options, 1)));
      out.set(id, items);
    }
    return out;
  }

  return { all, many };
}

import { apiErrors } from '../errors.js';

export const DEFAULT_PAGE_LIMIT = 25;
export const MAX_PAGE_LIMIT = 200;
/** The query parameters every collection takes (FACTS.md §3). */
export const PAGE_PARAMETERS = ['page', 'limit', 'full'] as const;

export interface Link {
  href: string;
}

export interface CollectionPage<T> {
  href: string;
  page: string | number;
  /** Only in the numbered frame (`orderHistories`). */
  pageCount?: number;
  limit: string | number;
  first: Link;
  previous: Link | null;
  next: Link | null;
  last: Link;
  items: T[];
}

export interface PageQuery {
  page: number;
  limit: number;
  full: boolean;
}

function integerParam(name: string, raw: unknown, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const text = Array.isArray(raw) ? raw.at(-1) : raw;
  if (typeof text !== 'string' || !/^-?[0-9]+$/.test(text)) {
    throw apiErrors.wrongData(`Wrong data in '${name}': ${JSON.stringify(text)} is not an integer.`);
  }
  return Number(text);
}

/** Reads `page` (from 0), `limit` (default 25, at most 200) and `full` from a query string object. */
export function parsePageQuery(query: Record<string, unknown>): PageQuery {
  const page = integerParam('page', query.page, 0);
  const limit = integerParam('limit', query.limit, DEFAULT_PAGE_LIMIT);
  if (limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw apiErrors.wrongData(
      `Wrong data in 'limit': ${limit} is outside 1..${MAX_PAGE_LIMIT}; ask for at most ${MAX_PAGE_LIMIT} items per page.`,
    );
  }
  const fullRaw = query.full;
  const full = fullRaw === '1' || fullRaw === 'true';
  if (fullRaw !== undefined && !['0', '1', 'true', 'false', ''].includes(String(fullRaw))) {
    throw apiErrors.wrongData(`Wrong data in 'full': ${JSON.stringify(fullRaw)}; use full=0 or full=1.`);
  }
  return { page, limit, full };
}

/**
 * One page of `all` with the documented links. `collectionHref` is the collection URL without a
 * query string. Past the last page (or below 0) → 400/40008.
 */
export function paginate<T, R>(
  all: readonly T[],
  query: PageQuery,
  collectionHref: string,
  render: (item: T) => R,
  /** Search parameters kept in every page link (`&orderId=…`). */
  linkSuffix = '',
  /**
   * How the page frame is written. `strings` (`"page": "0", "limit": "25"`) is what the documented
   * webHooks, orders and newsletterSubscribers collections show; `numbers` (`"page": 0, "pageCount": 13,
   * "limit": 2`) is what the documented orderHistories collection shows (sr-api-docs
   * `fixtures/api/order_history/response/json/get_page.json`, copied to contracts' fixtures); its
   * `pageCount` is the number of pages, 0 for an empty collection (assumed, A48: the example shows 13).
   */
  frame: 'strings' | 'numbers' = 'strings',
): CollectionPage<R> {
  const lastPage = Math.max(0, Math.ceil(all.length / query.limit) - 1);
  if (query.page < 0 || query.page > lastPage) throw apiErrors.pageOutOfRange(lastPage);
  const link = (page: number): Link => ({
    href: `${collectionHref}?page=${page}&limit=${query.limit}${query.full ? '&full=1' : ''}${linkSuffix}`,
  });
  const start = query.page * query.limit;
  return {
    href: link(query.page).href,
    ...(frame === 'numbers'
      ? { page: query.page, pageCount: Math.ceil(all.length / query.limit), limit: query.limit }
      : { page: String(query.page), limit: String(query.limit) }),
    first: link(0),
    previous: query.page > 0 ? link(query.page - 1) : null,
    next: query.page < lastPage ? link(query.page + 1) : null,
    last: link(lastPage),
    items: all.slice(start, start + query.limit).map(render),
  };
}

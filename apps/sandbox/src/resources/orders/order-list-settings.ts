import { SandboxConfigError } from '../../errors.js';
import type { StoredOrder } from '../../state/shop-data.js';

/**
 * In which order `GET /orders` lists a shop's orders, and how many it puts on one page: a sandbox-only
 * setting (`PUT /{shop}/_sandbox/order-list`). ShopRenter does not document the order of `GET /orders`
 * (FACTS.md §6), so a reader of that list (recovery) must be correct under any: tests switch between
 * these. Default: by inner id, oldest first, as the sandbox always listed them.
 * - `innerId`: by inner id, ascending;
 * - `dateUpdatedAsc` / `dateUpdatedDesc`: by `dateUpdated` (to the second, as the API shows it), ties by
 *   inner id — an order that changes moves in the list;
 * - `random`: a shuffle fixed by `seed` (the same from request to request until the setting changes, as
 *   an unordered database read may be), not by inner id or time.
 * `maxPageSize`: a page holds at most this many orders whatever `limit` asks (the page's `limit` and its
 * links say so); lets a test page through a few orders as through thousands. `null`: as asked.
 */
export const ORDER_LIST_SORTS = ['innerId', 'dateUpdatedAsc', 'dateUpdatedDesc', 'random'] as const;
export type OrderListSort = (typeof ORDER_LIST_SORTS)[number];

export interface OrderListSettings {
  sort: OrderListSort;
  /** The `random` shuffle's seed. */
  seed: number;
  maxPageSize: number | null;
}

export function defaultOrderListSettings(): OrderListSettings {
  return { sort: 'innerId', seed: 1, maxPageSize: null };
}

/** Checks a setting from outside (admin route, tests); throws with what to fix. Missing keys: defaults. */
export function parseOrderListSettings(input: unknown): OrderListSettings {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new SandboxConfigError(
      'bad_order_list',
      'The order-list setting must be a JSON object such as {"sort":"dateUpdatedDesc"}.',
    );
  }
  const raw = input as Record<string, unknown>;
  const known = ['sort', 'seed', 'maxPageSize'];
  const unknown = Object.keys(raw).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    throw new SandboxConfigError(
      'bad_order_list',
      `Unknown order-list setting(s) ${unknown.join(', ')}; known: ${known.join(', ')}.`,
    );
  }
  const settings = defaultOrderListSettings();
  if (raw.sort !== undefined) {
    if (!ORDER_LIST_SORTS.includes(raw.sort as OrderListSort)) {
      throw new SandboxConfigError(
        'bad_order_list',
        `sort ${JSON.stringify(raw.sort)} is not one of ${ORDER_LIST_SORTS.join(', ')}.`,
      );
    }
    settings.sort = raw.sort as OrderListSort;
  }
  if (raw.seed !== undefined) {
    if (typeof raw.seed !== 'number' || !Number.isSafeInteger(raw.seed)) {
      throw new SandboxConfigError('bad_order_list', 'seed must be a whole number.');
    }
    settings.seed = raw.seed;
  }
  if (raw.maxPageSize !== undefined && raw.maxPageSize !== null) {
    const size = raw.maxPageSize;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > 200) {
      throw new SandboxConfigError(
        'bad_order_list',
        'maxPageSize must be a whole number from 1 to 200 (or null: as many as `limit` asks).',
      );
    }
    settings.maxPageSize = size;
  }
  return settings;
}

/** Seconds precision: the API shows times to the second. */
function second(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}

/** A 32-bit mix of seed and inner id (splitmix-style): the `random` sort's key. */
function shuffleKey(seed: number, innerId: number): number {
  let x = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(innerId | 0, 0x85ebca6b)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** The orders in the setting's list order (a new array). */
export function sortOrders(orders: readonly StoredOrder[], settings: OrderListSettings): StoredOrder[] {
  const id = (order: StoredOrder) => Number(order.item.innerId);
  const byId = (a: StoredOrder, b: StoredOrder) => id(a) - id(b);
  const sorted = [...orders];
  switch (settings.sort) {
    case 'innerId':
      return sorted.sort(byId);
    case 'dateUpdatedAsc':
      return sorted.sort((a, b) => second(a.updatedAt) - second(b.updatedAt) || byId(a, b));
    case 'dateUpdatedDesc':
      return sorted.sort((a, b) => second(b.updatedAt) - second(a.updatedAt) || byId(a, b));
    case 'random':
      return sorted.sort(
        (a, b) => shuffleKey(settings.seed, id(a)) - shuffleKey(settings.seed, id(b)) || byId(a, b),
      );
  }
}

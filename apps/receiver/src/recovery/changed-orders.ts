/**
 * Which orders changed from a time on, read so that the answer does not depend on the order
 * `GET /orders` lists them in — ShopRenter documents none (FACTS.md §6). Paging through one search
 * trusted the list to hold still: listed by `dateUpdated`, an order that changes while the pages are
 * read moves to the other end, the page boundary shifts, and an order never delivered is skipped.
 *
 * So every read is ONE page, bounded on both sides by the documented `updatedAtMin` / `updatedAtMax`
 * (shop wall-clock times to the second, both inclusive):
 * 0. `updatedAtMin=<from>` alone: when one page holds the answer, that is every order changed since
 *    (one answer cannot skip one, whatever the sort), and the read is done — most passes, one request.
 * 1. Else windows from `from` to the pass's start (its wall time at or before every later instant,
 *    `shopApiDateTimeFloor`): a window whose answer is not the whole of it (a next page, or a full page)
 *    is split in halves and each half read again. One page is one answer: what it holds is complete for
 *    its window, whatever the sort. An order changed while the pass reads gets a time after the pass's
 *    start and falls out of every window — possibly out of one not read yet. Hence:
 * 2. The tail: `updatedAtMin=<the pass's start>`, no upper bound. When one page holds it, that page is
 *    every order changed since (an order changed before the pass and again during it among them). When
 *    it does not, the windows up to now are read as in 1, and the tail again from there: each round
 *    covers the time the last one took; after {@link MAX_TAIL_ROUNDS} rounds the rest up to now is paged (what changes
 *    after that is the next pass's).
 * A window of one second that one page cannot hold (more than 200 orders changed within it) cannot be
 * split: it is read page by page, as the shop lists it, with a warn line (`recovery_orders_paged`) —
 * the one case where an order changed while those pages are read may be missed by this pass.
 *
 * Times are the shop's wall clock (assumed Europe/Budapest, compared as the shop compares its zone-less
 * times, contracts' shop-time.ts): windows are split in wall-clock seconds, and the bounds between the
 * windows and the tail are floors (`shopApiDateTimeFloor`), so that in the hour before the clock is
 * turned back nothing changed after the pass's start has a wall time below the tail's bound.
 */
import { type OrderSearchPage, type ShopRenterClient, ValidationError } from '@srhooks/client';
import { type Order, shopApiDateTime, shopApiDateTimeFloor } from '@srhooks/contracts';

/** The API's largest page (FACTS.md §6). */
export const ORDER_PAGE_LIMIT = 200;

/** Tail rounds before the rest is paged (orders changing faster than a pass reads them). */
export const MAX_TAIL_ROUNDS = 5;

export interface ChangedOrdersDeps {
  client: ShopRenterClient;
  shop: string;
  now: () => Date;
  signal?: AbortSignal;
  /** The warn line when a window is paged (no personal data: the shop, the bounds, why). */
  warn?: (details: Record<string, unknown>, message: string) => void;
}

export interface ChangedOrdersCount {
  /** `GET /orders` requests sent. */
  searches: number;
}

interface Bounds {
  updatedAtMin: string;
  updatedAtMax?: string;
}

const WALL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;

/** A wall-clock time (API form) as seconds on a zone-less scale: for splitting and comparing only. */
export function wallSeconds(text: string): number {
  const match = WALL.exec(text);
  if (!match) throw new Error(`not a shop time (YYYY-MM-DDTHH:MM:SS): ${text}`);
  const [, y, mo, d, h, mi, s] = match.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
}

/** The wall-clock time (API form) of {@link wallSeconds}' scale. */
export function wallText(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19);
}

/**
 * Every order changed from `from` (shop wall time, API form) to the end of the read, each window's
 * orders as one array (an order changed during the read may come twice: its old and its new state).
 */
export async function* changedOrders(
  deps: ChangedOrdersDeps,
  from: string,
  until: Date,
  count: ChangedOrdersCount,
): AsyncGenerator<Order[], void, undefined> {
  const call = deps.signal ? { signal: deps.signal } : {};

  async function read(bounds: Bounds): Promise<OrderSearchPage> {
    count.searches += 1;
    try {
      return await deps.client.orders.search({ ...bounds, page: 0, limit: ORDER_PAGE_LIMIT }, call);
    } catch (error) {
      // 40008 on page 0: nothing matches.
      if (error instanceof ValidationError && error.innerCode === 40008)
        return { page: 0, items: [], hasNext: false };
      throw error;
    }
  }

  async function* paged(bounds: Bounds, why: string): AsyncGenerator<Order[]> {
    deps.warn?.(
      { code: 'recovery_orders_paged', recovery: { shop: deps.shop, ...bounds } },
      `${why}: read page by page, as the shop lists them; ShopRenter documents no order for GET /orders, so an order changed while these pages are read may be missed by this pass (the next pass reads it if it changed again)`,
    );
    for await (const page of deps.client.orders.iterateSearch({ ...bounds, limit: ORDER_PAGE_LIMIT }, call)) {
      count.searches += 1;
      if (page.items.length > 0) yield page.items;
    }
  }

  /** Wall seconds `min` to `max`, both included, in windows one page holds; oldest first. */
  async function* windows(min: number, max: number): AsyncGenerator<Order[]> {
    const todo: [number, number][] = [[min, max]];
    for (let next = todo.pop(); next; next = todo.pop()) {
      const [low, high] = next;
      const bounds = { updatedAtMin: wallText(low), updatedAtMax: wallText(high) };
      const page = await read(bounds);
      if (!isPartial(page)) {
        if (page.items.length > 0) yield page.items;
      } else if (low === high) {
        yield* paged(
          bounds,
          `more than one page of orders changed within one second (${bounds.updatedAtMin})`,
        );
      } else {
        const middle = Math.floor((low + high) / 2);
        todo.push([middle + 1, high], [low, middle]);
      }
    }
  }

  const passStart = wallSeconds(shopApiDateTimeFloor(until));
  // Below `from` when that lies after the pass's start's floor (the hour before the clock is turned back).
  let low = Math.min(wallSeconds(from), passStart);
  for (let round = 0; ; round++) {
    // Everything changed from `low` on, in one answer when one page holds it (most passes: one request).
    const page = await read({ updatedAtMin: wallText(low) });
    if (!isPartial(page)) {
      if (page.items.length > 0) yield page.items;
      return;
    }
    if (round > MAX_TAIL_ROUNDS) {
      // Up to now only: a list that keeps growing while it is paged would never end.
      yield* paged(
        { updatedAtMin: wallText(low), updatedAtMax: wallText(wallCeiling(deps.now())) },
        `orders kept changing faster than this pass could read them (${round} round(s) after the pass's start)`,
      );
      return;
    }
    // Round 0: windows up to the pass's start, then the tail from there. Later rounds: windows up to
    // every wall time already passed (the hour after the clock is turned back: an hour ahead), then the
    // tail from the wall time at or before every later instant.
    const now = round === 0 ? until : deps.now();
    const high = round === 0 ? passStart : wallCeiling(now);
    yield* windows(low, Math.max(low, high));
    low = round === 0 ? passStart : Math.max(low, wallSeconds(shopApiDateTimeFloor(now)));
  }
}

/**
 * A wall time (seconds) at or after the wall-clock time of every instant up to `date`: in the hour after
 * the clock is turned back, the summer times just before the change read up to an hour later.
 */
function wallCeiling(date: Date): number {
  const at = wallSeconds(shopApiDateTime(date));
  const hourBefore = wallSeconds(shopApiDateTime(new Date(date.getTime() - 3_600_000)));
  return Math.max(at, hourBefore + 3600);
}

/** Whether an answer is only part of its search: a next page, or a page as full as asked. */
function isPartial(page: OrderSearchPage): boolean {
  return page.hasNext || page.items.length >= ORDER_PAGE_LIMIT;
}

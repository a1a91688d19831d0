/**
 * One recovery pass for one shop (FACTS.md §6): read what changed in the shop since the window's start,
 * derive the events the shop would have sent, and store the ones the receiver does not have.
 *
 * 0. The shop's clock (shop-clock.ts): the window is the receiver's time, the shop stamps and searches by
 *    its own; the reads and the events' times are compared with the window moved back by the shop's lag
 *    (the `Date` header of its answers), and a clock set back while the pass read is reported.
 * 1. Orders: `GET /orders?updatedAtMin=…&updatedAtMax=…&full=1&limit=200` in windows one page holds,
 *    then what changed since the pass began (changed-orders.ts: correct whatever order the shop lists
 *    them in); per 200 orders read one `POST /batch` with every order's `/orderHistories?orderId=`
 *    (contracts' `recoverOrderEvents` turns order and history into `order_confirm` / `abandoned_cart` /
 *    `order_status_change` in delivery shape, with the real delivery's dedupe key); for the orders whose
 *    events will be stored (step 3), one more `POST /batch` with each one's `/orderProducts?orderId=`,
 *    and each currency they link to once per pass (order-links.ts), so that the stored order carries
 *    its products and currency code as the delivery does. Every call goes through the
 *    shop's client, so through the process's one 3 requests/second window for that shop.
 * 2. Newsletter subscribers (only when `newsletter_subscribe` is wanted): `GET /newsletterSubscribers`
 *    with `status=1` and `subscribedAt=<day>` for each shop-local day of the window. Unsubscribes and
 *    updates cannot be recovered (no history, no "updated since" filter).
 * Delayed subscriptions (`webHookDelay`): the shop sends such an event its delay after the event's time
 * (contracts' assumptions [A10], [A41]), so the window applies to that due time, not the event's: an
 * event not due by the window's end is left for a later pass (listed as `not_due`, never stored), and
 * the reads reach back by the delay so that a pass after it is due still finds it.
 * 3. Per 200 orders (or subscriber day) and event: the dedupe keys the store already has are left out (the delivery arrived, or an
 *    earlier pass stored them; for `newsletter_subscribe`, any subscribe event of the same subscriber); the rest is ingested as one record with `source: "recovery"` — same
 *    transaction, jobs and handlers as a delivery. A real delivery arriving meanwhile is recorded as the
 *    duplicate of the recovered event, or the other way round: never handled twice. A failed products
 *    read fails the pass before any of those 200 orders is stored (never an order without its products).
 * A dry run reads and derives the same and stores nothing.
 */
import type { ShopRenterClient } from '@srhooks/client';
import {
  type Order,
  type OrderHistoryEntry,
  parseShopDateTime,
  recoverOrderEvents,
  recoverSubscriberEvents,
  shopApiDateTimeFloor,
  shopDateTime,
  type WebhookEvent,
} from '@srhooks/contracts';
import type { NewEvent, Store } from '../store/store.js';
import { changedOrders, ORDER_PAGE_LIMIT } from './changed-orders.js';
import { orderLinks } from './order-links.js';
import { recoveredDelivery } from './recovered-delivery.js';
import { shopClockLag, shopClockSetBack } from './shop-clock.js';

export interface RecoveredEventLine {
  event: WebhookEvent;
  /** Order inner id or subscriber id. */
  subjectId: string;
  dedupeKey: string;
  /**
   * `new`: stored now (or, in a dry run, would be); `known`: the store already had it; `not_due`: its
   * subscription's delay has not passed, the shop has not sent it yet: a later pass stores it if the
   * delivery does not come.
   */
  outcome: 'new' | 'known' | 'not_due';
  /** `not_due` only: when the shop sends it (ISO 8601). */
  dueAt?: string;
}

export interface RecoveryReport {
  shop: string;
  dryRun: boolean;
  since: Date;
  until: Date;
  /** Orders read (each once, however often the pass read it). */
  ordersRead: number;
  /** `GET /orders` requests sent (one per window, see changed-orders.ts; one more to read the shop's clock). */
  orderSearches: number;
  /**
   * How far the shop's clock is behind this receiver's, in ms (shop-clock.ts; 0: within 2 s, or ahead).
   * `since`, `until` and `notBefore` are the receiver's times; the reads and the events' times are
   * compared with them moved back by this much. The report keeps them as given.
   */
  shopClockBehindMs: number;
  /**
   * How much further behind the shop's clock was at the pass's last answer than the pass assumed (ms;
   * 0: within 2 s). Set back while the pass read, the shop may stamp what changes next with times the
   * pass already read past: the service then keeps the previous watermark (shop-clock.ts).
   */
  shopClockSetBackMs: number;
  subscribersRead: number;
  /** New events per event name (stored, or in a dry run: would be stored). */
  recovered: Record<string, number>;
  alreadyStored: number;
  /** Events whose delayed delivery is not due yet (not stored; a later pass looks again). */
  notDue: number;
  /** The derived events, at most {@link MAX_REPORTED_EVENTS} (the counts above cover all). */
  events: RecoveredEventLine[];
}

export const MAX_REPORTED_EVENTS = 1000;

export interface RecoveryPassDeps {
  store: Store;
  client: ShopRenterClient;
  /**
   * Events the shop is subscribed to (only these are derived), each with its subscription's delay in
   * ms (0: sent at once; several subscriptions of one event: the shortest).
   */
  wanted: ReadonlyMap<WebhookEvent, number>;
  /** Handlers that get a job for a new event (as for a delivery). */
  handlersFor: (event: WebhookEvent) => readonly string[];
  /** Called after each stored record with the new events' count. */
  onRecovered?: (event: WebhookEvent, count: number) => void;
  now?: () => Date;
  /** Aborts the pass (shutdown): every API call, and nothing more is stored once it fired. */
  signal?: AbortSignal;
  /** Warn lines of the read (a window read page by page); never personal data. */
  logger?: { warn(details: Record<string, unknown>, message: string): void };
}

export interface RecoveryPassRequest {
  shop: string;
  since: Date;
  until: Date;
  dryRun: boolean;
  /** Nothing that happened before this is recovered, whatever its delay (an installed shop's install). */
  notBefore?: Date | null;
}

interface Derived {
  event: WebhookEvent;
  item: NewEvent;
}

const ORDER_EVENTS_WANTED: readonly WebhookEvent[] = [
  'order_confirm',
  'order_status_change',
  'abandoned_cart',
];

export async function runRecoveryPass(
  deps: RecoveryPassDeps,
  request: RecoveryPassRequest,
): Promise<RecoveryReport> {
  const { store, client, wanted, signal } = deps;
  const events: ReadonlySet<WebhookEvent> = new Set(wanted.keys());
  const call = signal ? { signal } : {};
  const now = deps.now ?? (() => new Date());
  const orderEvents = ORDER_EVENTS_WANTED.filter((event) => wanted.has(event));
  const clock = await shopClockLag(
    client,
    { orders: orderEvents.length > 0, subscribers: wanted.has('newsletter_subscribe') },
    () => now().getTime(),
    signal,
  );
  const lag = clock.behindMs;
  /** The window on the shop's clock: what its reads are bounded by and its event times compared with. */
  const onShopClock = (time: Date): Date => new Date(time.getTime() - lag);
  const shopWindow: RecoveryPassRequest = {
    ...request,
    since: onShopClock(request.since),
    until: onShopClock(request.until),
    notBefore: request.notBefore ? onShopClock(request.notBefore) : null,
  };
  const shopNow = (): Date => onShopClock(now());
  const report: RecoveryReport = {
    shop: request.shop,
    dryRun: request.dryRun,
    since: request.since,
    until: request.until,
    ordersRead: 0,
    orderSearches: clock.probe === 'orders' ? 1 : 0,
    shopClockBehindMs: lag,
    shopClockSetBackMs: 0,
    subscribersRead: 0,
    recovered: {},
    alreadyStored: 0,
    notDue: 0,
    events: [],
  };
  const notDueKeys = new Set<string>();
  /** `event key` of every event this pass already counted (an order read again after it changed). */
  const counted = new Set<string>();

  /** Whether a derived event is stored now, left for a later pass (not due), or not this window's. */
  function sort(event: WebhookEvent, at: unknown, item: NewEvent, due: Derived[]): void {
    const timing = deliveryTiming(at, wanted.get(event) ?? 0, shopWindow);
    if (timing === 'due') due.push({ event, item });
    else if (timing !== 'outside' && !notDueKeys.has(`${event} ${item.dedupeKey}`)) {
      notDueKeys.add(`${event} ${item.dedupeKey}`);
      report.notDue += 1;
      if (report.events.length < MAX_REPORTED_EVENTS)
        report.events.push({
          event,
          subjectId: item.subjectId ?? '',
          dedupeKey: item.dedupeKey,
          outcome: 'not_due',
          // When this machine's clock says it is due.
          dueAt: new Date(timing.getTime() + lag).toISOString(),
        });
    }
  }

  /**
   * Stores the derived events the store does not have (or, in a dry run, counts them). `complete` is
   * called first with those events, and gives each its final payload (an order's products); when it
   * throws, nothing of these is stored and the pass fails. Not called in a dry run.
   */
  async function keep(
    derived: readonly Derived[],
    complete?: (fresh: readonly Derived[]) => Promise<void>,
  ): Promise<void> {
    const byEvent = new Map<WebhookEvent, NewEvent[]>();
    for (const { event, item } of derived) {
      // The same key twice in one pass (an order that changed while the pass read is read again, in what
      // changed since the pass began) is one event, counted and listed once.
      if (counted.has(`${event} ${item.dedupeKey}`)) continue;
      counted.add(`${event} ${item.dedupeKey}`);
      const list = byEvent.get(event) ?? [];
      list.push(item);
      byEvent.set(event, list);
    }
    const plans: { event: WebhookEvent; items: NewEvent[]; known: Set<string>; fresh: NewEvent[] }[] = [];
    for (const [event, items] of byEvent) {
      const known = new Set(
        await store.knownDedupeKeys(
          request.shop,
          event,
          items.map((i) => i.dedupeKey),
        ),
      );
      plans.push({ event, items, known, fresh: items.filter((item) => !known.has(item.dedupeKey)) });
    }
    const fresh = plans.flatMap(({ event, fresh }) => fresh.map((item) => ({ event, item })));
    // A dry run stores nothing, so it reads nothing the stored payload alone needs (products, currency):
    // it costs the shop's API only the reads that decide what would be recovered.
    if (complete && fresh.length > 0 && !request.dryRun) {
      await complete(fresh);
      signal?.throwIfAborted();
    }
    for (const { event, items, known, fresh } of plans) {
      report.alreadyStored += items.length - fresh.length;
      let stored = fresh.length;
      if (!request.dryRun && fresh.length > 0) {
        const result = await store.ingest(recoveredDelivery(request.shop, event, fresh, now()), fresh, [
          ...deps.handlersFor(event),
        ]);
        stored = result.events.length - result.duplicates;
        report.alreadyStored += result.duplicates;
        deps.onRecovered?.(event, stored);
      }
      report.recovered[event] = (report.recovered[event] ?? 0) + stored;
      for (const item of items) {
        if (report.events.length >= MAX_REPORTED_EVENTS) break;
        report.events.push({
          event,
          subjectId: item.subjectId ?? '',
          dedupeKey: item.dedupeKey,
          outcome: known.has(item.dedupeKey) ? 'known' : 'new',
        });
      }
    }
  }

  if (orderEvents.length > 0) {
    const from = readFrom(shopWindow, Math.max(...orderEvents.map((event) => wanted.get(event) ?? 0)));
    const links = orderLinks({
      client,
      shop: request.shop,
      events,
      ...(signal ? { signal } : {}),
      ...(deps.logger ? { logger: deps.logger } : {}),
    });
    /** Orders read and not derived yet, by id (one read again later: its newer state). */
    const pending = new Map<string, Order>();
    /** Derives and keeps the first 200 pending orders. */
    const derive = async (): Promise<void> => {
      const orders = [...pending.values()].slice(0, ORDER_PAGE_LIMIT);
      for (const order of orders) pending.delete(order.id);
      if (orders.length === 0) return;
      const histories: Map<string, OrderHistoryEntry[]> = await client.orders.histories(
        orders.map((o) => o.id),
        call,
      );
      const derived: Derived[] = [];
      // An order changed within the window may have begun long before it: its confirmation and
      // earlier status changes are not events of this window (after retention pruned them they
      // would be handled a second time).
      for (const order of orders)
        for (const found of recoverOrderEvents(request.shop, order, histories.get(order.id), events))
          sort(
            found.event,
            found.at,
            { dedupeKey: found.dedupeKey, subjectId: found.subjectId, payload: found.item },
            derived,
          );
      signal?.throwIfAborted();
      // The orders whose events will be stored get their products and currency code, as the delivery
      // carries them (order-links.ts); a failed read fails the pass before any of them is stored.
      await keep(derived, (fresh) => links.complete(orders, histories, fresh));
    };
    const count = { searches: 0 };
    /** Every order read, by id: one read twice (changed while the pass read) is one order read. */
    const read = new Set<string>();
    try {
      for await (const orders of changedOrders(
        {
          client,
          shop: request.shop,
          now: shopNow,
          ...(signal ? { signal } : {}),
          ...(deps.logger ? { warn: (details, message) => deps.logger?.warn(details, message) } : {}),
        },
        // The wall time the shop compares with: in the hour before the clock is turned back, an hour less.
        shopApiDateTimeFloor(from),
        shopWindow.until,
        count,
      )) {
        for (const order of orders) {
          pending.set(order.id, order);
          read.add(order.id);
        }
        report.ordersRead = read.size;
        // One batch of histories per 200 orders, however small the windows were.
        while (pending.size >= ORDER_PAGE_LIMIT) await derive();
      }
      while (pending.size > 0) await derive();
    } finally {
      report.orderSearches += count.searches;
    }
  }

  if (wanted.has('newsletter_subscribe')) {
    const from = readFrom(shopWindow, wanted.get('newsletter_subscribe') ?? 0);
    for (const day of shopDays(from, shopWindow.until)) {
      const subscribers = await client.newsletterSubscribers.all({ status: 1, subscribedAt: day }, call);
      report.subscribersRead += subscribers.length;
      const derived: Derived[] = [];
      for (const subscriber of subscribers)
        for (const found of recoverSubscriberEvents(request.shop, subscriber, events))
          sort(
            found.event,
            found.item.subscribe_date,
            { dedupeKey: found.dedupeKey, subjectId: found.subjectId, payload: found.item },
            derived,
          );
      signal?.throwIfAborted();
      await keep(derived);
    }
  }
  report.shopClockSetBackMs = shopClockSetBack(client, lag);
  return report;
}

/**
 * Where an event with this shop-local time (`orderHistory.dateAdded`, `dateCreated`, `subscribe_date`)
 * and its subscription's delay stands: its delivery was due within the window (`due`: stored), is due
 * after its end (a delayed one: that time, left for a later pass), or was due before its start or happened before
 * `notBefore` (`outside`: an earlier pass's). The shop's times have whole seconds. Without a time it
 * may be due within the window: kept. A time in the hour the clock is turned back (02:00–03:00 twice)
 * is `outside` only when its later reading is (else the second 02:30 would be dropped as the first),
 * and due by its earlier one.
 */
function deliveryTiming(
  shopTime: unknown,
  delayMs: number,
  request: RecoveryPassRequest,
): 'due' | 'outside' | Date {
  const at = typeof shopTime === 'string' ? parseShopDateTime(shopTime) : undefined;
  const latest = typeof shopTime === 'string' ? parseShopDateTime(shopTime, 'later') : undefined;
  if (at === undefined || latest === undefined) return 'due';
  if (request.notBefore && latest.getTime() < request.notBefore.getTime() - 1000) return 'outside';
  if (latest.getTime() + delayMs < request.since.getTime() - 1000) return 'outside';
  const due = at.getTime() + delayMs;
  // Without a delay the shop sent it at once: one that happened after the pass began (or on a shop clock
  // a little ahead) is stored as before, never held back.
  return delayMs > 0 && due > request.until.getTime() ? new Date(due) : 'due';
}

/**
 * Where the reads start: the window's start less the longest delay (an event that happened that long
 * before it is due within the window), never before `notBefore`.
 */
function readFrom(request: RecoveryPassRequest, delayMs: number): Date {
  const from = request.since.getTime() - delayMs;
  return new Date(Math.max(from, request.notBefore?.getTime() ?? from));
}

/**
 * Shop-local days (`YYYY-MM-DD`) from `since` to `until`, both included: calendar days, counted on the
 * calendar (stepping 24 hours from `since` stepped over the 23-hour day the clock is turned forward
 * when the window began late in the evening before it, and that day's subscribers were never read).
 */
export function shopDays(since: Date, until: Date): string[] {
  const first = shopDateTime(since).slice(0, 10);
  const last = shopDateTime(until).slice(0, 10);
  const days: string[] = [];
  const [y, m, d] = first.split('-').map(Number) as [number, number, number];
  for (let i = 0; ; i++) {
    const day = new Date(Date.UTC(y, m - 1, d + i)).toISOString().slice(0, 10);
    if (day > last) return days;
    days.push(day);
  }
}

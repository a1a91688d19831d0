/**
 * One recovery pass for one shop (FACTS.md §6): read what changed in the shop since the window's start,
 * derive the events the shop would have sent, and store the ones the receiver does not have.
 *
 * 1. Orders: `GET /orders?updatedAtMin=…&full=1&limit=200`, page after page; per page one `POST /batch`
 *    with every order's `/orderHistories?orderId=` (contracts' `recoverOrderEvents` turns order and
 *    history into `order_confirm` / `abandoned_cart` / `order_status_change` in delivery shape, with the
 *    real delivery's dedupe key). Every call goes through the shop's client, so through the process's
 *    one 3 requests/second window for that shop.
 * 2. Newsletter subscribers (only when `newsletter_subscribe` is wanted): `GET /newsletterSubscribers`
 *    with `status=1` and `subscribedAt=<day>` for each shop-local day of the window. Unsubscribes and
 *    updates cannot be recovered (no history, no "updated since" filter).
 * 3. Per page and event: the dedupe keys the store already has are left out (the delivery arrived, or an
 *    earlier pass stored them; for `newsletter_subscribe`, any subscribe event of the same subscriber); the rest is ingested as one record with `source: "recovery"` — same
 *    transaction, jobs and handlers as a delivery. A real delivery arriving meanwhile is recorded as the
 *    duplicate of the recovered event, or the other way round: never handled twice.
 * A dry run reads and derives the same and stores nothing.
 */
import type { ShopRenterClient } from '@srhooks/client';
import {
  type OrderHistoryEntry,
  parseShopDateTime,
  recoverOrderEvents,
  recoverSubscriberEvents,
  shopApiDateTime,
  shopDateTime,
  subscriberItemFromApi,
  type WebhookEvent,
} from '@srhooks/contracts';
import type { NewEvent, Store } from '../store/store.js';
import { recoveredDelivery } from './recovered-delivery.js';

export interface RecoveredEventLine {
  event: WebhookEvent;
  /** Order inner id or subscriber id. */
  subjectId: string;
  dedupeKey: string;
  /** `new`: stored now (or, in a dry run, would be); `known`: the store already had it. */
  outcome: 'new' | 'known';
}

export interface RecoveryReport {
  shop: string;
  dryRun: boolean;
  since: Date;
  until: Date;
  ordersRead: number;
  subscribersRead: number;
  /** New events per event name (stored, or in a dry run: would be stored). */
  recovered: Record<string, number>;
  alreadyStored: number;
  /** The derived events, at most {@link MAX_REPORTED_EVENTS} (the counts above cover all). */
  events: RecoveredEventLine[];
}

export const MAX_REPORTED_EVENTS = 1000;

export interface RecoveryPassDeps {
  store: Store;
  client: ShopRenterClient;
  /** Events the shop is subscribed to: only these are derived. */
  wanted: ReadonlySet<WebhookEvent>;
  /** Handlers that get a job for a new event (as for a delivery). */
  handlersFor: (event: WebhookEvent) => readonly string[];
  /** Called after each stored record with the new events' count. */
  onRecovered?: (event: WebhookEvent, count: number) => void;
  now?: () => Date;
  /** Aborts the pass (shutdown): every API call, and nothing more is stored once it fired. */
  signal?: AbortSignal;
}

export interface RecoveryPassRequest {
  shop: string;
  since: Date;
  until: Date;
  dryRun: boolean;
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
  const call = signal ? { signal } : {};
  const now = deps.now ?? (() => new Date());
  const report: RecoveryReport = {
    shop: request.shop,
    dryRun: request.dryRun,
    since: request.since,
    until: request.until,
    ordersRead: 0,
    subscribersRead: 0,
    recovered: {},
    alreadyStored: 0,
    events: [],
  };

  async function keep(derived: readonly Derived[]): Promise<void> {
    const byEvent = new Map<WebhookEvent, NewEvent[]>();
    for (const { event, item } of derived) {
      const list = byEvent.get(event) ?? [];
      // The same key twice in one page (an order listed twice while paging) is one event.
      if (!list.some((known) => known.dedupeKey === item.dedupeKey)) list.push(item);
      byEvent.set(event, list);
    }
    for (const [event, items] of byEvent) {
      const known = new Set(
        await store.knownDedupeKeys(
          request.shop,
          event,
          items.map((i) => i.dedupeKey),
        ),
      );
      const fresh = items.filter((item) => !known.has(item.dedupeKey));
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

  if (ORDER_EVENTS_WANTED.some((event) => wanted.has(event))) {
    for await (const page of client.orders.iterateSearch(
      { updatedAtMin: shopApiDateTime(request.since), limit: 200 },
      call,
    )) {
      if (page.items.length === 0) break;
      report.ordersRead += page.items.length;
      const histories: Map<string, OrderHistoryEntry[]> = await client.orders.histories(
        page.items.map((o) => o.id),
        call,
      );
      const derived = page.items.flatMap((order) =>
        recoverOrderEvents(request.shop, order, histories.get(order.id), wanted)
          // An order changed within the window may have begun long before it: its confirmation and
          // earlier status changes are not events of this window (after retention pruned them they
          // would be handled a second time).
          .filter((found) => withinWindow(found.item.orderHistory?.dateAdded, request.since))
          .map((found) => ({
            event: found.event,
            item: { dedupeKey: found.dedupeKey, subjectId: found.subjectId, payload: found.item },
          })),
      );
      signal?.throwIfAborted();
      await keep(derived);
    }
  }

  if (wanted.has('newsletter_subscribe')) {
    for (const day of shopDays(request.since, request.until)) {
      const subscribers = await client.newsletterSubscribers.all({ status: 1, subscribedAt: day }, call);
      report.subscribersRead += subscribers.length;
      const derived = subscribers
        .filter((subscriber) =>
          withinWindow(subscriberItemFromApi(subscriber)?.subscribe_date, request.since),
        )
        .flatMap((subscriber) =>
          recoverSubscriberEvents(request.shop, subscriber, wanted).map((found) => ({
            event: found.event as WebhookEvent,
            item: { dedupeKey: found.dedupeKey, subjectId: found.subjectId, payload: found.item },
          })),
        );
      signal?.throwIfAborted();
      await keep(derived);
    }
  }
  return report;
}

/**
 * Whether an event with this shop-local time (`orderHistory.dateAdded`, `subscribe_date`) happened
 * within a window starting at `since` (the shop's times have whole seconds). Without a time it may
 * have: kept.
 */
function withinWindow(shopTime: unknown, since: Date): boolean {
  const at = typeof shopTime === 'string' ? parseShopDateTime(shopTime) : undefined;
  return at === undefined || at.getTime() >= since.getTime() - 1000;
}

/** Shop-local days (`YYYY-MM-DD`) from `since` to `until`, both included. */
export function shopDays(since: Date, until: Date): string[] {
  const days: string[] = [];
  const last = shopDateTime(until).slice(0, 10);
  for (let t = since.getTime(); ; t += 86_400_000) {
    const day = shopDateTime(new Date(Math.min(t, until.getTime()))).slice(0, 10);
    if (days.at(-1) !== day) days.push(day);
    if (day === last || t > until.getTime()) return days;
  }
}

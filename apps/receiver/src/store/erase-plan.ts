/**
 * Personal data erasure (GDPR art. 17): finds the stored events and deliveries that hold one person's
 * data and clears that data from them, in one transaction. Both engines run the same plan (a generator
 * that yields each statement and receives its rows, like prune-plan.ts).
 *
 * Found:
 * - by e-mail address: events whose `email` field (an order's customer, a newsletter subscriber) equals
 *   it, ignoring case and Unicode composition (NFC and NFD alike; found through the search text, which
 *   holds that field folded as `foldForSearch` folds the address, then checked on the payload), and quarantined deliveries whose raw body holds it (as written, JSON-escaped or
 *   URL-encoded; they have no decoded payload to check); then the other events of the orders and
 *   newsletter subscribers so found, and the shop's quarantined deliveries of those (by innerId, by
 *   subscriber id);
 * - by order: the shop's order events of that order innerId (every status change, duplicates included),
 *   and the shop's quarantined order deliveries whose raw body holds that innerId (raw-body-order.ts);
 * - by newsletter subscriber: the shop's newsletter events of that subscriber id, and the shop's
 *   quarantined newsletter deliveries whose raw body holds it (an unsubscribe may carry no address).
 *
 * Erased: the event's payload (`{}`), customer name, search text and verification detail; the raw body
 * (emptied), the request headers other than the protocol's own (personal-data/delivery-header-privacy.ts)
 * and decode failure message and detail (which may quote the body) of each matched delivery — the whole body, so the other
 * orders a multi-order delivery carried lose their raw copy too (their decoded events stay); the jobs'
 * last error and every attempt's error (the target's answers, which may quote the payload). Kept: ids,
 * shop, event, times, dedupe key (a late duplicate is still recognised as one: no job runs for it again;
 * a newsletter event's, or an id-less item's, holds the SHA-256 of the whole item — a random key would let
 * a re-sent copy be stored as new and sent on, and any key a later delivery can be matched against is
 * computed from the item alike: docs/operations.md),
 * order number, totals, job and attempt statuses, counts and the receiver's own error summaries.
 * `erased_at` and `erase_reason` are set on every erased event and delivery.
 *
 * Unfinished (pending or running) jobs of a matched event would send the data on after it was erased:
 * without `includeUnfinished` the plan writes nothing and reports them (`blocked`); with it they are
 * cancelled (`dead`, with a summary saying why; an attempt in flight is marked interrupted, and its
 * later outcome is ignored as for any finished job).
 */
import {
  isNewsletterEvent,
  isOrderEvent,
  NEWSLETTER_EVENTS,
  ORDER_EVENTS,
  type WebhookEvent,
} from '@srhooks/contracts/events';
import { protocolHeadersOnly } from '../personal-data/delivery-header-privacy.js';
import {
  bufferOf,
  emailHashes,
  normalisedEmail,
  payloadHasEmail,
  payloadHasEmailHash,
  rawBodyHasEmail,
} from './email-match.js';
import { CANCELLED_BY_ERASURE } from './erasure-cancellation.js';
import { refreshEventStatusSql } from './event-status-sql.js';
import { type AddParam, placeholderList, type SqlStep, sqlStep } from './prune-plan.js';
import { rawBodyHasOrder, rawBodyHasSubscriber } from './raw-body-order.js';
import type { Row } from './row-mapping.js';
import { containsPattern, foldForSearch } from './search-text.js';
import type { SqlDialect } from './sql-params.js';
import type {
  ErasedDeliveryRef,
  ErasedEventRef,
  ErasureOptions,
  ErasureResult,
} from './types/erasure-types.js';
import type { StoreChange } from './types/feed-types.js';
import type { DeliveryStatus, EventStatus } from './types/read-types.js';

/** What the erased payload becomes (the column is NOT NULL and holds JSON). */
export const ERASED_PAYLOAD = '{}';
/** The summary of a job the erasure cancelled (shown unmasked: the receiver's own words). */
export { CANCELLED_BY_ERASURE };
/** A quarantined delivery's decode failure message after the erasure (the decoder's message may quote the body). */
export const ERASED_DECODE_MESSAGE = "The decoder's message was erased with the delivery's personal data.";
/** Quarantined deliveries read per statement while their raw bodies are searched. */
const QUARANTINE_PAGE = 200;

export interface ErasePlanOptions {
  /** PostgreSQL: ` FOR UPDATE` (the matched events' and jobs' rows are locked before they change); SQLite: ''. */
  lockRows: string;
  /**
   * The event's payload as text for a case-insensitive LIKE on ASCII (SQLite's LIKE is: `e.payload`;
   * PostgreSQL's json: `LOWER(e.payload::text)`).
   */
  payloadText: string;
}

function eventRef(row: Row): ErasedEventRef {
  return {
    id: String(row.id),
    deliveryId: String(row.delivery_id),
    shop: String(row.shop),
    event: String(row.event),
    status: String(row.status),
  };
}

function deliveryRef(row: Row): ErasedDeliveryRef {
  return { id: String(row.id), shop: String(row.shop), event: String(row.event), status: String(row.status) };
}

/** What an erasure announces on the change feed (the store emits them once it committed). */
export interface ErasureChanges {
  /** Every erased event, with its status (recomputed where jobs were cancelled). */
  statuses: Array<{ id: string; status: EventStatus }>;
  /**
   * The jobs it cancelled (now `dead`): a worker holding one claimed ahead drops it instead of calling its
   * handler with the data just erased (worker.ts).
   */
  cancelled: Array<{ jobId: string; eventId: string; handler: string }>;
}

/**
 * The feed's changes for an erasure: the cancelled jobs first (cause `erased`: no attempt decided them, so
 * their last status code is an earlier attempt's), then the erased events, then the erased deliveries
 * (cause `erased`: a quarantined one has no event to announce it by, and a page showing a raw body
 * reloads without it). `deliveries`: those erased, none for a dry run or a blocked erasure.
 */
export function erasureFeedChanges(
  { statuses, cancelled }: ErasureChanges,
  deliveries: readonly ErasedDeliveryRef[],
): StoreChange[] {
  return [
    ...cancelled.map(({ jobId, eventId, handler }) => ({
      kind: 'job' as const,
      jobId,
      eventId,
      handler,
      status: 'dead' as const,
      cause: 'erased' as const,
    })),
    ...statuses.map(({ id, status }) => ({ kind: 'event' as const, eventId: id, status })),
    ...deliveries.map(({ id, shop, event, status }) => ({
      kind: 'delivery' as const,
      deliveryId: id,
      shop,
      event: event as WebhookEvent,
      status: status as DeliveryStatus,
      cause: 'erased' as const,
    })),
  ];
}

/** Yields each statement; expects the rows it returned. Returns what was (or, in a dry run, would be) erased. */
export function* erasePlan(
  dialect: SqlDialect,
  options: ErasureOptions,
  plan: ErasePlanOptions,
): Generator<SqlStep, ErasureResult & ErasureChanges, Row[]> {
  const step = (build: (add: AddParam) => string) => sqlStep(dialect, build);
  const idsOf = (rows: Row[]) => rows.map((row) => String(row.id));
  const events = new Map<string, ErasedEventRef>();
  const email = options.email === undefined ? undefined : normalisedEmail(options.email);

  // Candidates through the search text alone (SQLite: its covering index, without reading a payload),
  // then their rows, checked.
  const searchIndex = dialect.eventSearchIndex === undefined ? '' : ` INDEXED BY ${dialect.eventSearchIndex}`;
  const candidates = function* (condition: (add: AddParam) => string): Generator<SqlStep, string[], Row[]> {
    const rows = yield step((add) => `SELECT e.id FROM events e${searchIndex} WHERE ${condition(add)}`);
    return rows.map((row) => String(row.id));
  };
  const rowsOf = function* (
    ids: string[],
    columns: string,
    where: (add: AddParam) => string,
    erased = false,
  ): Generator<SqlStep, Row[], Row[]> {
    if (ids.length === 0) return [];
    return yield step(
      (add) =>
        `SELECT ${columns} FROM events e WHERE e.id IN (${dialect.textSet(asParams(add), ids)}) AND e.erased_at IS ${erased ? 'NOT ' : ''}NULL${where(add)} ORDER BY e.id`,
    );
  };
  /** Events whose search text begins with `key`, alone or followed by ` | ` (event-summary.ts). */
  const leadingKeyCandidates = (key: string) => {
    const folded = foldForSearch(key).replace(/[\\%_]/g, (c) => `\\${c}`);
    return candidates(
      (add) =>
        `(e.search_text LIKE ${add(`${folded} | %`)} ESCAPE '\\' OR e.search_text LIKE ${add(folded)} ESCAPE '\\')`,
    );
  };
  /** The shop's order events of one order (every status change, duplicates included). */
  const orderEvents = function* (shop: string, innerId: string): Generator<SqlStep, void, Row[]> {
    // The search text begins with the order number (event-summary.ts).
    const ids = yield* leadingKeyCandidates(innerId);
    const rows = yield* rowsOf(
      ids,
      'e.id, e.delivery_id, e.shop, e.event, e.status',
      (add) =>
        ` AND e.shop = ${add(shop)} AND e.order_number = ${add(innerId)} AND e.event IN (${placeholderList(add, ORDER_EVENTS)})`,
    );
    for (const row of rows) {
      if (isOrderEvent(String(row.event) as WebhookEvent)) events.set(String(row.id), eventRef(row));
    }
  };
  /** The shop's newsletter events of one subscriber (by its id: an update may carry another address). */
  const subscriberEvents = function* (shop: string, subscriberId: string): Generator<SqlStep, void, Row[]> {
    // A newsletter event's search text begins with the subscriber's id (event-summary.ts).
    const ids = yield* leadingKeyCandidates(subscriberId);
    const rows = yield* rowsOf(
      ids,
      'e.id, e.delivery_id, e.shop, e.event, e.status',
      (add) =>
        ` AND e.shop = ${add(shop)} AND e.subject_id = ${add(subscriberId)} AND e.event IN (${placeholderList(add, NEWSLETTER_EVENTS)})`,
    );
    for (const row of rows) events.set(String(row.id), eventRef(row));
  };
  /** The orders found by the address: their quarantined deliveries are looked for too. */
  const emailOrders: Array<{ shop: string; innerId: string }> = [];
  /** The subscribers found by the address (their spooled deliveries are looked for by the caller). */
  const emailSubscribers: Array<{ shop: string; id: string }> = [];
  if (email !== undefined) {
    const shopOnly = (add: AddParam) =>
      options.shop === undefined ? '' : ` AND e.shop = ${add(options.shop)}`;
    const columns = 'e.id, e.delivery_id, e.shop, e.event, e.status, e.payload, e.order_number, e.subject_id';
    const ids = yield* candidates((add) => `e.search_text LIKE ${add(containsPattern(email))} ESCAPE '\\'`);
    const orders = new Map<string, { shop: string; innerId: string }>();
    const subscribers = new Map<string, { shop: string; id: string }>();
    const matched = (row: Row) => {
      events.set(String(row.id), eventRef(row));
      if (isOrderEvent(String(row.event) as WebhookEvent)) {
        if (row.order_number === null) return;
        const order = { shop: String(row.shop), innerId: String(row.order_number) };
        orders.set(JSON.stringify(order), order);
      } else if (row.subject_id !== null) {
        const subscriber = { shop: String(row.shop), id: String(row.subject_id) };
        subscribers.set(JSON.stringify(subscriber), subscriber);
      }
    };
    for (const row of yield* rowsOf(ids, columns, shopOnly)) {
      if (payloadHasEmail(row.payload, email)) matched(row);
    }
    // Orders delivered with `email_hash` but without `email` (a subscription's `fields`): the search text
    // has no address, so their payloads are read (order events only).
    const hashes = emailHashes(options.email ?? email);
    // One pass over the order events' payloads (SQLite: in the writer, so once, not once per hash).
    const hashed = idsOf(
      yield step(
        (add) =>
          `SELECT e.id FROM events e WHERE e.event IN (${placeholderList(add, ORDER_EVENTS)}) AND e.erased_at IS NULL
           AND (${hashes.map((hash) => `${plan.payloadText} LIKE ${add(`%${hash}%`)}`).join(' OR ')})${shopOnly(add)}`,
      ),
    );
    for (const row of yield* rowsOf(hashed, columns, shopOnly)) {
      if (payloadHasEmailHash(row.payload, hashes)) matched(row);
    }
    // The other events of those orders (a status change delivered without the address still names the
    // customer): the order is this person's.
    emailOrders.push(...orders.values());
    for (const { shop, innerId } of orders.values()) yield* orderEvents(shop, innerId);
    // And the subscriber's other newsletter events (an unsubscribe without the address, an update to another).
    emailSubscribers.push(...subscribers.values());
    for (const { shop, id } of subscribers.values()) yield* subscriberEvents(shop, id);
  }
  if (options.order !== undefined) yield* orderEvents(options.order.shop, options.order.innerId);
  if (options.subscriber !== undefined)
    yield* subscriberEvents(options.subscriber.shop, options.subscriber.id);
  /** The subscribers whose quarantined (and spooled) deliveries are looked for: found, or asked for. */
  const subscribers = uniqueBy(
    [...emailSubscribers, ...(options.subscriber === undefined ? [] : [options.subscriber])],
    ({ shop, id }) => JSON.stringify([shop, id]),
  );

  if (options.eventIds !== undefined) {
    for (const row of yield* rowsOf(
      options.eventIds,
      'e.id, e.delivery_id, e.shop, e.event, e.status',
      () => '',
    )) {
      events.set(String(row.id), eventRef(row));
    }
  }

  const deliveries = new Map<string, ErasedDeliveryRef>();
  const eventIds = [...events.keys()].sort();
  if (eventIds.length > 0) {
    const rows = yield step(
      (add) =>
        `SELECT d.id, d.shop, d.event, d.status FROM deliveries d
         WHERE d.id IN (SELECT e.delivery_id FROM events e WHERE e.id IN (${dialect.textSet(asParams(add), eventIds)})) ORDER BY d.id`,
    );
    for (const row of rows) deliveries.set(String(row.id), deliveryRef(row));
  }
  // Quarantined deliveries have no decoded payload: their raw bodies are searched for the address and
  // for the order (as a shop's order event).
  const order = options.order;
  if (email !== undefined || order !== undefined || options.subscriber !== undefined) {
    const scanShop = email === undefined ? (order?.shop ?? options.subscriber?.shop) : options.shop;
    const holdsData = (row: Row): boolean =>
      (email !== undefined &&
        (options.shop === undefined || row.shop === options.shop) &&
        rawBodyHasEmail(row.raw_body, email)) ||
      (order !== undefined &&
        row.shop === order.shop &&
        isOrderEvent(String(row.event) as WebhookEvent) &&
        rawBodyHasOrder(bufferOf(row.raw_body), order.innerId)) ||
      (isOrderEvent(String(row.event) as WebhookEvent) &&
        emailOrders.some(
          (found) => found.shop === row.shop && rawBodyHasOrder(bufferOf(row.raw_body), found.innerId),
        )) ||
      // A newsletter body's only `id` is the subscriber's (an order body has its products' too).
      (isNewsletterEvent(String(row.event) as WebhookEvent) &&
        subscribers.some(
          (found) => found.shop === row.shop && rawBodyHasSubscriber(bufferOf(row.raw_body), found.id),
        ));
    let after = '';
    for (;;) {
      const rows = yield step(
        (add) =>
          `SELECT d.id, d.shop, d.event, d.status, d.raw_body FROM deliveries d
           WHERE d.status = 'quarantined' AND d.erased_at IS NULL AND d.id > ${add(after)}` +
          (scanShop === undefined ? '' : ` AND d.shop = ${add(scanShop)}`) +
          ` ORDER BY d.id LIMIT ${add(QUARANTINE_PAGE)}`,
      );
      for (const row of rows) {
        if (holdsData(row)) deliveries.set(String(row.id), deliveryRef(row));
      }
      const last = rows.at(-1);
      if (rows.length < QUARANTINE_PAGE || last === undefined) break;
      after = String(last.id);
    }
  }

  const jobRows =
    eventIds.length === 0
      ? []
      : yield step(
          (add) =>
            `SELECT j.id, j.status FROM jobs j WHERE j.event_id IN (${dialect.textSet(asParams(add), eventIds)})
             ORDER BY j.id${plan.lockRows}`,
        );
  const unfinishedJobs = jobRows
    .filter((row) => row.status === 'pending' || row.status === 'running')
    .map((row) => String(row.id));
  const found = {
    dryRun: options.dryRun,
    events: [...events.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
    deliveries: [...deliveries.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
    jobs: jobRows.length,
    unfinishedJobs,
    statuses: [] as ErasureChanges['statuses'],
    cancelled: [] as ErasureChanges['cancelled'],
    orders: uniqueBy([...emailOrders, ...(order === undefined ? [] : [order])], ({ shop, innerId }) =>
      JSON.stringify([shop, innerId]),
    ),
    subscribers,
  };
  const blocked = unfinishedJobs.length > 0 && !options.includeUnfinished;
  if (options.dryRun || blocked || (eventIds.length === 0 && deliveries.size === 0)) {
    return { ...found, erased: false, blocked: blocked && !options.dryRun, cancelledJobs: 0 };
  }

  const now = dialect.time(options.now ?? new Date());
  if (eventIds.length > 0) {
    yield step(
      (add) =>
        `SELECT e.id FROM events e WHERE e.id IN (${dialect.textSet(asParams(add), eventIds)}) ORDER BY e.id${plan.lockRows}`,
    );
  }
  const cancelled: ErasureChanges['cancelled'] = [];
  if (unfinishedJobs.length > 0) {
    yield step(
      (add) =>
        `UPDATE job_attempts SET outcome = CASE WHEN outcome = 'running' THEN 'interrupted' ELSE 'expired' END,
           finished_at = ${add(now)}
         WHERE job_id IN (${dialect.textSet(asParams(add), unfinishedJobs)}) AND outcome IN ('claimed', 'running')`,
    );
    const rows = yield step(
      (add) =>
        `UPDATE jobs SET status = 'dead', finished_at = ${add(now)}, updated_at = ${add(now)}, lease_owner = NULL,
           lease_expires_at = NULL, last_error_summary = ${add(CANCELLED_BY_ERASURE)}
         WHERE id IN (${dialect.textSet(asParams(add), unfinishedJobs)}) AND status IN ('pending', 'running')
         RETURNING id, event_id, handler`,
    );
    for (const row of rows) {
      cancelled.push({ jobId: String(row.id), eventId: String(row.event_id), handler: String(row.handler) });
    }
  }
  const cancelledJobs = cancelled.length;
  if (eventIds.length > 0) {
    yield step(
      (add) =>
        `UPDATE job_attempts SET error = NULL WHERE job_id IN
           (SELECT j.id FROM jobs j WHERE j.event_id IN (${dialect.textSet(asParams(add), eventIds)})) AND error IS NOT NULL`,
    );
    yield step(
      (add) =>
        `UPDATE jobs SET last_error = NULL WHERE event_id IN (${dialect.textSet(asParams(add), eventIds)}) AND last_error IS NOT NULL`,
    );
    yield step(
      (add) =>
        `UPDATE events SET payload = ${add(ERASED_PAYLOAD)}, customer_name = NULL, search_text = '',
           verification_detail = NULL, erased_at = ${add(now)}, erase_reason = ${add(options.reason)}
         WHERE id IN (${dialect.textSet(asParams(add), eventIds)})`,
    );
  }
  const deliveryIds = [...deliveries.keys()].sort();
  if (deliveryIds.length > 0) {
    // Headers other than the protocol's own are text from outside, like the body: they go with it.
    const headerRows = yield step(
      (add) =>
        `SELECT id, headers FROM deliveries WHERE id IN (${dialect.textSet(asParams(add), deliveryIds)})`,
    );
    for (const row of headerRows) {
      const headers = (typeof row.headers === 'string' ? JSON.parse(row.headers) : row.headers) as Record<
        string,
        string
      >;
      const kept = protocolHeadersOnly(headers ?? {});
      if (Object.keys(kept).length === Object.keys(headers ?? {}).length) continue;
      yield step(
        (add) =>
          `UPDATE deliveries SET headers = ${add(JSON.stringify(kept))} WHERE id = ${add(String(row.id))}`,
      );
    }
    yield step(
      (add) =>
        `UPDATE deliveries SET raw_body = ${add(Buffer.alloc(0))}, decode_error_detail = NULL,
           decode_error_message = CASE WHEN decode_error_message IS NULL THEN NULL ELSE ${add(ERASED_DECODE_MESSAGE)} END,
           erased_at = ${add(now)}, erase_reason = ${add(options.reason)}
         WHERE id IN (${dialect.textSet(asParams(add), deliveryIds)})`,
    );
  }
  // Every erased event is announced (the inspector's open pages show it erased); statuses recomputed
  // where jobs were cancelled.
  const statuses: Array<{ id: string; status: EventStatus }> = [];
  if (cancelledJobs > 0) {
    for (const id of eventIds) {
      const [row] = yield step((add) => refreshEventStatusSql(add(id)));
      if (row !== undefined) statuses.push({ id: String(row.id), status: String(row.status) as EventStatus });
    }
  } else if (eventIds.length > 0) {
    for (const row of yield* rowsOf(eventIds, 'e.id, e.status', () => '', true)) {
      statuses.push({ id: String(row.id), status: String(row.status) as EventStatus });
    }
  }
  // The answer names each event as it is now: an event whose jobs were cancelled is no longer pending.
  const statusNow = new Map(statuses.map(({ id, status }) => [id, status]));
  const erasedEvents = found.events.map((event) => ({
    ...event,
    status: statusNow.get(event.id) ?? event.status,
  }));
  return { ...found, events: erasedEvents, statuses, cancelled, erased: true, blocked: false, cancelledJobs };
}

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  return [...new Map(items.map((item) => [key(item), item])).values()];
}

/** `dialect.textSet` takes the statement's parameters; the plan's builders hand out `add` only. */
function asParams(add: AddParam): { readonly values: unknown[]; add(value: unknown): string } {
  return { values: [], add };
}

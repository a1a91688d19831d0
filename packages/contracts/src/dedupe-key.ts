import { contentHash } from './canonical-json.js';
import { ContractsError, InvalidEventError, InvalidShopNameError } from './errors.js';
import { isOrderEvent, isWebhookEvent, WEBHOOK_EVENTS, type WebhookEvent } from './events.js';
import { isValidShopName } from './receiver-path.js';

/**
 * The key that tells a new event from one the receiver already has. The store keeps it unique per
 * (shop, event), so the key itself only has to be unique within one shop and one event:
 *
 * - `order_confirm`, `abandoned_cart`: `order:<innerId>` — the shop sends each order (cart) once;
 *   a second delivery of the same order is a duplicate.
 * - `order_status_change`: `order:<innerId>:status:<orderHistory.status>:at:<orderHistory.dateAdded>`
 *   — the same order legitimately changes status many times; the same change twice is a duplicate.
 * - newsletter events: `subscriber:<id>:<event>:<sha256 of the item>` — a subscriber may update
 *   their data many times, so the content is part of the identity; the identical delivery twice is
 *   a duplicate.
 * - When the subscription's `fields` left out the id (`innerId` / `id`), the key falls back to
 *   `hash:<sha256 of the item>`: identical items are duplicates, anything else is new.
 *
 * - An id holding a control character or a lone surrogate (no real order's) also falls back to
 *   `hash:…`: every store keeps the key as it is (PostgreSQL's text cannot hold NUL), so dedupe does not
 *   depend on the engine.
 *
 * The item is the decoded (normalised) item, so `"1"` and `1` hash the same.
 */
export function dedupeKey(shop: string, event: WebhookEvent, item: Record<string, unknown>): string {
  if (!isValidShopName(shop)) throw new InvalidShopNameError(shop);
  // An unknown event would be keyed as a subscriber's (by `id`, which orders lack): every order a hash.
  if (!isWebhookEvent(event)) throw new InvalidEventError(String(event), WEBHOOK_EVENTS);
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    throw new ContractsError(
      'invalid_input',
      `dedupeKey needs one decoded item (an entry of delivery.orders or delivery.subscribers), got ${
        item === null ? 'null' : Array.isArray(item) ? 'a list' : `a ${typeof item}`
      }`,
    );
  }
  const key = readableKey(event, item);
  return key === undefined || !storesAlike(key) ? `hash:${contentHash(item)}` : key;
}

/** The key from the item's ids, or undefined when the subscription's `fields` left the id out. */
function readableKey(event: WebhookEvent, item: Record<string, unknown>): string | undefined {
  if (isOrderEvent(event)) {
    const innerId = idText(item.innerId);
    if (innerId === undefined) return undefined;
    if (event !== 'order_status_change') return `order:${innerId}`;
    const history = (item.orderHistory ?? {}) as Record<string, unknown>;
    return `order:${innerId}:status:${idText(history.status) ?? ''}:at:${idText(history.dateAdded) ?? ''}`;
  }
  const id = idText(item.id);
  if (id === undefined) return undefined;
  return `subscriber:${id}:${event}:${contentHash(item)}`;
}

/**
 * A control character (C0, DEL; PostgreSQL's text cannot hold NUL, and the store writes U+FFFD) or a
 * lone surrogate (`\p{Cs}` in a `u` pattern matches only unpaired ones).
 */
const NOT_STORED_ALIKE = /[\u0000-\u001f\u007f]|\p{Cs}/u;

/**
 * Whether every store keeps the key as it is: no control character, no lone surrogate. A key that
 * PostgreSQL would change (NUL → U+FFFD) could equal another item's there and not on SQLite, so dedupe
 * would depend on the engine; such an id (no real order's) falls back to the content hash.
 */
function storesAlike(key: string): boolean {
  return !NOT_STORED_ALIKE.test(key);
}

function idText(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  return undefined;
}

/**
 * The selectable fields (`webHookParameters[].fields`) whose values {@link dedupeKey} reads, per event:
 * the order's `innerId`, and for `order_status_change` also the status and the time of the change; the
 * subscriber's `id`. The shop's default set (no `fields`) carries them all.
 */
export const DEDUPE_KEY_FIELDS: Readonly<Record<WebhookEvent, readonly string[]>> = Object.freeze({
  order_confirm: ['order_innerId'],
  abandoned_cart: ['order_innerId'],
  order_status_change: ['order_innerId', 'orderHistory_status', 'orderHistory_dateAdded'],
  newsletter_subscribe: ['subscriber_id'],
  newsletter_unsubscribe: ['subscriber_id'],
  newsletter_update_subscriber: ['subscriber_id'],
});

/**
 * The fields {@link dedupeKey} reads that a subscription's `fields` selection leaves out; none when it
 * selects nothing (the shop then sends its default set, which has them). Without them, different events
 * can get one key, and every one after the first is recorded as a duplicate whose handlers never run:
 * without `orderHistory_dateAdded`, an order's second change to a status it had before; without the
 * status as well, every later status change of the order; without the id, every item whose selected
 * fields happen to be equal.
 */
export function dedupeFieldsMissing(event: WebhookEvent, fields: readonly string[] | undefined): string[] {
  if (fields === undefined || fields.length === 0) return [];
  return DEDUPE_KEY_FIELDS[event].filter((field) => !fields.includes(field));
}

/**
 * The warning for a subscription whose `fields` leave out what {@link dedupeKey} reads (see
 * {@link dedupeFieldsMissing}): `<where>: the selected fields leave out <fields>: <what goes wrong>;
 * <what to do>`, or null when nothing is missing. The receiver would record some genuine events as
 * duplicates of earlier ones, and their handlers would never run. One text for the CLI (`webhooks
 * create/update/sync`) and the receiver (start-up reconcile); it names fields and events only.
 */
export function dedupeFieldsWarning(
  where: string,
  event: WebhookEvent,
  fields: readonly string[] | undefined,
): string | null {
  const missing = dedupeFieldsMissing(event, fields);
  if (missing.length === 0) return null;
  const harm =
    event === 'order_status_change'
      ? missing.includes('order_innerId') || missing.includes('orderHistory_status')
        ? 'the receiver cannot tell one status change of an order from the next, so it records the later ones as duplicates and their handlers never run'
        : 'the receiver cannot tell two changes of an order to the same status apart, so it records the later one as a duplicate and its handlers never run'
      : 'the receiver can only tell items apart by the selected values, so different items with equal values are recorded as duplicates and their handlers never run';
  return `${where}: the selected fields leave out ${missing.join(', ')}: ${harm}; add ${missing.join(',')} to the fields (or select no fields: the shop's default set has them)`;
}

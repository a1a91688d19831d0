import { contentHash } from './canonical-json.js';
import { InvalidShopNameError } from './errors.js';
import { isOrderEvent, type WebhookEvent } from './events.js';
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
 * The item is the decoded (normalised) item, so `"1"` and `1` hash the same.
 */
export function dedupeKey(shop: string, event: WebhookEvent, item: Record<string, unknown>): string {
  if (!isValidShopName(shop)) throw new InvalidShopNameError(shop);
  if (isOrderEvent(event)) {
    const innerId = idText(item.innerId);
    if (innerId === undefined) return `hash:${contentHash(item)}`;
    if (event !== 'order_status_change') return `order:${innerId}`;
    const history = (item.orderHistory ?? {}) as Record<string, unknown>;
    return `order:${innerId}:status:${idText(history.status) ?? ''}:at:${idText(history.dateAdded) ?? ''}`;
  }
  const id = idText(item.id);
  if (id === undefined) return `hash:${contentHash(item)}`;
  return `subscriber:${id}:${event}:${contentHash(item)}`;
}

function idText(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  return undefined;
}

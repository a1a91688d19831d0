/**
 * `samplePayload(event, seed)`: a whole delivery payload (envelope with one item) for an event:
 * - `order_confirm`, `abandoned_cart`: `sampleOrder(seed)` (status 1, "Függőben");
 * - `order_status_change`: the same order moved on to a later status, with a status comment;
 * - `newsletter_subscribe` / `newsletter_update_subscriber`: `sampleSubscriber(seed)`;
 * - `newsletter_unsubscribe`: the same subscriber with status "0".
 */
import { isOrderEvent, type NewsletterEvent, type OrderEvent, type WebhookEvent } from '../events.js';
import type { NewsletterEnvelope, OrderItem, OrdersEnvelope } from '../schemas/delivery.js';
import { ORDER_STATUSES, STATUS_CHANGE_COMMENTS } from './hungarian-data.js';
import { sampleOrder } from './sample-order.js';
import { sampleSubscriber } from './sample-subscriber.js';
import { seededRandom } from './seeded-random.js';

function withLaterStatus(order: OrderItem, seed: number | string): OrderItem {
  const random = seededRandom(`status:${seed}`);
  const next = random.pick(ORDER_STATUSES.slice(1));
  const history = order.orderHistory ?? {};
  return {
    ...order,
    orderHistory: {
      ...history,
      status: next.status,
      statusText: next.statusText,
      comment: random.pick(STATUS_CHANGE_COMMENTS),
    },
  };
}

export function samplePayload(event: OrderEvent, seed?: number | string): OrdersEnvelope;
export function samplePayload(event: NewsletterEvent, seed?: number | string): NewsletterEnvelope;
export function samplePayload(
  event: WebhookEvent,
  seed?: number | string,
): OrdersEnvelope | NewsletterEnvelope;
/** The payload ShopRenter would send for `event`, deterministic per seed (default 1). */
export function samplePayload(
  event: WebhookEvent,
  seed: number | string = 1,
): OrdersEnvelope | NewsletterEnvelope {
  if (isOrderEvent(event)) {
    const order = sampleOrder(seed);
    return { orders: { order: [event === 'order_status_change' ? withLaterStatus(order, seed) : order] } };
  }
  const subscriber = sampleSubscriber(seed);
  return {
    newsletter: {
      subscriber: [event === 'newsletter_unsubscribe' ? { ...subscriber, status: '0' } : subscriber],
    },
  };
}

/**
 * The JSON body a `forward` handler POSTs: the Standard Webhooks envelope
 * `{type, timestamp, data}` around the normalised event, as Svix and Stripe shape theirs.
 */
import {
  type AppEvent,
  isAppEvent,
  isOrderEvent,
  isWebhookEvent,
  type OrderItem,
  type Subscriber,
  type WebhookEvent,
} from '@srhooks/contracts';
import type { ClaimedJob } from '../store/store.js';
import { type AppHandlerEvent, appHandlerEvent } from './app-handler-event.js';

/** App mode's events (`app_uninstalled`, `payment_status`, `payment_card_change`) in the same envelope. */
export interface ForwardedAppEvent {
  type: `shoprenter.${AppEvent}`;
  timestamp: string;
  data: Omit<AppHandlerEvent, 'receivedAt'> & { receivedAt: string };
}

interface ForwardedEventBase {
  /** The receiver's event id (one per order / subscriber per delivery). */
  eventId: string;
  shop: string;
  deliveryId: string;
  receivedAt: string;
  dedupeKey: string;
  /** `webhook`: delivered by the shop; `recovery`: read back from the shop's API after a missed delivery. */
  source: 'webhook' | 'recovery';
}

export type ForwardedEventData =
  | (ForwardedEventBase & {
      event: 'order_confirm' | 'order_status_change' | 'abandoned_cart';
      order: OrderItem;
    })
  | (ForwardedEventBase & {
      event: 'newsletter_subscribe' | 'newsletter_unsubscribe' | 'newsletter_update_subscriber';
      subscriber: Subscriber;
    });

export interface ForwardedEvent {
  /** `shoprenter.order_confirm`, `shoprenter.newsletter_subscribe`, … */
  type: `shoprenter.${WebhookEvent}`;
  /** When the receiver got the delivery (ISO 8601). */
  timestamp: string;
  data: ForwardedEventData;
}

export function forwardedEvent(job: ClaimedJob): ForwardedEvent | ForwardedAppEvent {
  const event: string = job.event;
  if (isAppEvent(event)) {
    const { receivedAt, ...data } = appHandlerEvent(job, event);
    return {
      type: `shoprenter.${event}`,
      timestamp: receivedAt.toISOString(),
      data: { ...data, receivedAt: receivedAt.toISOString() },
    };
  }
  if (!isWebhookEvent(event)) throw new TypeError(`unknown webhook event "${event}"`);
  const base: ForwardedEventBase = {
    eventId: job.eventId,
    shop: job.shop,
    deliveryId: job.deliveryId,
    receivedAt: job.receivedAt.toISOString(),
    dedupeKey: job.dedupeKey,
    source: job.source,
  };
  const data: ForwardedEventData = isOrderEvent(event)
    ? { ...base, event, order: job.payload as OrderItem }
    : { ...base, event, subscriber: job.payload as Subscriber };
  return { type: `shoprenter.${event}`, timestamp: job.receivedAt.toISOString(), data };
}

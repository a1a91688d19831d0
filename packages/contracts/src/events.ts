/**
 * The six ShopRenter webhook events (FACTS.md §3, `event` property of `webHooks`).
 * Order events deliver `{orders:{order:[…]}}`; newsletter events `{newsletter:{subscriber:[…]}}`.
 */
export const ORDER_EVENTS = ['order_confirm', 'order_status_change', 'abandoned_cart'] as const;
export const NEWSLETTER_EVENTS = [
  'newsletter_subscribe',
  'newsletter_unsubscribe',
  'newsletter_update_subscriber',
] as const;
export const WEBHOOK_EVENTS = [...ORDER_EVENTS, ...NEWSLETTER_EVENTS] as const;

export type OrderEvent = (typeof ORDER_EVENTS)[number];
export type NewsletterEvent = (typeof NEWSLETTER_EVENTS)[number];
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

const eventSet: ReadonlySet<string> = new Set(WEBHOOK_EVENTS);
const orderEventSet: ReadonlySet<string> = new Set(ORDER_EVENTS);

export function isWebhookEvent(value: unknown): value is WebhookEvent {
  return typeof value === 'string' && eventSet.has(value);
}

export function isOrderEvent(event: WebhookEvent): event is OrderEvent {
  return orderEventSet.has(event);
}

export function isNewsletterEvent(event: WebhookEvent): event is NewsletterEvent {
  return !orderEventSet.has(event);
}

/** Delay units accepted by `webHookDelay[].delayUnit`. */
export const DELAY_UNITS = ['day', 'hour'] as const;
export type DelayUnit = (typeof DELAY_UNITS)[number];

/** Delivery formats accepted by `webHookParameters[].type`. */
export const DELIVERY_FORMATS = ['json', 'xml'] as const;
export type DeliveryFormat = (typeof DELIVERY_FORMATS)[number];

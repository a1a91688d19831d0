import type { OrderItem, WebhookEvent } from '@srhooks/contracts';
import type { OrderSimulator } from '@srhooks/sandbox';
import { CliError } from '../../cli-error.js';

/** One event the demo made happen in the sandbox, and what the receiver should get for it. */
export interface ExpectedArrival {
  event: WebhookEvent;
  /** What the receiver stores as the event's subject: order inner id / subscriber id. */
  subjectId: string;
  /** `#1001` or `subscriber 1`. */
  subject: string;
  /** What happened, for the progress lines: `placed order #1001 (11206 HUF)`. */
  description: string;
  /** Ids of the sandbox's delivery attempts for it (one per matching subscription). */
  deliveryIds: string[];
}

/** The status the demo moves its first order to (the sandbox's "Feldolgozás alatt"). */
export const DEMO_ORDER_STATUS = '2';

function total(order: OrderItem): string {
  return order.totalGross === undefined
    ? ''
    : ` (${order.totalGross}${order.currency ? ` ${order.currency}` : ''})`;
}

/**
 * What the demo does in the shop: three orders, a status change of the first one, an abandoned cart
 * and a newsletter subscription. The sandbox schedules one delivery per matching subscription at
 * once; an event without a delivery means the subscriptions are missing, which fails here.
 */
export async function simulateShopActivity(
  simulator: OrderSimulator,
  shop: string,
): Promise<ExpectedArrival[]> {
  const expected: ExpectedArrival[] = [];
  const add = (arrival: ExpectedArrival): void => {
    if (arrival.deliveryIds.length === 0) {
      throw new CliError(`the sandbox scheduled no delivery for ${arrival.event} ${arrival.subject}`, {
        code: 'demo_not_subscribed',
        hint: 'the subscriptions synced a moment ago are missing: run again with --debug and report it',
      });
    }
    expected.push(arrival);
  };
  const orders: OrderItem[] = [];
  for (let count = 0; count < 3; count += 1) {
    const { order, deliveries } = await simulator.placeOrder(shop);
    orders.push(order);
    add({
      event: 'order_confirm',
      subjectId: String(order.innerId),
      subject: `#${order.innerId}`,
      description: `placed order #${order.innerId}${total(order)}`,
      deliveryIds: deliveries.map((delivery) => delivery.id),
    });
  }
  const first = orders[0] as OrderItem;
  const changed = await simulator.changeStatus(shop, String(first.innerId), DEMO_ORDER_STATUS);
  add({
    event: 'order_status_change',
    subjectId: String(first.innerId),
    subject: `#${first.innerId}`,
    description: `moved order #${first.innerId} to status ${DEMO_ORDER_STATUS} "${changed.order.orderHistory?.statusText ?? ''}"`,
    deliveryIds: changed.deliveries.map((delivery) => delivery.id),
  });
  const cart = await simulator.abandonCart(shop);
  add({
    event: 'abandoned_cart',
    subjectId: String(cart.order.innerId),
    subject: `#${cart.order.innerId}`,
    description: `abandoned cart #${cart.order.innerId}${total(cart.order)}`,
    deliveryIds: cart.deliveries.map((delivery) => delivery.id),
  });
  const subscribed = await simulator.subscribe(shop);
  add({
    event: 'newsletter_subscribe',
    subjectId: String(subscribed.subscriber.id),
    subject: `subscriber ${subscribed.subscriber.id}`,
    description: `subscribed subscriber ${subscribed.subscriber.id} to the newsletter`,
    deliveryIds: subscribed.deliveries.map((delivery) => delivery.id),
  });
  return expected;
}

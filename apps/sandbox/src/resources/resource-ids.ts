import { orderIdFor, webhookIdFor, webhookNumericId } from '@srhooks/contracts';

/** The notification number of a webHooks id, or undefined unless `id` is exactly what the API hands out. */
export function parseWebhookId(id: string): number | undefined {
  const n = webhookNumericId(id);
  return n !== undefined && n > 0 && webhookIdFor(n) === id ? n : undefined;
}

/** The order's inner id of an orders id, or undefined unless `id` is exactly what the API hands out. */
export function parseOrderId(id: string): string | undefined {
  const match = /^order-order_id=([1-9][0-9]{0,15})$/.exec(Buffer.from(id, 'base64').toString('latin1'));
  const innerId = match?.[1];
  return innerId !== undefined && orderIdFor(innerId) === id ? innerId : undefined;
}

/**
 * Ids of the resources an order links to (customer, status, country, …), built the same way as
 * every ShopRenter id. The sandbox only links to them; it does not serve them.
 */
export function linkedResourceId(prefix: string, n: number | string): string {
  return Buffer.from(`${prefix}${n}`, 'utf8').toString('base64');
}

/** The status number of an orderStatuses id (`b3JkZXJTdGF0dXMtb3JkZXJfc3RhdHVzX2lkPTE=` → "1"). */
export function parseOrderStatusId(id: string): string | undefined {
  const match = /^orderStatus-order_status_id=([0-9]{1,6})$/.exec(
    Buffer.from(id, 'base64').toString('latin1'),
  );
  return match?.[1];
}

/** The subscriber number of a newsletterSubscribers id, or undefined unless `id` is exactly one. */
export function parseSubscriberId(id: string): string | undefined {
  const match = /^newsletterSubscriber-subscriber_id=([1-9][0-9]{0,15})$/.exec(
    Buffer.from(id, 'base64').toString('latin1'),
  );
  const n = match?.[1];
  return n !== undefined && linkedResourceId('newsletterSubscriber-subscriber_id=', n) === id ? n : undefined;
}

/** The history entry number of an orderHistories id. */
export function parseOrderHistoryId(id: string): number | undefined {
  const match = /^orderHistory-order_history_id=([0-9]{1,15})$/.exec(
    Buffer.from(id, 'base64').toString('latin1'),
  );
  const n = match?.[1];
  return n !== undefined && linkedResourceId('orderHistory-order_history_id=', n) === id
    ? Number(n)
    : undefined;
}

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

import { orderIdFor, webhookIdFor, webhookNumericId } from '@srhooks/contracts';
import { apiErrors } from '../errors.js';

/** Base64 of `<resource>-<table>_id=<n>`: an API id, perhaps of another resource. */
export function isSomeApiId(id: string): boolean {
  return /^[A-Za-z]+-[A-Za-z_]+_id=\d+$/.test(Buffer.from(id, 'base64').toString('latin1'));
}

/**
 * GET of one item by an id that is not one of this resource's API ids. Every resource's id may be
 * an outer id the client chose (FACTS.md §9), and the sandbox's orders, history entries and
 * subscribers have none, so such an id names no item: 404/40401, as on webHooks (assumptions.ts
 * [A6]). Another resource's API id is 400/40007 "The given resource id is wrong: {id}!"; this
 * resource's own API id (`ownApiId`) that names nothing is 404 too.
 */
export function itemNotFound(
  resource: string,
  id: string,
  ownApiId: boolean,
  expected: string,
  hint: string,
): never {
  if (!ownApiId && isSomeApiId(id)) throw apiErrors.wrongId(resource, id, expected);
  throw apiErrors.notFound(hint, `${resource}/${id}`);
}

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

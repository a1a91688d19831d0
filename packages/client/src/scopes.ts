import { SCOPES } from '@srhooks/contracts/schemas/token';

/**
 * Which OAuth scope a request needs (FACTS.md §1; contracts' `fixtures/shoprenter/api/scopes.json`):
 * webhooks read/write, orders read/write, order histories and newsletter subscribers read; order
 * products read (assumed `order.order:read`, contracts' A52).
 * Returns undefined when the client cannot tell (batch, unknown paths).
 */
export function requiredScope(method: string, url: string): string | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url;
  }
  const upper = method.toUpperCase();
  if (/\/webHooks(\/|$)/.test(path)) return upper === 'GET' ? 'store.webhook:read' : 'store.webhook:write';
  if (/\/orders(\/|$)/.test(path)) return upper === 'GET' ? 'order.order:read' : 'order.order:write';
  if (/\/orderHistories(\/|$)/.test(path) && upper === 'GET') return SCOPES.orderRead;
  // Not in the documented scope table: assumed the order's own (contracts' A52).
  if (/\/orderProducts(\/|$)/.test(path) && upper === 'GET') return SCOPES.orderRead;
  if (/\/newsletterSubscribers(\/|$)/.test(path) && upper === 'GET') return SCOPES.newsletterRead;
  return undefined;
}

/**
 * Which OAuth scope a request needs (FACTS.md §1): webhooks read/write, orders read.
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
  return undefined;
}

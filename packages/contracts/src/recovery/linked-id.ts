/**
 * ShopRenter resource ids are base64 of `<resource>-<column>=<n>` (`b3JkZXItb3JkZXJfaWQ9MTcy` is
 * `order-order_id=172`). A link's last path segment is such an id; the number inside is what a
 * delivery carries (`orderHistory.status` is the `order_status_id` of the status link).
 */
export function innerIdOfLink(link: { href: string } | null | undefined, prefix: string): string | undefined {
  if (!link || typeof link.href !== 'string') return undefined;
  const path = link.href.split(/[?#]/)[0] ?? '';
  const segment = path
    .split('/')
    .filter((s) => s !== '')
    .at(-1);
  if (segment === undefined) return undefined;
  return innerIdOfResourceId(decodeURIComponentSafe(segment), prefix);
}

/** `<n>` of a resource id that decodes to `<prefix><n>`; undefined for anything else. */
export function innerIdOfResourceId(id: string, prefix: string): string | undefined {
  const decoded = Buffer.from(id, 'base64').toString('utf8');
  if (!decoded.startsWith(prefix)) return undefined;
  const rest = decoded.slice(prefix.length);
  return /^[0-9]+$/.test(rest) ? rest : undefined;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The prefixes of the ids recovery reads (documented examples in `api/order/*` and the docs' fixtures). */
export const ID_PREFIX = {
  order: 'order-order_id=',
  orderStatus: 'orderStatus-order_status_id=',
  language: 'language-language_id=',
  customer: 'customer-customer_id=',
  subscriber: 'newsletterSubscriber-subscriber_id=',
} as const;

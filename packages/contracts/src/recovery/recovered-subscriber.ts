/**
 * A newsletter subscriber read back from the API (`GET /newsletterSubscribers?full=1`, FACTS.md §6)
 * in the shape of a delivery's subscriber item (FACTS.md §4). With the subscription's default
 * field set the item equals the delivered one, so `dedupeKey` (which hashes the item) matches.
 *
 * What can be recovered: `newsletter_subscribe` of a subscriber who is still subscribed. What
 * cannot: `newsletter_unsubscribe` and `newsletter_update_subscriber` — the API keeps no history
 * and has no "updated since" filter, so a missed change is indistinguishable from no change.
 */
import { dedupeKey } from '../dedupe-key.js';
import { type Subscriber, SubscriberSchema } from '../schemas/delivery.js';
import type { NewsletterSubscriber } from '../schemas/newsletter-subscriber.js';
import { ID_PREFIX, innerIdOfLink, innerIdOfResourceId } from './linked-id.js';

/** API field → delivery field (`id`, `language` and `dateSubscribed` are converted). */
export const SUBSCRIBER_FIELD_MAP: Readonly<Record<string, string>> = {
  firstname: 'firstname',
  lastname: 'lastname',
  email: 'email',
  phone: 'phone',
  status: 'status',
  hash: 'hash',
};

export function subscriberItemFromApi(subscriber: NewsletterSubscriber): Subscriber | undefined {
  const id = innerIdOfResourceId(subscriber.id, ID_PREFIX.subscriber);
  if (id === undefined) return undefined;
  const source = subscriber as Record<string, unknown>;
  const item: Record<string, unknown> = { id };
  for (const [from, to] of Object.entries(SUBSCRIBER_FIELD_MAP)) {
    const value = source[from];
    if (value !== undefined && value !== null) item[to] = value;
  }
  const language = innerIdOfLink(subscriber.language ?? null, ID_PREFIX.language);
  if (language !== undefined) item.language = language;
  if (typeof subscriber.dateSubscribed === 'string' && subscriber.dateSubscribed !== '') {
    item.subscribe_date = subscriber.dateSubscribed.replace('T', ' ');
  }
  return SubscriberSchema.parse(item);
}

export interface RecoveredSubscriberEvent {
  event: 'newsletter_subscribe';
  item: Subscriber;
  dedupeKey: string;
  subjectId: string;
}

/** `newsletter_subscribe` for a subscriber who is subscribed (status 1); nothing otherwise. */
export function recoverSubscriberEvents(
  shop: string,
  subscriber: NewsletterSubscriber,
  wanted: ReadonlySet<string>,
): RecoveredSubscriberEvent[] {
  if (!wanted.has('newsletter_subscribe')) return [];
  const item = subscriberItemFromApi(subscriber);
  if (item?.status !== '1' || typeof item.id !== 'string') return [];
  return [
    {
      event: 'newsletter_subscribe',
      item,
      dedupeKey: dedupeKey(shop, 'newsletter_subscribe', item),
      subjectId: item.id,
    },
  ];
}

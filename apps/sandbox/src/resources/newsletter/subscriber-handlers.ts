import { apiErrors } from '../../errors.js';
import type { WireItem } from '../../state/shop-data.js';
import type { ApiContext, ApiResult } from '../api-context.js';
import { paginate, parsePageQuery } from '../paging.js';
import { itemNotFound, linkedResourceId, parseSubscriberId } from '../resource-ids.js';

/**
 * `GET /newsletterSubscribers` with its filters `email`, `status` (0/1), `subscribedAt` (a day or a
 * shop-local time), and `GET /newsletterSubscribers/{id}` (FACTS.md §6; the documentation's
 * `api/newsletter_subscriber/*`). There is no "updated since" filter, as in the real API.
 */
function renderSubscriber(subscriber: WireItem, ctx: ApiContext): Record<string, unknown> {
  const apiBase = ctx.apiBase;
  const id = linkedResourceId('newsletterSubscriber-subscriber_id=', String(subscriber.id));
  const subscribed = String(subscriber.subscribe_date ?? '').replace(' ', 'T');
  const updated = ctx.shop.data.subscriberUpdatedAt[String(subscriber.id)]?.replace(' ', 'T') ?? subscribed;
  return {
    href: `${apiBase}/newsletterSubscribers/${id}`,
    id,
    firstname: String(subscriber.firstname ?? ''),
    lastname: String(subscriber.lastname ?? ''),
    email: String(subscriber.email ?? ''),
    phone: String(subscriber.phone ?? ''),
    status: String(subscriber.status ?? '0'),
    blacklisted: '0',
    dateSubscribed: subscribed,
    hash: String(subscriber.hash ?? ''),
    mailmasterId: '0',
    dateCreated: subscribed,
    dateUpdated: updated,
    language: {
      href: `${apiBase}/languages/${linkedResourceId('language-language_id=', String(subscriber.language ?? '1'))}`,
    },
  };
}

function single(query: Record<string, unknown>, name: string): string | undefined {
  const raw = query[name];
  const text = Array.isArray(raw) ? raw.at(-1) : raw;
  return text === undefined || text === '' ? undefined : String(text);
}

export function listSubscribers(ctx: ApiContext, query: Record<string, unknown>): ApiResult {
  const pageQuery = parsePageQuery(query);
  const email = single(query, 'email');
  const status = single(query, 'status');
  const subscribedAt = single(query, 'subscribedAt');
  if (status !== undefined && status !== '0' && status !== '1') {
    throw apiErrors.wrongData(`Wrong data in 'status': use 0 or 1.`);
  }
  if (subscribedAt !== undefined && !/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}:\d{2})?$/.test(subscribedAt)) {
    // A day or a time: a value with a time part is a bad datetime (40009), else a bad date (40017) [A27].
    throw /[T :]/.test(subscribedAt)
      ? apiErrors.invalidDateTime('subscribedAt', subscribedAt)
      : apiErrors.invalidDate('subscribedAt', subscribedAt);
  }
  const found = ctx.shop.data.subscribers.filter((s) => {
    if (email !== undefined && String(s.email ?? '').toLowerCase() !== email.toLowerCase()) return false;
    if (status !== undefined && String(s.status) !== status) return false;
    if (subscribedAt !== undefined) {
      const date = String(s.subscribe_date ?? '').replace(' ', 'T');
      return subscribedAt.length === 10
        ? date.startsWith(subscribedAt)
        : date === subscribedAt.replace(' ', 'T');
    }
    return true;
  });
  const suffix = new URLSearchParams(
    Object.entries({ email, status, subscribedAt }).filter((e): e is [string, string] => e[1] !== undefined),
  ).toString();
  const body = paginate(
    found,
    pageQuery,
    `${ctx.apiBase}/newsletterSubscribers`,
    (s) => {
      const rendered = renderSubscriber(s, ctx);
      return pageQuery.full ? rendered : { href: rendered.href };
    },
    suffix === '' ? '' : `&${suffix}`,
  );
  return { status: 200, body };
}

export function getSubscriber(ctx: ApiContext, id: string): ApiResult {
  const n = parseSubscriberId(id);
  const found = n === undefined ? undefined : ctx.shop.data.subscribers.find((s) => String(s.id) === n);
  if (!found) {
    return itemNotFound(
      'newsletterSubscribers',
      id,
      n !== undefined,
      'newsletterSubscriber-subscriber_id=',
      `newsletterSubscribers resource '${id}' not found.`,
    );
  }
  return { status: 200, body: renderSubscriber(found, ctx) };
}

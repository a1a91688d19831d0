/**
 * Whose data the inspector's "Erase personal data…" (erase-routes.ts) erases, from the stored event:
 * its order (the event's shop and order innerId: every status change of that order; order events only),
 * everything with its e-mail address (the payload's `email` field, in every shop), or its newsletter
 * subscriber (the event's shop and subscriber id: every newsletter event of that subscriber, an
 * unsubscribe without the address too; newsletter events only). Both are read from
 * the stored event, never from a form field or a URL (the address would reach access logs); the request
 * is the admin API's own (EraseRequestSchema), so it is validated the same way.
 */
import { isNewsletterEvent, isOrderEvent } from '@srhooks/contracts';
import { z } from 'zod';
import {
  EmailSchema,
  EraseRequestSchema,
  OrderIdSchema,
  SubscriberIdSchema,
} from '../personal-data/erase-request.js';
import type { EventRecord } from '../store/store.js';

export const EraseScopeSchema = z.enum(['order', 'email', 'subscriber'], {
  error:
    'must be order (this order), email (everything with the e-mail address) or subscriber (this newsletter subscriber)',
});
export type EraseScope = z.output<typeof EraseScopeSchema>;

/** What an event leads to; null where it has none. */
export interface EraseTargets {
  /** An order event's shop and order innerId. */
  order: { shop: string; orderId: string } | null;
  /** The payload's e-mail address (personal data: masked when shown, never in a URL or a log line). */
  email: string | null;
  /** A newsletter event's shop and subscriber id. */
  subscriber: { shop: string; subscriberId: string } | null;
}

export function eraseTargetsOf(event: EventRecord): EraseTargets {
  if (event.erasure) return { order: null, email: null, subscriber: null };
  const orderId =
    isOrderEvent(event.event) && event.orderNumber !== null
      ? OrderIdSchema.safeParse(event.orderNumber)
      : null;
  const payload = event.payload;
  const email = EmailSchema.safeParse(
    payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>).email : undefined,
  );
  const subscriberId =
    isNewsletterEvent(event.event) && event.subjectId !== null
      ? SubscriberIdSchema.safeParse(event.subjectId)
      : null;
  return {
    order: orderId?.success ? { shop: event.shop, orderId: orderId.data } : null,
    email: email.success ? email.data : null,
    subscriber: subscriberId?.success ? { shop: event.shop, subscriberId: subscriberId.data } : null,
  };
}

/**
 * The scopes the event offers, its default first (`order` for an order event, `email` for a newsletter
 * event with an address, else `subscriber`); none: it has no personal data to erase by.
 */
export function eraseScopesOf(targets: EraseTargets): EraseScope[] {
  const scopes: EraseScope[] = [];
  if (targets.order) scopes.push('order');
  if (targets.email) scopes.push('email');
  if (targets.subscriber) scopes.push('subscriber');
  return scopes;
}

/**
 * The admin API's erasure request for this scope (which the event must offer), with the reason and flags
 * as given: parsed by EraseRequestSchema, so a bad reason fails exactly as it does there.
 */
export function eraseRequestFor(
  targets: EraseTargets,
  scope: EraseScope,
  fields: { reason: string | undefined; dryRun?: boolean; includeUnfinished?: boolean },
) {
  const whose =
    scope === 'order'
      ? { shop: targets.order?.shop, orderId: targets.order?.orderId }
      : scope === 'subscriber'
        ? { shop: targets.subscriber?.shop, subscriberId: targets.subscriber?.subscriberId }
        : { email: targets.email ?? undefined };
  return EraseRequestSchema.safeParse({ ...whose, ...fields });
}

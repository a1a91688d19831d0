/**
 * Whose data the inspector's "Erase personal data…" (erase-routes.ts) erases, from the stored event:
 * its order (the event's shop and order innerId: every status change of that order; order events only)
 * or everything with its e-mail address (the payload's `email` field, in every shop). Both are read from
 * the stored event, never from a form field or a URL (the address would reach access logs); the request
 * is the admin API's own (EraseRequestSchema), so it is validated the same way.
 */
import { isOrderEvent } from '@srhooks/contracts';
import { z } from 'zod';
import { EmailSchema, EraseRequestSchema, OrderIdSchema } from '../personal-data/erase-request.js';
import type { EventRecord } from '../store/store.js';

export const EraseScopeSchema = z.enum(['order', 'email'], {
  error: 'must be order (this order) or email (everything with the e-mail address)',
});
export type EraseScope = z.output<typeof EraseScopeSchema>;

/** What an event leads to; null where it has none. */
export interface EraseTargets {
  /** An order event's shop and order innerId. */
  order: { shop: string; orderId: string } | null;
  /** The payload's e-mail address (personal data: masked when shown, never in a URL or a log line). */
  email: string | null;
}

export function eraseTargetsOf(event: EventRecord): EraseTargets {
  if (event.erasure) return { order: null, email: null };
  const orderId =
    isOrderEvent(event.event) && event.orderNumber !== null
      ? OrderIdSchema.safeParse(event.orderNumber)
      : null;
  const payload = event.payload;
  const email = EmailSchema.safeParse(
    payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>).email : undefined,
  );
  return {
    order: orderId?.success ? { shop: event.shop, orderId: orderId.data } : null,
    email: email.success ? email.data : null,
  };
}

/** The scopes the event offers, its default first (`order` for an order event); none: it has no personal data to erase by. */
export function eraseScopesOf(targets: EraseTargets): EraseScope[] {
  const scopes: EraseScope[] = [];
  if (targets.order) scopes.push('order');
  if (targets.email) scopes.push('email');
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
      : { email: targets.email ?? undefined };
  return EraseRequestSchema.safeParse({ ...whose, ...fields });
}

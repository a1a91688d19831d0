import { isOrderEvent, type WebhookEvent } from '@srhooks/contracts/events';
import { fullName } from '@srhooks/contracts/person-name';
import { looksLikeId } from '../personal-data/id-text.js';
import { foldForSearch, phoneFieldSearchTexts } from './search-text.js';

/** Columns derived from an event's payload at write time, for lists, filters and text search. */
export interface EventSummaryColumns {
  orderNumber: string | null;
  customerName: string | null;
  grossTotal: string | null;
  currency: string | null;
  /**
   * Folded (lower case, no accents) order number, subject id, customer names, companies and e-mail
   * address, and the phone number as its digits (`phoneFieldSearchTexts`), searched with LIKE. Never shown.
   */
  searchText: string;
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/** The customer's, the billing or the shipping name, family name first (contracts' `fullName`). */
function nameAt(item: Record<string, unknown>, prefix: '' | 'payment' | 'shipping'): string | null {
  return prefix === ''
    ? fullName(item)
    : fullName({ firstname: item[`${prefix}Firstname`], lastname: item[`${prefix}Lastname`] });
}

/** The names an event's payload carries, family name first: the customer's, the billing, the shipping name. */
function namesOf(item: Record<string, unknown>): string[] {
  return [nameAt(item, ''), nameAt(item, 'payment'), nameAt(item, 'shipping')].filter(
    (name): name is string => name !== null,
  );
}

function itemOf(payload: unknown): Record<string, unknown> {
  return payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>) : {};
}

/** The `customerName` column of a payload (the first name found; null without one). */
export function customerNameOf(payload: unknown): string | null {
  return namesOf(itemOf(payload))[0] ?? null;
}

/**
 * Order events: order number = `innerId` (falls back to the subject id; none when it does not look like
 * an id, `personal-data/id-text.ts`), customer = the customer's
 * name, family name first (`Kovács Éva`; else the billing, then the shipping name), gross total =
 * `totalGross`. Newsletter events: the subscriber's name. The search text also holds the e-mail
 * address and the phone number (`search-text.ts`): an operator finds an order by the customer's
 * e-mail or phone, though neither is shown until revealed.
 */
export function summariseEvent(
  event: WebhookEvent,
  subjectId: string | null,
  payload: unknown,
): EventSummaryColumns {
  const item = itemOf(payload);
  const isOrder = isOrderEvent(event);
  // An innerId that is not shaped as an id (a name and an e-mail address were sent as one) is no order
  // number to show: it stays in the search text, where the views show nothing of it.
  const innerId = isOrder ? (text(item.innerId) ?? subjectId) : null;
  const orderNumber = innerId !== null && looksLikeId(innerId) ? innerId : null;
  const names = namesOf(item);
  const customerName = names[0] ?? null;
  // The order number is usually the subject id, and the three names often one name: each distinct
  // text is folded once (folding normalises Unicode), in first-seen order as before.
  const rawParts = new Set<string>();
  for (const part of [
    orderNumber,
    subjectId,
    ...names,
    text(item.paymentCompany),
    text(item.shippingCompany),
    text(item.email),
  ]) {
    if (part !== null) rawParts.add(part);
  }
  const searchParts = new Set<string>();
  for (const part of rawParts) searchParts.add(foldForSearch(part));
  const phone = text(item.phone);
  for (const phoneText of phone === null ? [] : phoneFieldSearchTexts(phone)) searchParts.add(phoneText);
  return {
    orderNumber,
    customerName,
    grossTotal: isOrder ? text(item.totalGross) : null,
    currency: isOrder ? text(item.currency) : null,
    searchText: [...searchParts].join(' | '),
  };
}

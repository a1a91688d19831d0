import { isOrderEvent, type WebhookEvent } from '@srhooks/contracts';
import { foldForSearch } from './search-text.js';

/** Columns derived from an event's payload at write time, for lists, filters and text search. */
export interface EventSummaryColumns {
  orderNumber: string | null;
  customerName: string | null;
  grossTotal: string | null;
  currency: string | null;
  /** Folded (lower case, no accents) order number and customer names, searched with LIKE. */
  searchText: string;
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

function fullName(item: Record<string, unknown>, prefix: '' | 'payment' | 'shipping'): string | null {
  const first = text(item[prefix === '' ? 'firstname' : `${prefix}Firstname`]);
  const last = text(item[prefix === '' ? 'lastname' : `${prefix}Lastname`]);
  const name = [first, last].filter((part) => part !== null).join(' ');
  return name === '' ? null : name;
}

/**
 * Order events: order number = `innerId` (falls back to the subject id), customer = first + last name
 * (billing, then shipping names), gross total = `totalGross`. Newsletter events: the subscriber's name.
 */
export function summariseEvent(
  event: WebhookEvent,
  subjectId: string | null,
  payload: unknown,
): EventSummaryColumns {
  const item = payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>) : {};
  const isOrder = isOrderEvent(event);
  const orderNumber = isOrder ? (text(item.innerId) ?? subjectId) : null;
  const names = [fullName(item, ''), fullName(item, 'payment'), fullName(item, 'shipping')].filter(
    (name): name is string => name !== null,
  );
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
  ]) {
    if (part !== null) rawParts.add(part);
  }
  const searchParts = new Set<string>();
  for (const part of rawParts) searchParts.add(foldForSearch(part));
  return {
    orderNumber,
    customerName,
    grossTotal: isOrder ? text(item.totalGross) : null,
    currency: isOrder ? text(item.currency) : null,
    searchText: [...searchParts].join(' | '),
  };
}

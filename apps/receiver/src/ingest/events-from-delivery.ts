/**
 * A decoded delivery → the events to store: one per order (order events) or subscriber
 * (newsletter events), in delivery order, each with its dedupe key and subject id.
 */
import { type DecodedDelivery, dedupeKey } from '@srhooks/contracts';
import type { NewEvent } from '../store/store.js';

function subjectId(value: unknown): string | null {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

export function eventsFromDelivery(shop: string, decoded: DecodedDelivery): NewEvent[] {
  if ('orders' in decoded) {
    return decoded.orders.map((order) => ({
      dedupeKey: dedupeKey(shop, decoded.event, order),
      subjectId: subjectId(order.innerId),
      payload: order,
    }));
  }
  return decoded.subscribers.map((subscriber) => ({
    dedupeKey: dedupeKey(shop, decoded.event, subscriber),
    subjectId: subjectId(subscriber.id),
    payload: subscriber,
  }));
}

/**
 * The record a recovery pass stores for the events it found (one per event name and page): the store
 * keeps every event inside a delivery, so recovered ones get a delivery of their own, marked
 * `source: "recovery"`, whose body is the envelope the shop would have sent (JSON, in delivery shape).
 */
import type { WebhookEvent } from '@srhooks/contracts';
import type { NewDelivery, NewEvent } from '../store/store.js';

/** Stands where a delivery has the sender's address. */
export const RECOVERY_REMOTE_ADDRESS = 'recovery';

export function recoveredDelivery(
  shop: string,
  event: WebhookEvent,
  items: readonly NewEvent[],
  receivedAt: Date,
): NewDelivery {
  const payloads = items.map((item) => item.payload);
  const envelope = event.startsWith('newsletter_')
    ? { newsletter: { subscriber: payloads } }
    : { orders: { order: payloads } };
  return {
    shop,
    event,
    receivedAt,
    remoteAddress: RECOVERY_REMOTE_ADDRESS,
    headers: { 'user-agent': 'srhooks-recovery' },
    contentType: 'application/json',
    rawBody: Buffer.from(JSON.stringify(envelope)),
    source: 'recovery',
  };
}

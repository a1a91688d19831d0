/**
 * What a drained delivery is stored as, by the rules of a delivery ingested directly (hooks-routes.ts):
 * over the body limit → quarantined `too_large`; decoded → its events (one per order / subscriber, with
 * their dedupe keys); undecodable → quarantined with the decode error.
 */
import type { DeliveryDecoder } from '../ingest/delivery-decoder.js';
import { eventsFromDelivery } from '../ingest/events-from-delivery.js';
import { tooLargeReason, undecodableReason } from '../ingest/quarantine-reason.js';
import type { SpooledContent, SpooledDelivery } from '../store/store.js';

export async function spooledContent(
  decoder: DeliveryDecoder,
  delivery: SpooledDelivery,
  bodyLimit: number,
  unexpected: (error: unknown) => void,
): Promise<SpooledContent> {
  const { shop, event, contentType, rawBody } = delivery;
  if (rawBody.length > bodyLimit) return { failure: tooLargeReason(rawBody.length, bodyLimit).failure };
  try {
    const decoded = await decoder.decode({
      event,
      contentType,
      contentEncoding: delivery.headers['content-encoding'],
      body: rawBody,
      limits: { maxBytes: bodyLimit },
    });
    return { events: eventsFromDelivery(shop, decoded) };
  } catch (error) {
    return { failure: undecodableReason(error, unexpected).failure };
  }
}

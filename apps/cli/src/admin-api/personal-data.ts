// The receiver's own masks (the inspector's), from its light export: nothing else of the receiver loads.
import { maskDecodeMessage, maskHandlerError, maskName } from '@srhooks/receiver/personal-data-mask';
import type { DeliveryDetailJson, DeliverySummaryJson, HandlerOverviewJson } from './admin-types.js';

/**
 * What the admin API answers whole (it is the unmasked view) and the admin commands mask in their
 * output, human and `--json` alike, until `--reveal`: customer names as initials, a decode error's
 * quoted sender values as `[hidden]`, handler error texts (a forward target's answer body) hidden
 * whole, and a delivery's raw body and its events' payloads left out.
 */

/** How a masked value says it can be shown. */
const REVEAL = 'pass --reveal';

/** A delivery's events as `deliveries show` prints them; `payload` only when revealed. */
type DeliveryEventView = Omit<DeliveryDetailJson['events'][number], 'payload'> & { payload?: unknown };

/** `GET /deliveries/:id` as `deliveries show` prints it: unmasked, or masked with `rawBody: {bytes}`. */
export type DeliveryView = Omit<DeliveryDetailJson, 'rawBody' | 'events'> & {
  rawBody: Partial<DeliveryDetailJson['rawBody']> & Pick<DeliveryDetailJson['rawBody'], 'bytes'>;
  events: DeliveryEventView[];
};

function maskDecodeError<T extends { decodeError: { code: string; message: string } | null }>(value: T): T {
  return value.decodeError
    ? {
        ...value,
        decodeError: { ...value.decodeError, message: maskDecodeMessage(value.decodeError.message) },
      }
    : value;
}

function maskCustomer<T extends { customerName: string | null }>(event: T): T {
  return event.customerName ? { ...event, customerName: maskName(event.customerName) } : event;
}

export function maskDeliverySummary(delivery: DeliverySummaryJson): DeliverySummaryJson {
  return maskDecodeError({ ...delivery, events: delivery.events.map(maskCustomer) });
}

export function maskDeliveryDetail(delivery: DeliveryDetailJson): DeliveryView {
  return maskDecodeError({
    ...delivery,
    rawBody: { bytes: delivery.rawBody.bytes },
    events: delivery.events.map(({ payload: _payload, ...event }) => maskCustomer(event)),
  });
}

/** A disabled handler's reason is the error that disabled it: a forward target's 410 answer, body included. */
export function maskHandlerReason(handler: HandlerOverviewJson): HandlerOverviewJson {
  return handler.reason ? { ...handler, reason: maskHandlerError(handler.reason, REVEAL) } : handler;
}

/** The line under a masked view saying what `--reveal` adds. */
export function maskedNote(what: string): string {
  return `personal data masked; --reveal shows ${what}`;
}

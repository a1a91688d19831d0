import { isOrderEvent, type WebhookEvent } from '@srhooks/contracts';
import { maskCustomerContact, maskHandlerErrorText } from '../../admin-api/personal-data.js';
import type { Arrival } from './wait-for-arrivals.js';

/** One row of the demo's "what arrived" table (and of its `--json` result). */
export interface ArrivedEvent {
  event: WebhookEvent;
  eventId: string;
  deliveryId: string;
  /** Order events: the order number (inner id). */
  orderNumber: string | null;
  /** Newsletter events: the subscriber id. */
  subscriberId: string | null;
  /** The customer's or subscriber's name as initials (`B*** É***`), else the masked e-mail address. */
  customer: string | null;
  total: string | null;
  currency: string | null;
  /** The event's status in the receiver (`succeeded` once every handler job succeeded). */
  status: string;
  /** `error`: the job's last error, hidden (see {@link DEMO_HOW_TO_REVEAL}). */
  handlers: { handler: string; status: string; attempts: number; error: string | null }[];
}

/**
 * The demo has no `--reveal` (its data is the sandbox's, but personal data is masked everywhere): a
 * handler's error text is hidden whole and says where it is shown while the demo runs.
 */
export const DEMO_HOW_TO_REVEAL = "the inspector's Show personal data";

/** A handler's error text (a module handler's message, a target's answer body) as the demo prints it. */
export function demoHandlerError(text: string | null, summary: string | null = null): string | null {
  return text === null ? null : maskHandlerErrorText(text, DEMO_HOW_TO_REVEAL, summary);
}

function emailOf(payload: unknown): string | null {
  const email = (payload as { email?: unknown } | null)?.email;
  return typeof email === 'string' && email.includes('@') ? email : null;
}

/** A stored event as a table row, personal data masked the way the inspector masks it. */
export function toArrivedEvent({ expected, event }: Arrival): ArrivedEvent {
  const email = emailOf(event.payload);
  const order = isOrderEvent(event.event);
  return {
    event: event.event,
    eventId: event.id,
    deliveryId: event.deliveryId,
    orderNumber: order ? (event.orderNumber ?? expected.subjectId) : null,
    subscriberId: order ? null : (event.subjectId ?? expected.subjectId),
    customer: maskCustomerContact(event.customerName, email),
    total: event.grossTotal,
    currency: event.currency,
    status: event.status,
    handlers: event.jobs.map((job) => ({
      handler: job.handler,
      status: job.status,
      attempts: job.attempts,
      error: demoHandlerError(job.lastError, job.lastErrorSummary),
    })),
  };
}

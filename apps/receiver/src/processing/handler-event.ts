/** Turns a claimed job into the typed event a `module` handler receives. */
import {
  isAppEvent,
  isOrderEvent,
  isWebhookEvent,
  type OrderItem,
  type Subscriber,
} from '@srhooks/contracts';
import type { ClaimedJob } from '../store/store.js';
import { type AppHandlerEvent, appHandlerEvent } from './app-handler-event.js';
import type { HandlerEvent } from './define-handlers.js';

export function handlerEvent(job: ClaimedJob): HandlerEvent | AppHandlerEvent {
  const event: string = job.event;
  if (isAppEvent(event)) return appHandlerEvent(job, event);
  if (!isWebhookEvent(event)) throw new TypeError(`unknown webhook event "${event}"`);
  const base = {
    shop: job.shop,
    eventId: job.eventId,
    deliveryId: job.deliveryId,
    receivedAt: job.receivedAt,
    dedupeKey: job.dedupeKey,
    subjectId: job.subjectId,
    verification: job.verification,
    source: job.source,
  };
  return isOrderEvent(event)
    ? ({ ...base, event, order: job.payload as OrderItem } as HandlerEvent)
    : ({ ...base, event, subscriber: job.payload as Subscriber } as HandlerEvent);
}

import type { WebhookEvent } from '@srhooks/contracts';
import { type EventSummaryColumns, summariseEvent } from './event-summary.js';
import type { NewEvent } from './store.js';

/** A NewEvent checked and serialised before it enters a transaction (keeps transactions short). */
export interface PreparedEvent extends EventSummaryColumns {
  dedupeKey: string;
  subjectId: string | null;
  payloadJson: string;
}

/** Throws TypeError for a missing dedupe key or a payload JSON cannot represent (programming errors of the caller). */
export function prepareEvents(event: WebhookEvent, events: readonly NewEvent[]): PreparedEvent[] {
  return events.map((item, index) => {
    if (typeof item.dedupeKey !== 'string' || item.dedupeKey === '') {
      throw new TypeError(
        `events[${index}].dedupeKey must be a non-empty string (use contracts' dedupeKey()).`,
      );
    }
    const payloadJson = JSON.stringify(item.payload);
    if (payloadJson === undefined) {
      throw new TypeError(`events[${index}].payload is not JSON-serialisable; pass the normalised item.`);
    }
    return {
      dedupeKey: item.dedupeKey,
      subjectId: item.subjectId ?? null,
      payloadJson,
      ...summariseEvent(event, item.subjectId ?? null, item.payload),
    };
  });
}

/** Handler names once each, in the given order. */
export function uniqueHandlers(handlers: readonly string[]): string[] {
  for (const handler of handlers) {
    if (typeof handler !== 'string' || handler === '')
      throw new TypeError('Handler names must be non-empty strings.');
  }
  return [...new Set(handlers)];
}

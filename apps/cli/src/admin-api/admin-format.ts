import type { Style } from '../output/index.js';
import type { DisabledHandlerJson, EventSummaryJson, JobJson } from './admin-types.js';

/** How the admin commands print the admin API's values: times, statuses, order numbers, totals, jobs. */

/** An event's, job's or delivery's status, coloured by how it went. */
export function paintStatus(status: string, style: Style): string {
  if (status === 'succeeded' || status === 'stored' || status === 'reprocessed') return style.green(status);
  if (status === 'dead' || status === 'quarantined') return style.red(status);
  if (status === 'duplicate') return style.dim(status);
  return style.yellow(status);
}

/**
 * `, erased` after the status of a listed row whose personal data was erased on request (in words, not
 * only a colour); nothing for any other row.
 */
export function erasedMark(item: { erasure?: unknown }, style: Style): string {
  return item.erasure ? `, ${style.cyan('erased')}` : '';
}

/** Under a list with an erased row: what the mark means and where to read when and why. */
export const ERASED_NOTE =
  'erased: personal data erased on request (srhooks erase); --json says when and why (erasure: at, reason)';

export function formatTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** Whether `event` is about a newsletter subscriber (its subject id is the subscriber's), not an order. */
export function isSubscriberEvent(event: string): boolean {
  return event.startsWith('newsletter_');
}

/** What an event's ORDER cell says when the event is about no order and no subscriber (`app_uninstalled`). */
export const NO_ORDER = '-';

/**
 * What an event is about, in words that do not read as an order where it is none: `#1234` (order
 * number); a newsletter event's `subscriber 17`; a Payment API notification's `charge 8401` or `card
 * change 12` (as `events show` names them); null for an event about no one but its shop
 * (`app_uninstalled`: its subject id is the shop's name, already in the SHOP column) or without an id.
 */
export function eventSubject(
  event: Pick<EventSummaryJson, 'orderNumber' | 'subjectId' | 'event'>,
): string | null {
  const name: string = event.event;
  if (event.orderNumber) return `#${event.orderNumber}`;
  if (name === 'app_uninstalled' || !event.subjectId) return null;
  // masked views got it masked already (personal-data.ts: one that does not look like an id is hidden)
  const id = event.subjectId;
  if (isSubscriberEvent(name)) return `subscriber ${id}`;
  if (name === 'payment_status') return `charge ${id}`;
  if (name === 'payment_card_change') return `card change ${id}`;
  return id;
}

/**
 * An ORDER cell (`events list`, `dead-letters list`, `deliveries list` and `show`): the event's
 * {@link eventSubject}; `-` for a platform app's `app_uninstalled` (no order); else empty.
 */
export function formatOrder(event: Pick<EventSummaryJson, 'orderNumber' | 'subjectId' | 'event'>): string {
  const subject = eventSubject(event);
  if (subject !== null) return subject;
  return String(event.event) === 'app_uninstalled' ? NO_ORDER : '';
}

/** `11206 HUF`, or empty when the delivery had no total. */
export function formatTotal(event: Pick<EventSummaryJson, 'grossTotal' | 'currency'>): string {
  return event.grossTotal ? `${event.grossTotal} ${event.currency ?? ''}`.trim() : '';
}

/** `2 jobs queued (erp, log)`. */
export function queuedJobs(jobs: readonly JobJson[]): string {
  const handlers = jobs.map((job) => job.handler).join(', ');
  return `${jobs.length} job${jobs.length === 1 ? '' : 's'} queued (${handlers})`;
}

/**
 * One line per disabled handler whose queued jobs therefore wait (`events replay`: its job waits;
 * `dead-letters retry`: its jobs wait); one an operator disabled has no target to fix.
 */
export function disabledHandlerLines(
  handlers: readonly DisabledHandlerJson[],
  style: Style,
  jobs: 'job' | 'jobs' = 'job',
): string[] {
  const wait = jobs === 'job' ? 'its job waits' : 'its jobs wait';
  return handlers.map(({ handler, disabledBy }) =>
    disabledBy === 'operator'
      ? `${style.yellow('!')} ${handler} is disabled by an operator: ${wait} until srhooks handlers enable ${handler}`
      : `${style.yellow('!')} ${handler} is disabled: ${wait} until you fix its target and run srhooks handlers enable ${handler} (srhooks handlers list says why)`,
  );
}

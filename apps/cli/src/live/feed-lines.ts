/**
 * The live lines of `listen` (fed by its store) and `events tail` (fed by a receiver's admin API):
 * one line per stored delivery and one per handler outcome, built from the fields both sources have
 * alike (the store's records, or the admin API's JSON of them), masked unless `--reveal`, printed as
 * human text or one JSON document per line.
 */
import type { WebhookEvent } from '@srhooks/contracts';
import { eventSubject } from '../admin-api/admin-format.js';
import { maskFeedDelivery, maskFeedOutcome, shown } from '../admin-api/personal-data.js';
import type { Output } from '../output/index.js';
import { oneLine } from '../output/terminal-text.js';
import type {
  DeliveryChange,
  DeliverySummary,
  EventSummary,
  JobChange,
  JobOfEvent,
} from './receiver-types.js';

/** One line per stored delivery (`--json`: one document per line). `error`: a quarantined one's decode error. */
export interface DeliveryLine {
  type: 'delivery';
  time: string;
  deliveryId: string;
  shop: string;
  event: WebhookEvent;
  status: 'stored' | 'quarantined' | 'reprocessed';
  events: {
    id: string;
    orderNumber: string | null;
    subjectId: string | null;
    total: string | null;
    currency: string | null;
    status: string;
    duplicate: boolean;
  }[];
  error?: string;
}

/**
 * One line per handler outcome: `succeeded`; `dead`; `retrying` (a failure that will be retried);
 * `disabled` (the attempt disabled the handler, e.g. its target answered 410 Gone: the job waits until
 * the handler is enabled again); `cancelled` (an erasure of the event's personal data cancelled the job;
 * no attempt, so no status code).
 */
export interface OutcomeLine {
  type: 'outcome';
  time: string;
  eventId: string;
  shop: string;
  event: WebhookEvent;
  orderNumber: string | null;
  handler: string;
  status: string;
  statusCode: number | null;
  /** The handler's error text: the target's answer body, or a module handler's message. */
  error: string | null;
  /** The receiver's own words about the error (`… answered 500`, `connection refused …`): never hidden. */
  errorSummary: string | null;
}

/** What a delivery line shows of a delivery (a store change, or an admin API delivery). */
export type FeedDelivery = Pick<DeliveryChange, 'deliveryId' | 'shop' | 'event' | 'status'>;
/** What a delivery line shows of each of its events (store records and their admin API JSON alike). */
export type FeedEvent = Pick<
  EventSummary,
  'id' | 'orderNumber' | 'subjectId' | 'grossTotal' | 'currency' | 'status' | 'duplicateOf'
>;
/** A quarantined delivery's decode error, as much as its line shows. */
export type FeedDecodeError = Pick<NonNullable<DeliverySummary['decodeError']>, 'code' | 'message'>;
/** What an outcome line shows of the job's event. */
export type FeedJobEvent = Pick<EventSummary, 'id' | 'shop' | 'event' | 'orderNumber'>;
/** What an outcome line shows of the job itself. */
export type FeedJob = Pick<JobOfEvent, 'failures' | 'lastStatusCode' | 'lastError' | 'lastErrorSummary'>;

/** `14:03:27`, this machine's clock. */
export function clock(date: Date): string {
  return date.toTimeString().slice(0, 8);
}

function amount(total: string | null, currency: string | null): string {
  if (total === null) return '';
  return `${total}${currency ? ` ${currency}` : ''}`;
}

/**
 * A delivery's line: a quarantined one with its decode error, any other with its events in delivery
 * order.
 */
export function deliveryLine(
  delivery: FeedDelivery,
  at: Date,
  events: readonly FeedEvent[],
  decodeError: FeedDecodeError | null = null,
): DeliveryLine {
  const line: DeliveryLine = {
    type: 'delivery',
    time: clock(at),
    deliveryId: delivery.deliveryId,
    shop: delivery.shop,
    event: delivery.event,
    status: delivery.status,
    events: [],
  };
  if (delivery.status === 'quarantined') {
    if (decodeError) line.error = `${decodeError.code}: ${decodeError.message}`;
    return line;
  }
  line.events = events.map((event) => ({
    id: event.id,
    orderNumber: event.orderNumber,
    subjectId: event.subjectId,
    total: event.grossTotal,
    currency: event.currency,
    status: event.status,
    duplicate: event.duplicateOf !== null,
  }));
  return line;
}

/**
 * Whether a job change may be news (succeeded, dead, or pending again: a retry, or waiting for the
 * handler its attempt disabled), before its event is read. {@link outcomeLine} decides on the read job.
 */
export function mayBeOutcome(change: JobChange): boolean {
  return change.status === 'succeeded' || change.status === 'dead' || change.status === 'pending';
}

/**
 * A handler outcome's line, or null when the change is not news: a pending job after a failure is a
 * retry, one whose attempt disabled its handler (the change's cause `handler-disabled`) waits for it;
 * a fresh pending job (a new event's, a replay's) is not news. A dead job the change says an erasure
 * cancelled (cause `erased`) is `cancelled`, without the status code of its earlier attempt. `job`: the
 * job as read after the change (undefined when the event no longer has it).
 */
export function outcomeLine(
  change: JobChange,
  event: FeedJobEvent,
  job: FeedJob | undefined,
  at: Date,
): OutcomeLine | null {
  if (!mayBeOutcome(change)) return null;
  const disabled = change.status === 'pending' && change.cause === 'handler-disabled';
  const cancelled = change.status === 'dead' && change.cause === 'erased';
  if (change.status === 'pending' && !disabled && (!job || job.failures === 0)) return null;
  const failed = change.status !== 'succeeded';
  return {
    type: 'outcome',
    time: clock(at),
    eventId: event.id,
    shop: event.shop,
    event: event.event,
    orderNumber: event.orderNumber,
    handler: change.handler,
    status: disabled
      ? 'disabled'
      : cancelled
        ? 'cancelled'
        : change.status === 'pending'
          ? 'retrying'
          : change.status,
    // a cancelled job's last status code is an earlier attempt's, not news
    statusCode: cancelled ? null : (job?.lastStatusCode ?? null),
    error: failed ? (job?.lastError ?? null) : null,
    errorSummary: failed ? (job?.lastErrorSummary ?? null) : null,
  };
}

/** What an outcome line says after its status, in place of its status code and error, by status. */
const OUTCOME_WORDS: Readonly<Record<string, (line: OutcomeLine) => string>> = {
  disabled: (line) =>
    `${line.statusCode ? ` (HTTP ${line.statusCode})` : ''}: its jobs wait until it is enabled (srhooks handlers enable ${line.handler})`,
  cancelled: () =>
    " by an erasure: the event's personal data was erased on request, so its handler will not send it",
};

export function printDelivery(output: Output, line: DeliveryLine): void {
  if (output.json) {
    output.jsonLine(line);
    return;
  }
  const { style } = output;
  const head = `${line.time}  ${line.shop}  ${line.event}`;
  if (line.status === 'quarantined') {
    output.line(oneLine(`${head}  ${style.red('quarantined')}  ${line.error ?? ''}`));
    return;
  }
  if (line.events.length === 0) output.line(`${head}  ${style.dim('(no items)')}`);
  for (const event of line.events) {
    // what the event is about: an order, a subscriber, a charge; nothing for an app's uninstall
    const subject = eventSubject({ ...event, event: line.event }) ?? '';
    // The event's status just after its commit: `pending` means stored with handler jobs to run (their
    // outcomes follow as `→ handler …` lines); the bare word read as "not stored yet".
    const status = event.duplicate
      ? style.yellow('duplicate')
      : event.status === 'stored'
        ? style.green('stored')
        : event.status === 'pending'
          ? `${style.green('stored')}${style.dim(', handlers to run')}`
          : event.status;
    output.line(
      oneLine([head, subject, amount(event.total, event.currency), status].filter(Boolean).join('  ')),
    );
  }
}

export function printOutcome(output: Output, line: OutcomeLine): void {
  if (output.json) {
    output.jsonLine(line);
    return;
  }
  const { style } = output;
  const paint =
    line.status === 'succeeded'
      ? style.green
      : line.status === 'dead' || line.status === 'disabled'
        ? style.red
        : style.yellow;
  const words = OUTCOME_WORDS[line.status];
  const detail = words
    ? ''
    : [line.statusCode ? `HTTP ${line.statusCode}` : '', line.error ?? ''].filter(Boolean).join(' ');
  output.line(
    oneLine(
      `${line.time}  ${line.shop}  ${line.event}${line.orderNumber ? `  #${line.orderNumber}` : ''}  → ${line.handler} ${paint(line.status)}${words ? words(line) : ''}${detail ? `  ${style.dim(detail)}` : ''}`,
    ),
  );
}

/** How a feed prints personal data. */
export interface FeedMasking {
  /**
   * Print decode errors' quoted sender values and handler error texts as they are. Without it they
   * are masked (personal data), human lines and `--json` alike.
   */
  reveal?: boolean;
  /** What a hidden handler error says shows it (default `pass --reveal`; the demo has no --reveal). */
  howToReveal?: string;
}

/** Prints a delivery's line, its decode error's sender values hidden unless `reveal`. */
export function showDelivery(output: Output, line: DeliveryLine, masking: FeedMasking): void {
  printDelivery(output, shown(masking.reveal, line, maskFeedDelivery).value);
}

/** Prints an outcome's line, its error text hidden unless `reveal`. */
export function showOutcome(output: Output, line: OutcomeLine, masking: FeedMasking): void {
  printOutcome(
    output,
    shown(masking.reveal, line, (answer) => maskFeedOutcome(answer, masking.howToReveal)).value,
  );
}

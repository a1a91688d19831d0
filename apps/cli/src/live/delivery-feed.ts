import type { WebhookEvent } from '@srhooks/contracts';
import { maskFeedDelivery, maskFeedOutcome, shown } from '../admin-api/personal-data.js';
import type { Output } from '../output/index.js';
import { oneLine } from '../output/terminal-text.js';
import type { EventSummary, ReceiverStore, StoreChange } from './receiver-types.js';

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

/** One line per handler outcome: succeeded, dead, or a failure that will be retried. */
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

export interface WatchDeliveriesOptions {
  /** Only deliveries of these events (default: all). */
  events?: ReadonlySet<WebhookEvent>;
  /**
   * Print decode errors' quoted sender values and handler error texts as they are. Without it they
   * are masked (personal data), human lines and `--json` alike.
   */
  reveal?: boolean;
  /** What a hidden handler error says shows it (default `pass --reveal`; the demo has no --reveal). */
  howToReveal?: string;
}

export interface DeliveryFeed {
  /** Deliveries shown so far. */
  readonly deliveries: number;
  /** Stops listening and waits for lines still being read from the store. */
  stop(): Promise<void>;
}

function clock(date: Date): string {
  return date.toTimeString().slice(0, 8);
}

function amount(total: string | null, currency: string | null): string {
  if (total === null) return '';
  return `${total}${currency ? ` ${currency}` : ''}`;
}

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
    const subject = event.orderNumber
      ? `#${event.orderNumber}`
      : event.subjectId
        ? `subscriber ${event.subjectId}`
        : '';
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
  const paint = line.status === 'succeeded' ? style.green : line.status === 'dead' ? style.red : style.yellow;
  const detail = [line.statusCode ? `HTTP ${line.statusCode}` : '', line.error ?? '']
    .filter(Boolean)
    .join(' ');
  output.line(
    oneLine(
      `${line.time}  ${line.shop}  ${line.event}${line.orderNumber ? `  #${line.orderNumber}` : ''}  → ${line.handler} ${paint(line.status)}${detail ? `  ${style.dim(detail)}` : ''}`,
    ),
  );
}

/**
 * Prints what the receiver durably stores, as it is committed: the store's change hook says
 * which delivery or job changed, the read API supplies order number, total and outcome. Personal
 * data in the lines is masked unless `options.reveal`.
 */
export function watchDeliveries(
  store: ReceiverStore,
  output: Output,
  options: WatchDeliveriesOptions = {},
): DeliveryFeed {
  const watched = (event: WebhookEvent) => !options.events || options.events.has(event);
  const pending = new Set<Promise<void>>();
  const summaries = new Map<string, EventSummary>();
  let deliveries = 0;

  const track = (work: Promise<void>): void => {
    const tracked = work.catch((error: unknown) => {
      output.warn(`could not read the stored delivery: ${(error as Error).message}`);
    });
    pending.add(tracked);
    void tracked.finally(() => pending.delete(tracked));
  };

  const onDelivery = async (change: Extract<StoreChange, { kind: 'delivery' }>): Promise<void> => {
    if (!watched(change.event)) return;
    deliveries += 1;
    const line: DeliveryLine = {
      type: 'delivery',
      time: clock(new Date()),
      deliveryId: change.deliveryId,
      shop: change.shop,
      event: change.event,
      status: change.status,
      events: [],
    };
    if (change.status === 'quarantined') {
      const detail = await store.getDelivery(change.deliveryId);
      if (detail?.decodeError) line.error = `${detail.decodeError.code}: ${detail.decodeError.message}`;
    } else {
      const page = await store.listEvents({ deliveryId: change.deliveryId, limit: 500 });
      for (const event of [...page.items].reverse()) {
        summaries.set(event.id, event);
        line.events.push({
          id: event.id,
          orderNumber: event.orderNumber,
          subjectId: event.subjectId,
          total: event.grossTotal,
          currency: event.currency,
          status: event.status,
          duplicate: event.duplicateOf !== null,
        });
      }
    }
    printDelivery(output, shown(options.reveal, line, maskFeedDelivery).value);
  };

  const onJob = async (change: Extract<StoreChange, { kind: 'job' }>): Promise<void> => {
    if (change.status !== 'succeeded' && change.status !== 'dead' && change.status !== 'pending') return;
    const detail = await store.getEvent(change.eventId);
    if (!detail || !watched(detail.event)) return;
    const job = detail.jobs.find((candidate) => candidate.id === change.jobId);
    // a pending job after a failure is a retry; a fresh pending job is not news
    if (change.status === 'pending' && (!job || job.failures === 0)) return;
    const line: OutcomeLine = {
      type: 'outcome',
      time: clock(new Date()),
      eventId: detail.id,
      shop: detail.shop,
      event: detail.event,
      orderNumber: detail.orderNumber ?? summaries.get(detail.id)?.orderNumber ?? null,
      handler: change.handler,
      status: change.status === 'pending' ? 'retrying' : change.status,
      statusCode: job?.lastStatusCode ?? null,
      error: change.status === 'succeeded' ? null : (job?.lastError ?? null),
      errorSummary: change.status === 'succeeded' ? null : (job?.lastErrorSummary ?? null),
    };
    printOutcome(
      output,
      shown(options.reveal, line, (answer) => maskFeedOutcome(answer, options.howToReveal)).value,
    );
  };

  const unsubscribe = store.onChange((change) => {
    if (change.kind === 'delivery') track(onDelivery(change));
    else if (change.kind === 'job') track(onJob(change));
  });

  return {
    get deliveries() {
      return deliveries;
    },
    async stop() {
      unsubscribe();
      await Promise.allSettled([...pending]);
    },
  };
}

import type { WebhookEvent } from '@srhooks/contracts';
import type { Output } from '../output/index.js';
import {
  deliveryLine,
  type FeedMasking,
  mayBeOutcome,
  outcomeLine,
  showDelivery,
  showOutcome,
} from './feed-lines.js';
import type { DeliveryChange, EventSummary, JobChange, ReceiverStore } from './receiver-types.js';

export interface WatchDeliveriesOptions extends FeedMasking {
  /** Only deliveries of these events (default: all). */
  events?: ReadonlySet<WebhookEvent>;
  /**
   * A quarantined delivery's decode error message as this feed's user reads it (listen: a too_large
   * delivery's advice names --body-limit, not the receiver's SRHOOKS_BODY_LIMIT). Default: as stored.
   */
  decodeMessage?: (code: string, message: string, deliveryId: string) => string;
}

export interface DeliveryFeed {
  /** Deliveries shown so far. */
  readonly deliveries: number;
  /** Stops listening and waits for lines still being read from the store. */
  stop(): Promise<void>;
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

  const onDelivery = async (change: DeliveryChange): Promise<void> => {
    if (!watched(change.event)) return;
    deliveries += 1;
    const at = new Date();
    if (change.status === 'quarantined') {
      const detail = await store.getDelivery(change.deliveryId);
      const stored = detail?.decodeError;
      const decodeError =
        stored && options.decodeMessage
          ? { ...stored, message: options.decodeMessage(stored.code, stored.message, change.deliveryId) }
          : stored;
      showDelivery(output, deliveryLine(change, at, [], decodeError), options);
      return;
    }
    const page = await store.listEvents({ deliveryId: change.deliveryId, limit: 500 });
    const events = [...page.items].reverse();
    for (const event of events) summaries.set(event.id, event);
    showDelivery(output, deliveryLine(change, at, events), options);
  };

  const onJob = async (change: JobChange): Promise<void> => {
    if (!mayBeOutcome(change)) return;
    const detail = await store.getEvent(change.eventId);
    if (!detail || !watched(detail.event)) return;
    const job = detail.jobs.find((candidate) => candidate.id === change.jobId);
    const orderNumber = detail.orderNumber ?? summaries.get(detail.id)?.orderNumber ?? null;
    const line = outcomeLine(change, { ...detail, orderNumber }, job, new Date());
    if (line) showOutcome(output, line, options);
  };

  const unsubscribe = store.onChange((change) => {
    // an erasure of a delivery's personal data is no arrival
    if (change.kind === 'delivery') {
      if (change.cause === undefined) track(onDelivery(change));
    } else if (change.kind === 'job') track(onJob(change));
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

/**
 * The lines of `events tail`: the receiver's live stream says which delivery or job changed (ids and
 * statuses only), the admin API supplies what the line shows — `GET /admin/api/deliveries/:id` for a
 * delivery, `GET /admin/api/events/:id` for a handler outcome, `GET /admin/api/deliveries?from=…` for
 * the deliveries received while the stream was down. A catch-up also prints the handler outcomes reached
 * meanwhile: of the deliveries it lists, and of the events whose jobs had not finished when last read
 * (a job retrying, or not run yet, when the stream was lost), each said as the live stream says it (a job
 * an erasure cancelled, one whose attempt disabled its handler: catch-up-cause.ts). The lines are listen's (feed-lines.ts), masked
 * unless `--reveal`. Work runs one item at a time in arrival order, so a delivery's line comes before
 * its outcomes', and a delivery or outcome is printed once (by id and status), however it was learnt.
 */
import type { AdminApi } from '../admin-api/admin-api-client.js';
import type {
  DeliveryDetailJson,
  DeliveryQuery,
  DeliverySummaryJson,
  EventDetailJson,
  HandlerOverviewJson,
} from '../admin-api/admin-types.js';
import type { Output } from '../output/index.js';
import { catchUpCause } from './catch-up-cause.js';
import {
  deliveryLine,
  type FeedMasking,
  mayBeOutcome,
  outcomeLine,
  showDelivery,
  showOutcome,
} from './feed-lines.js';
import type { DeliveryChange, JobChange, StoreChange } from './receiver-types.js';

export interface AdminFeedOptions extends FeedMasking {
  /** Only this shop's deliveries and outcomes. */
  shop?: string;
  /** Only this event's. */
  event?: string;
}

/** The newest delivery printed (or, before any, the newest there was at start): where a catch-up begins. */
export interface FeedMark {
  id: string;
  receivedAt: string;
}

export interface AdminFeed {
  /** Deliveries printed so far. */
  readonly deliveries: number;
  /** Where the next catch-up begins: null when the receiver had no (matching) delivery at start. */
  readonly since: FeedMark | null;
  /**
   * Asks the admin API for the newest matching delivery (`GET /deliveries?limit=1`), which becomes
   * the start of the first catch-up. Throws what the admin API client throws: a refused token, a URL
   * that is not a receiver, a filter the receiver refuses.
   */
  start(): Promise<void>;
  /** Queues the line(s) of one change of the live stream. */
  change(change: StoreChange): void;
  /**
   * Queues a catch-up: the deliveries received since {@link since} that were not printed, then the
   * handler outcomes not printed of those deliveries' events and of the events still awaiting one.
   */
  catchUp(onDone?: (missed: { deliveries: number; outcomes: number }) => void): void;
  /** Resolves when the queued work is done. */
  settled(): Promise<void>;
}

/** A page of `GET /deliveries` (newest first). */
interface DeliveryPage {
  items: DeliverySummaryJson[];
  nextCursor: string | null;
}

const PAGE = 500;
/**
 * How many printed keys are remembered: a catch-up only lists from the newest delivery printed, so
 * only recent ones can come again; a tail left running for weeks keeps no more than this.
 */
const REMEMBERED = 10_000;
/** How many events whose jobs had not finished are remembered for a catch-up (the newest). */
const AWAITED = 1000;

const finished = (status: string): boolean => status === 'succeeded' || status === 'dead';

export function adminFeed(api: AdminApi, output: Output, options: AdminFeedOptions): AdminFeed {
  const filter: Partial<DeliveryQuery> = { shop: options.shop, event: options.event };
  const watched = (shop: string, event: string): boolean =>
    (options.shop === undefined || shop === options.shop) &&
    (options.event === undefined || event === options.event);
  /** Deliveries (`id:status`) and outcomes (`jobId:status:attempts`) printed. */
  const printed = new Set<string>();
  let since: FeedMark | null = null;
  let deliveries = 0;
  /** Events shown whose jobs had not all finished when last read, oldest first: a catch-up reads them. */
  const awaiting = new Set<string>();
  let queue: Promise<void> = Promise.resolve();
  const remember = (key: string): void => {
    printed.add(key);
    // a Set iterates in insertion order: the first key is the oldest
    if (printed.size > REMEMBERED) printed.delete(printed.values().next().value as string);
  };
  /** Keeps an event for the next catch-up while one of its jobs has not finished. */
  const noteJobs = (eventId: string, jobStatuses: readonly string[]): void => {
    awaiting.delete(eventId);
    if (jobStatuses.every(finished)) return;
    awaiting.add(eventId);
    if (awaiting.size > AWAITED) awaiting.delete(awaiting.values().next().value as string);
  };

  const enqueue = (what: string, work: () => Promise<void>): void => {
    queue = queue.then(work).catch((error: unknown) => {
      // the admin API's message names ids and the receiver, never a delivery's content
      output.warn(`could not read ${what}: ${(error as Error).message}`);
    });
  };

  /** Prints a delivery unless printed already; true when printed. */
  const print = (delivery: DeliverySummaryJson | DeliveryDetailJson, status = delivery.status): boolean => {
    const key = `${delivery.id}:${status}`;
    if (printed.has(key)) return false;
    remember(key);
    const line = deliveryLine(
      { deliveryId: delivery.id, shop: delivery.shop, event: delivery.event, status },
      new Date(delivery.receivedAt),
      delivery.events,
      delivery.decodeError,
    );
    showDelivery(output, line, options);
    deliveries += 1;
    for (const event of delivery.events)
      noteJobs(
        event.id,
        event.handlers.map((handler) => handler.status),
      );
    if (since === null || delivery.receivedAt >= since.receivedAt) {
      since = { id: delivery.id, receivedAt: delivery.receivedAt };
    }
    return true;
  };

  const onDelivery = async (change: DeliveryChange): Promise<void> => {
    if (!watched(change.shop, change.event)) return;
    if (printed.has(`${change.deliveryId}:${change.status}`)) return;
    const answer = await api.get<{ delivery: DeliveryDetailJson }>(
      `/deliveries/${encodeURIComponent(change.deliveryId)}`,
    );
    print(answer.delivery, change.status);
  };

  /** Prints the outcome of a job change unless printed already or not news; true when printed. */
  const printOutcome = (change: JobChange, event: EventDetailJson): boolean => {
    const job = event.jobs.find((candidate) => candidate.id === change.jobId);
    const key = `${change.jobId}:${change.status}:${job?.attempts ?? ''}`;
    if (printed.has(key)) return false;
    const line = outcomeLine(change, event, job, new Date());
    if (!line) return false;
    remember(key);
    showOutcome(output, line, options);
    return true;
  };

  /** {@link noteJobs} for an event as read in whole. */
  const noteEvent = (event: EventDetailJson): void =>
    noteJobs(
      event.id,
      event.jobs.map((job) => job.status),
    );

  const readEvent = async (eventId: string): Promise<EventDetailJson> =>
    (await api.get<{ event: EventDetailJson }>(`/events/${encodeURIComponent(eventId)}`)).event;

  const onJob = async (change: JobChange): Promise<void> => {
    if (!mayBeOutcome(change)) return;
    const event = await readEvent(change.eventId);
    if (!watched(event.shop, event.event)) return;
    printOutcome(change, event);
    noteEvent(event);
  };

  /**
   * The handlers by name as they are now (`GET /handlers`): which are disabled, for the causes a catch-up
   * rebuilds. None when the receiver cannot say (its jobs are then told by their status alone).
   */
  const readHandlers = async (): Promise<Map<string, HandlerOverviewJson>> => {
    try {
      const { items } = await api.get<{ items: HandlerOverviewJson[] }>('/handlers');
      return new Map(items.map((handler) => [handler.name, handler]));
    } catch {
      return new Map();
    }
  };

  /**
   * The outcomes of an event's jobs as they are now, those not printed, each with the cause its change
   * had on the live stream rebuilt from the job (catch-up-cause.ts); how many were printed.
   */
  const catchUpOutcomes = async (
    eventId: string,
    handlers: ReadonlyMap<string, HandlerOverviewJson>,
  ): Promise<number> => {
    let event: EventDetailJson;
    try {
      event = await readEvent(eventId);
    } catch (error) {
      awaiting.delete(eventId); // pruned or erased meanwhile: not asked again
      output.warn(`could not read event ${eventId}: ${(error as Error).message}`);
      return 0;
    }
    let shown = 0;
    for (const job of event.jobs) {
      const change: JobChange = {
        kind: 'job',
        jobId: job.id,
        eventId: event.id,
        handler: job.handler,
        status: job.status,
      };
      const cause = catchUpCause(job, handlers.get(job.handler));
      if (cause !== undefined) change.cause = cause;
      if (printOutcome(change, event)) shown += 1;
    }
    noteEvent(event);
    return shown;
  };

  /** Every matching delivery received at or after `from`, oldest first. */
  const listSince = async (from: string | undefined): Promise<DeliverySummaryJson[]> => {
    const found: DeliverySummaryJson[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.get<DeliveryPage>('/deliveries', { ...filter, from, limit: PAGE, cursor });
      found.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return found.reverse();
  };

  return {
    get deliveries() {
      return deliveries;
    },
    get since() {
      return since;
    },
    async start() {
      const page = await api.get<DeliveryPage>('/deliveries', { ...filter, limit: 1 });
      const newest = page.items[0];
      if (newest) {
        since = { id: newest.id, receivedAt: newest.receivedAt };
        // there before tail started: not news
        remember(`${newest.id}:${newest.status}`);
      }
    },
    change(change) {
      // an erasure of a delivery's personal data is no arrival: not printed as one
      if (change.kind === 'delivery') {
        if (change.cause === undefined) enqueue(`delivery ${change.deliveryId}`, () => onDelivery(change));
      } else if (change.kind === 'job') enqueue(`event ${change.eventId}`, () => onJob(change));
    },
    catchUp(onDone) {
      enqueue('the deliveries received meanwhile', async () => {
        let missed = 0;
        const mark = since;
        /** Events of the deliveries printed now whose jobs reached an outcome meanwhile. */
        const ended: string[] = [];
        const handlers = await readHandlers();
        /** A job waiting for its disabled handler: its attempt may have disabled it (a `disabled` outcome). */
        const waiting = (handler: { handler: string; status: string }) =>
          handler.status === 'pending' && handlers.get(handler.handler)?.disabled === true;
        for (const delivery of await listSince(mark?.receivedAt)) {
          // the mark itself was printed, or was there before tail started
          if (delivery.id === mark?.id) continue;
          if (!print(delivery)) continue;
          missed += 1;
          for (const event of delivery.events)
            if (
              event.handlers.some(
                (handler) => finished(handler.status) || handler.failures > 0 || waiting(handler),
              )
            )
              ended.push(event.id);
        }
        let outcomes = 0;
        for (const eventId of new Set([...awaiting, ...ended]))
          outcomes += await catchUpOutcomes(eventId, handlers);
        onDone?.({ deliveries: missed, outcomes });
      });
    },
    settled: async () => {
      for (;;) {
        const current = queue;
        await current;
        if (current === queue) return;
      }
    },
  };
}

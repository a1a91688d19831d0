/**
 * The lines of `events tail`: the receiver's live stream says which delivery or job changed (ids and
 * statuses only), the admin API supplies what the line shows — `GET /admin/api/deliveries/:id` for a
 * delivery, `GET /admin/api/events/:id` for a handler outcome. After the stream was lost a catch-up prints
 * what changed meanwhile: `GET /admin/api/deliveries?changedSince=…` lists the deliveries received,
 * drained from the spool (their line shows their arrival all the same), re-processed, or with a job written
 * since a receiver time tail knows (the `asOf` of its first list, then
 * the newest change it read less {@link OVERLAP_MS}), and it prints, in the order they happened, the
 * deliveries received or re-processed then and the handler outcomes their jobs reached then — of older
 * events too (a replay, a dead-letter replay, a released or backfilled event), each said as the live stream
 * says it (a job an erasure cancelled, one whose attempt disabled its handler: catch-up-cause.ts). A
 * receiver without `changedSince` (older than this srhooks) is caught up on as before: the deliveries
 * received since the newest one printed, and the outcomes of those and of the events whose jobs had not
 * finished when last read. The lines are listen's (feed-lines.ts), masked unless `--reveal`. Work runs
 * one item at a time in arrival order, so a delivery's line comes before its outcomes', and a delivery or
 * outcome is printed once (by id and status), however it was learnt. `--since` (a {@link FeedHistory})
 * moves the start of the first catch-up back: what changed since then is printed first, as a catch-up.
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
import { catchUpChange } from './catch-up-cause.js';
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

/**
 * Where the next catch-up begins: `receivedAt` is the receiver time it lists changes from (or, from a
 * receiver without `changedSince`, the receive time of `id`, the newest delivery printed or there at start).
 */
export interface FeedMark {
  id: string;
  receivedAt: string;
}

/**
 * `events tail --since`: where the history printed before the live lines begins — a duration back from the
 * receiver's time (its `asOf`; this machine's clock for a receiver without one), or a time.
 */
export type FeedHistory = { backMs: number } | { from: string };

export interface AdminFeed {
  /** Deliveries printed so far. */
  readonly deliveries: number;
  /**
   * Where the next catch-up begins: null when it lists from a receiver without `changedSince` that had no
   * (matching) delivery at start.
   */
  readonly since: FeedMark | null;
  /**
   * Asks the admin API for the newest matching delivery (`GET /deliveries?limit=1`); its answer's `asOf`
   * (the receiver's time) is where the first catch-up begins, nothing before it is news — or, with
   * `history`, the time it names: the first catch-up then prints what was stored or handled since.
   * Throws what the admin API client throws: a refused token, a URL that is not a receiver, a filter the
   * receiver refuses. Resolves to where the history begins (null without one).
   */
  start(history?: FeedHistory): Promise<string | null>;
  /** Queues the line(s) of one change of the live stream. */
  change(change: StoreChange): void;
  /**
   * Queues a catch-up: the deliveries received or re-processed since {@link since} and the handler outcomes
   * reached since then, those not printed, in the order they happened.
   */
  catchUp(onDone?: (missed: { deliveries: number; outcomes: number }) => void): void;
  /** Resolves when the queued work is done. */
  settled(): Promise<void>;
}

/** A page of `GET /deliveries` (newest first). */
interface DeliveryPage {
  items: DeliverySummaryJson[];
  nextCursor: string | null;
  /** The receiver's time before it read the list (absent from a receiver older than `changedSince`). */
  asOf?: string;
}

/**
 * How long before the newest change tail read (a delivery's receive or re-process time, a job's last
 * write) a catch-up starts listing: a change stamped a little earlier may commit, and reach the stream,
 * later (a write waiting for the store, another receiver on the same database), and the newest one read
 * may be newer than one the stream had not sent yet when it was lost. What tail printed in between is
 * not printed again (remembered by id and status).
 */
export const OVERLAP_MS = 60_000;

const PAGE = 500;
/**
 * How many printed keys are remembered: a catch-up only lists what changed since shortly before the newest
 * change read ({@link OVERLAP_MS}), or from the newest delivery printed, so only recent ones can come
 * again; a tail left running for weeks keeps no more than this.
 */
const REMEMBERED = 10_000;
/** How many events whose jobs had not finished are remembered for a catch-up (the newest). */
const AWAITED = 1000;

const finished = (status: string): boolean => status === 'succeeded' || status === 'dead';

/**
 * When a delivery entered the store: when it was drained from the spool (`storedAt`; the receiver spooled
 * it while its store was unavailable), else its arrival. Absent from a receiver older than `storedAt`.
 */
const storedAt = (delivery: DeliverySummaryJson): string => delivery.storedAt ?? delivery.receivedAt;

export function adminFeed(api: AdminApi, output: Output, options: AdminFeedOptions): AdminFeed {
  const filter: Partial<DeliveryQuery> = { shop: options.shop, event: options.event };
  const watched = (shop: string, event: string): boolean =>
    (options.shop === undefined || shop === options.shop) &&
    (options.event === undefined || event === options.event);
  /** Deliveries (`id:status`) and outcomes (`jobId:status:attempts`) printed. */
  const printed = new Set<string>();
  let since: FeedMark | null = null;
  /** The receiver's time at start (`asOf`): nothing before it is news. Null: it has no `changedSince`. */
  let floor: string | null = null;
  /** The newest receiver time of a change read (or a catch-up's `asOf`). */
  let newest: string | null = null;
  const note = (time: string | null | undefined): void => {
    if (time && (newest === null || time > newest)) newest = time;
  };
  /** The receiver time the next catch-up lists changes from (with `changedSince`). */
  const changedFrom = (base: string): string => {
    if (newest === null) return base;
    const overlapped = new Date(Date.parse(newest) - OVERLAP_MS).toISOString();
    return overlapped > base ? overlapped : base;
  };
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
    note(delivery.receivedAt);
    note(delivery.storedAt);
    note(delivery.reprocessedAt);
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

  /**
   * Prints the outcome of a job change unless printed already or not news; true when printed. `at`: the
   * time the line shows (the job's last write, for an outcome caught up on), else now.
   */
  const printOutcome = (change: JobChange, event: EventDetailJson, at = new Date()): boolean => {
    const job = event.jobs.find((candidate) => candidate.id === change.jobId);
    note(job?.updatedAt);
    const key = `${change.jobId}:${change.status}:${job?.attempts ?? ''}`;
    if (printed.has(key)) return false;
    const line = outcomeLine(change, event, job, at);
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
      if (printOutcome(catchUpChange(event.id, job, handlers.get(job.handler)), event)) shown += 1;
    }
    noteEvent(event);
    return shown;
  };

  /**
   * Every matching delivery received at or after `from` (`changed`: false), or received, re-processed or
   * with a job written at or after it (`changed`: true), oldest first; and the first page's `asOf`.
   */
  const listSince = async (
    from: string | undefined,
    changed = false,
  ): Promise<{ items: DeliverySummaryJson[]; asOf: string | undefined }> => {
    const found: DeliverySummaryJson[] = [];
    let cursor: string | undefined;
    let asOf: string | undefined;
    const since = changed ? { changedSince: from } : { from };
    do {
      const page = await api.get<DeliveryPage>('/deliveries', { ...filter, ...since, limit: PAGE, cursor });
      asOf ??= page.asOf;
      found.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return { items: found.reverse(), asOf };
  };

  /**
   * A catch-up through `changedSince` (a receiver that answers `asOf`): what changed at or after `from`,
   * each line at the time it happened, in that order (a delivery's line before its outcomes).
   */
  const catchUpChanges = async (from: string): Promise<{ deliveries: number; outcomes: number }> => {
    const { items, asOf } = await listSince(from, true);
    const handlers = await readHandlers();
    const waiting = (handler: { handler: string; status: string }) =>
      handler.status === 'pending' && handlers.get(handler.handler)?.disabled === true;
    const lines: { at: string; show: () => boolean; kind: 'delivery' | 'outcome' }[] = [];
    for (const delivery of items) {
      // received, drained from the spool or re-processed while tail was away (else listed for a job written
      // then); a drained delivery's line still shows its arrival
      const reprocessed = delivery.reprocessedAt !== null && delivery.reprocessedAt >= from;
      const changedAt = reprocessed ? (delivery.reprocessedAt as string) : storedAt(delivery);
      const arrived = changedAt >= from;
      if (arrived) lines.push({ at: changedAt, kind: 'delivery', show: () => print(delivery) });
      for (const summary of delivery.events) {
        // only a job that ran (or waits for the handler its attempt disabled) can have an outcome to print
        if (!summary.handlers.some((job) => finished(job.status) || job.failures > 0 || waiting(job)))
          continue;
        let event: EventDetailJson;
        try {
          event = await readEvent(summary.id);
        } catch (error) {
          output.warn(`could not read event ${summary.id}: ${(error as Error).message}`);
          continue;
        }
        for (const job of event.jobs) {
          if (job.updatedAt < from) continue;
          const change = catchUpChange(event.id, job, handlers.get(job.handler));
          const at = arrived && changedAt > job.updatedAt ? changedAt : job.updatedAt;
          lines.push({
            at,
            kind: 'outcome',
            show: () => {
              const shown = printOutcome(change, event, new Date(job.updatedAt));
              noteEvent(event);
              return shown;
            },
          });
        }
      }
    }
    const missed = { deliveries: 0, outcomes: 0 };
    // a stable sort: a delivery's line stays before its outcomes of the same time
    for (const line of lines.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)))
      if (line.show()) missed[line.kind === 'delivery' ? 'deliveries' : 'outcomes'] += 1;
    note(asOf);
    return missed;
  };

  return {
    get deliveries() {
      return deliveries;
    },
    get since() {
      if (floor === null) return since;
      return { id: since?.id ?? '', receivedAt: changedFrom(floor) };
    },
    async start(history) {
      const page = await api.get<DeliveryPage>('/deliveries', { ...filter, limit: 1 });
      if (typeof page.asOf === 'string') floor = page.asOf;
      if (history !== undefined) {
        const from =
          'from' in history
            ? history.from
            : new Date(Date.parse(floor ?? new Date().toISOString()) - history.backMs).toISOString();
        // the first catch-up lists from there: what changed since (or, from a receiver without
        // `changedSince`, the deliveries received since and their outcomes); the newest delivery is history too
        if (floor !== null) floor = from;
        else since = { id: '', receivedAt: from };
        return from;
      }
      const first = page.items[0];
      if (first) {
        since = { id: first.id, receivedAt: first.receivedAt };
        // there before tail started: not news
        remember(`${first.id}:${first.status}`);
      }
      return null;
    },
    change(change) {
      // an erasure of a delivery's personal data is no arrival: not printed as one
      if (change.kind === 'delivery') {
        if (change.cause === undefined) enqueue(`delivery ${change.deliveryId}`, () => onDelivery(change));
      } else if (change.kind === 'job') enqueue(`event ${change.eventId}`, () => onJob(change));
    },
    catchUp(onDone) {
      enqueue('the deliveries received meanwhile', async () => {
        if (floor !== null) {
          // not `onDone?.(await …)`: without a callback (the first open) that would skip the catch-up itself
          const missed = await catchUpChanges(changedFrom(floor));
          onDone?.(missed);
          return;
        }
        let missed = 0;
        const mark = since;
        /** Events of the deliveries printed now whose jobs reached an outcome meanwhile. */
        const ended: string[] = [];
        const handlers = await readHandlers();
        /** A job waiting for its disabled handler: its attempt may have disabled it (a `disabled` outcome). */
        const waiting = (handler: { handler: string; status: string }) =>
          handler.status === 'pending' && handlers.get(handler.handler)?.disabled === true;
        for (const delivery of (await listSince(mark?.receivedAt)).items) {
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

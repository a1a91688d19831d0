/**
 * Backfill: replay the events of a time window to one handler — a handler added after they arrived
 * (`missingOnly`), or one whose target lost what it had accepted. Each event is replayed as
 * `POST /events/:id/replay?handler=…` would (its job for that handler runs again now, or is created), so
 * a backfill is as safe as a replay: the handler sees the same event id again (its idempotency key).
 *
 * Which events: received in [from, to) (to: the call's start when left out), of the shop and event when
 * given; queued oldest first, a few at a time (the handler's own concurrency decides the order they run). Left out and counted: duplicates (they have no jobs), held events (verification
 * mismatched: release each after checking it), events whose personal data was erased (`srhooks erase`: their
 * payload is gone and the store refuses to replay them, as it leaves their dead letters out of a dead-letter
 * replay; one erased after the window was read is counted the same when its replay is refused), events the
 * handler is not configured for now (their shop and event do not route to it), webhook events of an app shop that uninstalled the app (not the app's own events), events whose job for the
 * handler waits to run already (pending or running: it runs anyway), and with `missingOnly` events that
 * have a job of the handler. At most MAX_BACKFILL_EVENTS per call, checked before anything is replayed.
 */
import { isAppEvent } from '@srhooks/contracts';
import type { HandlerRegistry } from '../handlers/handler-registry.js';
import {
  ErasedEventReplayError,
  type EventSummary,
  type HandlerDisabledBy,
  type Store,
  type WithHandlerStates,
} from '../store/store.js';
import { AdminApiError } from './admin-errors.js';
import type { BackfillRequest } from './admin-request-schemas.js';

/** The most events one backfill call replays; a larger window is refused before anything is replayed. */
export const MAX_BACKFILL_EVENTS = 10_000;
/** Events read per store call while the window is walked. */
const PAGE_SIZE = 500;
/** Replays in flight at once (the store commits them in groups). */
const CONCURRENCY = 4;

export interface BackfillSkipped {
  duplicate: number;
  /** Personal data erased on request: nothing left to replay. */
  erased: number;
  held: number;
  notRouted: number;
  uninstalled: number;
  waiting: number;
  hasJob: number;
}

export interface BackfillResult {
  dryRun: boolean;
  handler: string;
  from: Date;
  to: Date;
  /** Events replayed, each with one job queued for the handler (a dry run: that would be). */
  events: number;
  skipped: BackfillSkipped;
  /** Who disabled the handler (its target's 410, or an operator), null while enabled: its jobs wait until it is enabled. */
  handlerDisabledBy: HandlerDisabledBy | null;
}

export interface BackfillDependencies {
  store: Store;
  handlers: HandlerRegistry;
  /**
   * Whether a shop has uninstalled the app according to the store (app mode; one read, asked once per shop of
   * the window): its events are not sent anywhere any more. Throws when the store cannot say.
   */
  uninstalledInStore: (shop: string) => Promise<boolean>;
  /** Each store call bounded by the store timeout (AdminOperations). */
  call: <T>(operation: string, call: Promise<T>) => Promise<T>;
}

type SkipReason = keyof BackfillSkipped;

/** Why `event` is left out of a backfill to `handler`, or null when it is replayed. */
function skipReason(
  event: WithHandlerStates<EventSummary>,
  request: BackfillRequest,
  deps: BackfillDependencies,
  uninstalled: ReadonlyMap<string, boolean>,
): SkipReason | null {
  if (event.duplicateOf !== null) return 'duplicate';
  if (event.erasure !== undefined) return 'erased';
  if (!deps.handlers.namesFor(event.shop, event.event).includes(request.handler)) return 'notRouted';
  // The app's own events (app_uninstalled, Payment API notifications) are handled after an uninstall too.
  if (!isAppEvent(event.event) && uninstalled.get(event.shop) === true) return 'uninstalled';
  if (event.held) return 'held';
  const job = event.handlers.find((state) => state.handler === request.handler);
  if (job === undefined) return null;
  if (job.status === 'pending' || job.status === 'running') return 'waiting';
  return request.missingOnly ? 'hasJob' : null;
}

export async function backfillEvents(
  deps: BackfillDependencies,
  request: BackfillRequest,
  options: {
    now?: Date;
    maxEvents?: number;
    /** Where the request's options were read from (admin-errors.ts optionsPart), named by a refusal: body by default. */
    part?: 'query' | 'body';
  } = {},
): Promise<BackfillResult> {
  const now = options.now ?? new Date();
  const maxEvents = options.maxEvents ?? MAX_BACKFILL_EVENTS;
  // Refusals name their field as a field refused by its schema is (AdminValidationError): part and field.
  const part = options.part ?? 'body';
  if (deps.handlers.definition(request.handler) === undefined) {
    const names = deps.handlers.entries().map(([name]) => name);
    throw new AdminApiError(
      400,
      'unknown_handler',
      `handler: "${request.handler}" is not configured; configured handlers: ${names.length > 0 ? names.join(', ') : 'none'}`,
      { in: part, field: 'handler' },
    );
  }
  const to = request.to ?? now;
  if (!(request.from < to)) {
    throw new AdminApiError(
      400,
      'invalid_request',
      `${part}.from: must be earlier than to (or than now, without to)`,
      { in: part, field: 'from' },
    );
  }
  const skipped: BackfillSkipped = {
    duplicate: 0,
    erased: 0,
    held: 0,
    notRouted: 0,
    uninstalled: 0,
    waiting: 0,
    hasJob: 0,
  };
  const chosen: string[] = [];
  const uninstalled = new Map<string, boolean>();
  let cursor: string | undefined;
  for (;;) {
    const page = await deps.call(
      'list events',
      deps.store.listEvents({
        from: request.from,
        to,
        ...(request.shop === undefined ? {} : { shop: request.shop }),
        ...(request.event === undefined ? {} : { event: request.event }),
        limit: PAGE_SIZE,
        ...(cursor === undefined ? {} : { cursor }),
      }),
    );
    // The install state of each shop of the page not read yet (the store's, not a list in memory).
    const unread = new Set(
      page.items
        .filter((event) => !isAppEvent(event.event) && !uninstalled.has(event.shop))
        .map((e) => e.shop),
    );
    for (const shop of unread) uninstalled.set(shop, await deps.uninstalledInStore(shop));
    for (const event of page.items) {
      const reason = skipReason(event, request, deps, uninstalled);
      if (reason === null) chosen.push(event.id);
      else skipped[reason] += 1;
    }
    if (chosen.length > maxEvents) {
      throw new AdminApiError(
        400,
        'too_many_events',
        `More than ${maxEvents} events in this window would be replayed to ${request.handler}; nothing was replayed. Backfill a shorter window (from/to) or one shop or event at a time.`,
        { max: maxEvents },
      );
    }
    if (page.nextCursor === null) break;
    cursor = page.nextCursor;
  }
  // The list is newest first; queue the oldest first.
  chosen.reverse();
  let replayed = chosen.length;
  if (!request.dryRun) {
    let next = 0;
    const worker = async () => {
      while (next < chosen.length) {
        const id = chosen[next++] as string;
        try {
          await deps.call('replay event', deps.store.replayEvent(id, { handler: request.handler }));
        } catch (error) {
          // Erased after the window was read: left out as the ones erased before are.
          if (!(error instanceof ErasedEventReplayError)) throw error;
          skipped.erased += 1;
          replayed -= 1;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, chosen.length) }, worker));
  }
  const state = (await deps.call('list handler states', deps.store.listHandlerStates())).find(
    (candidate) => candidate.handler === request.handler,
  );
  return {
    dryRun: request.dryRun ?? false,
    handler: request.handler,
    from: request.from,
    to,
    events: replayed,
    skipped,
    handlerDisabledBy: state?.disabled ? state.disabledBy : null,
  };
}

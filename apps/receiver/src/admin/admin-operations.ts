/**
 * What an admin can do, shared by the JSON admin API and the inspector's buttons: reads bounded by the
 * store timeout (a hung store is a quick 503, never a hanging page), replays, releasing a held event,
 * re-processing a quarantined delivery, re-enabling a disabled handler. By concern: an event's replay
 * (event-replay-operation.ts), backfill (events-backfill.ts), dead letters (dead-letter-operations.ts),
 * handlers (handler-operations.ts), re-processing (delivery-reprocess.ts); this class holds what they
 * share (admin-operations-context.ts).
 */
import type { ReceiverConfig } from '../config/config-schema.js';
import type { HandlerRegistry } from '../handlers/handler-registry.js';
import { withStoreTimeout } from '../ingest/store-call.js';
import type { HandlerProblem } from '../processing/handler-problems.js';
import type { AppShopStore } from '../store/app-shops/app-shop-store.js';
import { olderThanDays } from '../store/prune-plan.js';
import type {
  DeadLetter,
  DeadLetterFilter,
  DeliveryDetail,
  DeliveryFilter,
  DeliverySummary,
  EventDetail,
  EventFilter,
  EventSummary,
  HandlerBacklog,
  IngestResult,
  JobRecord,
  Page,
  PruneCounts,
  Store,
  WithHandlerStates,
} from '../store/store.js';
import { AdminApiError, notQuarantined } from './admin-errors.js';
import type { AdminOperationsContext } from './admin-operations-context.js';
import type { BackfillRequest, PruneRequest } from './admin-request-schemas.js';
import {
  DEAD_LETTER_REPLAY_BATCH,
  deadLetterPage,
  replayDeadLetters,
  unconfiguredDeadLetters,
  uninstalledShopDeadLetters,
} from './dead-letter-operations.js';
import { DeliveryReprocess, type ReprocessRequest } from './delivery-reprocess.js';
import { replayEvent } from './event-replay-operation.js';
import { type BackfillResult, backfillEvents } from './events-backfill.js';
import { disableHandler, enableHandler, type HandlerOverview, listHandlers } from './handler-operations.js';
import { readInstallState } from './install-state-read.js';

export { DEAD_LETTER_REPLAY_BATCH } from './dead-letter-operations.js';
export type { ReprocessRequest } from './delivery-reprocess.js';
export { type HandlerOverview, OPERATOR_DISABLE_REASON } from './handler-operations.js';

export interface AdminOperationsOptions {
  store: Store;
  handlers: HandlerRegistry;
  config: Pick<ReceiverConfig, 'bodyLimit' | 'storeTimeoutMs' | 'shops' | 'app'>;
  /** App mode's store: quarantined Payment API notifications are re-processed with its filing rules. */
  appShops?: AppShopStore | null;
  /** Why this receiver's worker cannot run a handler now (JobWorker.handlerProblem); none without a worker. */
  handlerProblem?: (handler: string) => HandlerProblem | null;
  /**
   * Whether a shop has uninstalled the app according to the store now (app mode: the shop directory's
   * `uninstalledInStore`, one read — not its list in memory, which may be behind another instance's re-install
   * or uninstall on the same PostgreSQL store); none without app mode. Store errors are thrown.
   */
  uninstalledInStore?: (shop: string) => Promise<boolean>;
  /** Every shop that has uninstalled the app according to the store now (`uninstalledShopsInStore`); none without app mode. */
  uninstalledShopsInStore?: () => Promise<string[]>;
}

export class AdminOperations {
  readonly #store: Store;
  readonly #reprocess: DeliveryReprocess;
  readonly #handlerProblem: (handler: string) => HandlerProblem | null;
  readonly #context: AdminOperationsContext;

  constructor(options: AdminOperationsOptions) {
    const { store, handlers, config } = options;
    this.#store = store;
    this.#reprocess = new DeliveryReprocess({ ...options, appShops: options.appShops ?? null });
    this.#handlerProblem = options.handlerProblem ?? (() => null);
    const uninstalledInStore = options.uninstalledInStore ?? (async () => false);
    const uninstalledShopsInStore = options.uninstalledShopsInStore ?? (async () => []);
    this.#context = {
      store,
      handlers,
      call: (operation, call) => withStoreTimeout(operation, call, config.storeTimeoutMs),
      installState: (what, outcome, read) => readInstallState(what, outcome, read, config.storeTimeoutMs),
      uninstalledInStore,
      uninstalledShopsInStore,
    };
  }

  listDeliveries(filter: DeliveryFilter): Promise<Page<DeliverySummary>> {
    return this.#call('list deliveries', this.#store.listDeliveries(filter));
  }

  listEvents(filter: EventFilter): Promise<Page<WithHandlerStates<EventSummary>>> {
    return this.#call('list events', this.#store.listEvents(filter));
  }

  async getDelivery(id: string): Promise<DeliveryDetail> {
    const delivery = await this.#call('read delivery', this.#store.getDelivery(id));
    if (!delivery) throw notFound('delivery', id);
    return delivery;
  }

  async getEvent(id: string): Promise<EventDetail> {
    const event = await this.#call('read event', this.#store.getEvent(id));
    if (!event) throw notFound('event', id);
    return event;
  }

  listDeadLetters(filter: DeadLetterFilter): Promise<DeadLetter[]> {
    return this.#call('list dead letters', this.#store.listDeadLetters(filter));
  }

  /** One page of dead letters, its `nextCursor` and the filter's total (dead-letter-operations.ts). */
  deadLetterPage(
    filter: DeadLetterFilter,
  ): Promise<{ items: DeadLetter[]; nextCursor: string | null; total: number }> {
    return deadLetterPage(this.#context, filter);
  }

  /**
   * Re-runs the event's jobs now (or only `handler`'s). Replaying every handler also creates jobs for
   * handlers configured for the event's shop and event after it arrived. Releases a hold. `part`: where
   * `handler` was read from (a refusal names its field by it).
   */
  async replayEvent(id: string, handler?: string, part: 'query' | 'body' = 'body'): Promise<JobRecord[]> {
    return replayEvent(this.#context, id, await this.getEvent(id), handler, part);
  }

  /**
   * Replays a window's events to one handler (events-backfill.ts); `part`: where the request's options
   * were read from (a refusal names its field by it).
   */
  backfill(request: BackfillRequest, part: 'query' | 'body' = 'body'): Promise<BackfillResult> {
    const context = this.#context;
    return backfillEvents(
      {
        store: context.store,
        handlers: context.handlers,
        uninstalledInStore: (shop) =>
          context.installState(`shop ${shop}'s install state`, 'nothing was replayed', () =>
            context.uninstalledInStore(shop),
          ),
        call: (operation, call) => context.call(operation, call),
      },
      request,
      { part },
    );
  }

  /** Lets a held (verification mismatched) event's jobs run. */
  async releaseEvent(id: string): Promise<JobRecord[]> {
    const event = await this.getEvent(id);
    if (!event.held) {
      throw new AdminApiError(
        409,
        'not_held',
        `Event ${id} is not held (status ${event.status}); nothing to release.`,
      );
    }
    const result = await this.#call('release event', this.#store.replayEvent(id));
    return result.jobs;
  }

  /**
   * Decodes a quarantined delivery again (after a decoder fix) and stores its events and jobs. A Payment
   * API notification runs the payment filing rules again (delivery-reprocess.ts).
   */
  async reprocessDelivery(id: string, request: ReprocessRequest = {}): Promise<IngestResult> {
    const delivery = await this.getDelivery(id);
    if (delivery.status !== 'quarantined') {
      throw notQuarantined(
        `Delivery ${id} is ${delivery.status}, not quarantined: only quarantined deliveries can be re-processed.`,
      );
    }
    if (delivery.erasure !== undefined) {
      // Its raw body was erased on request: there is nothing left to decode (personal-data/erase-*.ts).
      throw new AdminApiError(
        409,
        'erased',
        `Delivery ${id}'s personal data was erased on request (${delivery.erasure.reason}): its raw body is gone, so it cannot be re-processed.`,
      );
    }
    return this.#reprocess.run(delivery, request);
  }

  /**
   * Replays every dead letter the filter (handler, window) matches that was dead-lettered up to now, each
   * once, in batches of `batchSize` (dead-letter-operations.ts); `part`: where the filter was read from
   * (a refusal names its field by it).
   */
  replayDeadLetters(
    filter: DeadLetterFilter,
    batchSize = DEAD_LETTER_REPLAY_BATCH,
    now = new Date(),
    part: 'query' | 'body' = 'body',
  ): Promise<JobRecord[]> {
    return replayDeadLetters(this.#context, filter, batchSize, now, part);
  }

  /** The dead letters `replayDeadLetters` leaves because their shop uninstalled the app (app mode). */
  uninstalledShopDeadLetters(filter: Pick<DeadLetterFilter, 'from' | 'to' | 'handler'>): Promise<number> {
    return uninstalledShopDeadLetters(this.#context, filter);
  }

  /** The dead letters a replay without a handler filter leaves, per handler removed from the config. */
  unconfiguredDeadLetters(
    filter: Pick<DeadLetterFilter, 'from' | 'to'>,
  ): Promise<Array<{ handler: string; deadLetters: number }>> {
    return unconfiguredDeadLetters(this.#context, filter);
  }

  /**
   * Deletes (or with dryRun counts) the deliveries older than `olderThanDays` days, as retention does.
   * Not bounded by the store timeout: a first prune of a large store takes a while, chunk by chunk.
   */
  async prune(request: PruneRequest, now = new Date()): Promise<PruneCounts & { before: Date }> {
    const before = olderThanDays(request.olderThanDays, now);
    const counts = await this.#store.prune({
      before,
      dryRun: request.dryRun ?? false,
      includeDeadLetters: request.includeDeadLetters ?? false,
    });
    return { before, ...counts };
  }

  /** Every configured handler with its enabled/disabled state (handler-operations.ts). */
  listHandlers(): Promise<HandlerOverview[]> {
    return listHandlers(this.#context, this.#handlerProblem);
  }

  /** Per handler with any: its waiting (pending) jobs and dead letters (the metrics gauges' query). */
  handlerBacklog(): Promise<HandlerBacklog[]> {
    return this.#call('count handler jobs', this.#store.handlerBacklog());
  }

  enableHandler(name: string): Promise<void> {
    return enableHandler(this.#context, name);
  }

  /** An operator pauses a handler; already disabled: left as it was, `changed` false (handler-operations.ts). */
  disableHandler(name: string): Promise<{ changed: boolean; state: HandlerOverview }> {
    return disableHandler(this.#context, name, this.#handlerProblem);
  }

  #call<T>(operation: string, call: Promise<T>): Promise<T> {
    return this.#context.call(operation, call);
  }
}

function notFound(what: 'delivery' | 'event', id: string): AdminApiError {
  return new AdminApiError(
    404,
    'not_found',
    `No ${what} with id "${id}" exists; list them with GET /admin/api/${what === 'delivery' ? 'deliveries' : 'events'}.`,
    { resource: what, id },
  );
}

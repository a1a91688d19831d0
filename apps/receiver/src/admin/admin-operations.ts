/**
 * What an admin can do, shared by the JSON admin API and the inspector's buttons: reads bounded by the
 * store timeout (a hung store is a quick 503, never a hanging page), replays, releasing a held event,
 * re-processing a quarantined delivery, re-enabling a disabled handler.
 */
import { isAppEvent, isWebhookEvent } from '@srhooks/contracts';
import type { ReceiverConfig } from '../config/config-schema.js';
import type { HandlerRegistry } from '../handlers/handler-registry.js';
import { withStoreTimeout } from '../ingest/store-call.js';
import type { HandlerProblem } from '../processing/handler-problems.js';
import type { AppShopStore } from '../store/app-shops/app-shop-store.js';
import { CANCELLED_BY_UNINSTALL } from '../store/app-shops/uninstall-cancellation.js';
import { deadLetterCursor, MAX_DEAD_LETTERS, pageSize } from '../store/list-query.js';
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
  HandlerDisabledBy,
  HandlerState,
  IngestResult,
  JobRecord,
  Page,
  PruneCounts,
  Store,
  WithHandlerStates,
} from '../store/store.js';
import { AdminApiError, notQuarantined } from './admin-errors.js';
import type { BackfillRequest, PruneRequest } from './admin-request-schemas.js';
import { DeliveryReprocess, type ReprocessRequest } from './delivery-reprocess.js';
import { type BackfillResult, backfillEvents } from './events-backfill.js';
import { readInstallState } from './install-state-read.js';
import { refuseRunningJobs } from './running-job-replay.js';

/** Dead letters replayed per store call by `replayDeadLetters` (at most MAX_DEAD_LETTERS). */
export const DEAD_LETTER_REPLAY_BATCH = 1000;

export type { ReprocessRequest } from './delivery-reprocess.js';

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

/** The reason an operator's disable records (shown by `srhooks handlers`, the API and the inspector). */
export const OPERATOR_DISABLE_REASON =
  'disabled by an operator (srhooks handlers disable): its jobs wait, not attempted; enable the handler to run them';

export interface HandlerOverview {
  name: string;
  type: string;
  disabled: boolean;
  /** Who disabled it: `target` (its forward target answered 410) or `operator` (handlers disable); null while enabled. */
  disabledBy: HandlerDisabledBy | null;
  reason: string | null;
  changedAt: Date | null;
  /** This receiver cannot run it now (its module did not load): what is wrong, since when; null when it can. */
  problem: HandlerProblem | null;
}

export class AdminOperations {
  readonly #store: Store;
  readonly #handlers: HandlerRegistry;
  readonly #config: AdminOperationsOptions['config'];
  readonly #reprocess: DeliveryReprocess;
  readonly #handlerProblem: (handler: string) => HandlerProblem | null;
  readonly #uninstalledInStore: (shop: string) => Promise<boolean>;
  readonly #uninstalledShopsInStore: () => Promise<string[]>;

  constructor(options: AdminOperationsOptions) {
    this.#store = options.store;
    this.#handlers = options.handlers;
    this.#config = options.config;
    this.#reprocess = new DeliveryReprocess({ ...options, appShops: options.appShops ?? null });
    this.#handlerProblem = options.handlerProblem ?? (() => null);
    this.#uninstalledInStore = options.uninstalledInStore ?? (async () => false);
    this.#uninstalledShopsInStore = options.uninstalledShopsInStore ?? (async () => []);
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

  /**
   * One page of dead letters, its `nextCursor` and the filter's total: `limit` a page (default 50, at
   * most 500, as deliveries and events; `pageSize`), so a large store's list is not 10,000 rows at once.
   */
  async deadLetterPage(
    filter: DeadLetterFilter,
  ): Promise<{ items: DeadLetter[]; nextCursor: string | null; total: number }> {
    const limit = pageSize(filter.limit);
    const { cursor: _cursor, limit: _limit, ...counted } = filter;
    if (filter.handler !== undefined) await this.#checkDeadLetterHandler(filter.handler);
    const [items, total] = await Promise.all([
      this.#call('list dead letters', this.#store.listDeadLetters({ ...filter, limit })),
      this.#call('count dead letters', this.#store.countDeadLetters(counted)),
    ]);
    const last = items.at(-1);
    if (items.length < limit || !last) return { items, nextCursor: null, total };
    // A full page: is there anything after it?
    const nextCursor = deadLetterCursor(last.job);
    const after = await this.#call(
      'list dead letters',
      this.#store.listDeadLetters({ ...counted, cursor: nextCursor, limit: 1 }),
    );
    return { items, nextCursor: after.length > 0 ? nextCursor : null, total };
  }

  /**
   * A dead-letter list's `handler` filter: a configured handler, or one removed from the config that still
   * has dead letters (they stay listed; replaying them is refused, {@link replayDeadLetters}). Any other
   * name (a typo) is refused with the configured handlers, not answered with an empty list.
   */
  async #checkDeadLetterHandler(handler: string): Promise<void> {
    if (this.#handlers.definition(handler) !== undefined) return;
    const left = await this.#call('count dead letters', this.#store.countDeadLetters({ handler }));
    if (left > 0) return;
    const names = this.#handlers.entries().map(([name]) => name);
    throw new AdminApiError(
      400,
      'unknown_handler',
      `handler: "${handler}" is not configured and has no dead letters; configured handlers: ${names.length > 0 ? names.join(', ') : 'none'}`,
      { field: 'handler' },
    );
  }

  /**
   * Re-runs the event's jobs now (or only `handler`'s). Replaying every handler also creates jobs for
   * handlers configured for the event's shop and event after it arrived. Releases a hold.
   */
  async replayEvent(id: string, handler?: string): Promise<JobRecord[]> {
    const event = await this.getEvent(id);
    if (event.duplicateOf !== null) {
      throw new AdminApiError(
        409,
        'duplicate_event',
        `Event ${id} is a duplicate of ${event.duplicateOf} and has no jobs; replay ${event.duplicateOf} instead.`,
        { duplicateOf: event.duplicateOf },
      );
    }
    await this.#refuseUninstalledShop(event);
    refuseRunningJobs(event, handler, new Date());
    const configured = isWebhookEvent(event.event) ? this.#handlers.namesFor(event.shop, event.event) : [];
    if (handler !== undefined) {
      if (this.#handlers.definition(handler) === undefined) {
        throw new AdminApiError(
          400,
          'unknown_handler',
          `handler: "${handler}" is not configured; handlers for ${event.shop}/${event.event}: ${configured.length ? configured.join(', ') : 'none'}`,
          { field: 'handler' },
        );
      }
      const result = await this.#call('replay event', this.#store.replayEvent(id, { handler }));
      return result.jobs;
    }
    const existing = new Set(event.jobs.map((job) => job.handler));
    const removed = [...existing].filter((name) => this.#handlers.definition(name) === undefined);
    const jobs: JobRecord[] = [];
    if (removed.length === 0) {
      jobs.push(...(await this.#call('replay event', this.#store.replayEvent(id))).jobs);
    } else {
      // A handler removed from the config has nothing to run its job again: replayed, it would wait as
      // pending for ever. Its job stays as it is (a dead letter stays listed); the others are replayed.
      for (const name of existing) {
        if (removed.includes(name)) continue;
        jobs.push(...(await this.#call('replay event', this.#store.replayEvent(id, { handler: name }))).jobs);
      }
    }
    for (const name of configured) {
      if (existing.has(name)) continue;
      const added = await this.#call('replay event', this.#store.replayEvent(id, { handler: name }));
      jobs.push(...added.jobs);
    }
    return jobs;
  }

  /**
   * App mode: a webhook event of a shop that uninstalled the app is not replayed. The worker cancels its
   * jobs at their turn (uninstalled-shop-jobs.ts), so a replay would answer "queued" and the job would die at
   * once with the uninstall's reason — turning a job that had succeeded into a dead letter. Refused instead,
   * saying when it can be replayed (after a re-install). The app's own events (Payment API notifications,
   * `app_uninstalled`) are handled after an uninstall too, so they replay as always. Judged by the store's
   * install state (one read), as the worker judges the job: a list in memory may not have seen another
   * instance's re-install (refusing a replay the worker would run) or uninstall (accepting one it cancels).
   */
  async #refuseUninstalledShop(event: EventDetail): Promise<void> {
    if (isAppEvent(event.event)) return;
    const uninstalled = await this.#installState(
      `shop ${event.shop}'s install state`,
      'the event was not replayed',
      () => this.#uninstalledInStore(event.shop),
    );
    if (!uninstalled) return;
    throw new AdminApiError(
      409,
      'shop_uninstalled',
      `Event ${event.id} is of shop ${event.shop}, which uninstalled the app: its jobs would be cancelled at once ("${CANCELLED_BY_UNINSTALL}"), so it is not replayed. Replay it after the app is installed on ${event.shop} again.`,
      { shop: event.shop },
    );
  }

  /**
   * Replays a window's events to one handler (events-backfill.ts); `part`: where the request's options
   * were read from (a refusal names its field by it).
   */
  backfill(request: BackfillRequest, part: 'query' | 'body' = 'body'): Promise<BackfillResult> {
    return backfillEvents(
      {
        store: this.#store,
        handlers: this.#handlers,
        uninstalledInStore: (shop) =>
          this.#installState(`shop ${shop}'s install state`, 'nothing was replayed', () =>
            this.#uninstalledInStore(shop),
          ),
        call: (operation, call) => this.#call(operation, call),
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
   * Replays every dead letter the filter (handler, window) matches that was dead-lettered up to now (the
   * call's start), each once: all of them, not only the newest 10,000. The set is fixed at the start and
   * walked in batches of `batchSize` (at most MAX_DEAD_LETTERS, the store's limit per call), newest first,
   * each batch after the previous one's last by the dead-letter cursor (time, job id): a replayed job that
   * dies again meanwhile has a later dead-letter time, so it is neither in a later batch nor replayed twice
   * (it stays a dead letter, for the next replay). Ends at the first short batch. Each batch is one store
   * call bounded by the store timeout, so batches are small enough to finish within it on a busy machine
   * (10,000 jobs in one SQLite transaction took more than the default 5 s on a loaded CI machine).
   */
  async replayDeadLetters(
    filter: DeadLetterFilter,
    batchSize = DEAD_LETTER_REPLAY_BATCH,
    now = new Date(),
  ): Promise<JobRecord[]> {
    const { cursor: _cursor, limit: _limit, exceptShops: _exceptShops, ...window } = filter;
    // App mode: the dead letters of shops that uninstalled the app stay (their jobs would be cancelled
    // again at once, as at the uninstall); uninstalledShopDeadLetters counts them for the answer.
    const uninstalled = await this.#uninstalledShopsNow('no dead letter was replayed');
    const matching = uninstalled.length > 0 ? { ...window, exceptShops: uninstalled } : window;
    if (matching.handler !== undefined && this.#handlers.definition(matching.handler) === undefined) {
      // A handler no longer configured has nothing to run its jobs again (and a typo would replay none).
      throw new AdminApiError(
        400,
        'unknown_handler',
        `handler: "${matching.handler}" is not configured; see GET /admin/api/handlers for the configured handlers`,
        { field: 'handler' },
      );
    }
    // Dead-lettered at or before `now` (`to` is exclusive; times are whole milliseconds).
    const upTo = now.getTime() + 1;
    const to = new Date(matching.to === undefined ? upTo : Math.min(matching.to.getTime(), upTo));
    const limit = Math.min(Math.max(Math.floor(batchSize), 1), MAX_DEAD_LETTERS);
    // Without a handler filter, each configured handler's dead letters: those of a handler removed from
    // the config stay dead letters (replayed, nothing would run them; they would wait as pending for ever).
    const handlers =
      matching.handler === undefined ? this.#handlers.entries().map(([name]) => name) : [matching.handler];
    const replayed: JobRecord[] = [];
    for (const handler of handlers) {
      let cursor: string | undefined;
      for (;;) {
        const result = await this.#call(
          'replay dead letters',
          this.#store.replayDeadLetters({
            ...matching,
            handler,
            to,
            limit,
            ...(cursor === undefined ? {} : { cursor }),
          }),
        );
        replayed.push(...result.jobs);
        if (result.jobs.length < limit || result.cursor === null) break;
        cursor = result.cursor;
      }
    }
    return replayed;
  }

  /**
   * The dead letters in the filter's window (and of its handler) that `replayDeadLetters` leaves because
   * their shop uninstalled the app (app mode): 0 without app mode or such shops. Counted before the replay.
   */
  async uninstalledShopDeadLetters(
    filter: Pick<DeadLetterFilter, 'from' | 'to' | 'handler'>,
  ): Promise<number> {
    const uninstalled = await this.#uninstalledShopsNow(
      'the dead letters of uninstalled shops were not counted, and no dead letter was replayed',
    );
    if (uninstalled.length === 0) return 0;
    const window = {
      ...(filter.from === undefined ? {} : { from: filter.from }),
      ...(filter.to === undefined ? {} : { to: filter.to }),
    };
    // The configured handlers' only, as the replay walks them (a removed handler's are in notReplayed).
    const handlers =
      filter.handler === undefined ? this.#handlers.entries().map(([name]) => name) : [filter.handler];
    let left = 0;
    for (const handler of handlers) {
      const [all, replayable] = await Promise.all([
        this.#call('count dead letters', this.#store.countDeadLetters({ ...window, handler })),
        this.#call(
          'count dead letters',
          this.#store.countDeadLetters({ ...window, handler, exceptShops: uninstalled }),
        ),
      ]);
      left += all - replayable;
    }
    return left;
  }

  /**
   * The dead letters a replay without a handler filter leaves, per handler removed from the config (in
   * the filter's window): nothing would run them again. Said beside the replay's count, so "nothing
   * replayed" is not read as "no dead letters" while the list still shows them.
   */
  async unconfiguredDeadLetters(
    filter: Pick<DeadLetterFilter, 'from' | 'to'>,
  ): Promise<Array<{ handler: string; deadLetters: number }>> {
    const backlog = await this.#call('count dead letters', this.#store.handlerBacklog());
    const left: Array<{ handler: string; deadLetters: number }> = [];
    for (const { handler, dead } of backlog) {
      if (dead === 0 || this.#handlers.definition(handler) !== undefined) continue;
      const deadLetters = await this.#call(
        'count dead letters',
        this.#store.countDeadLetters({
          handler,
          ...(filter.from === undefined ? {} : { from: filter.from }),
          ...(filter.to === undefined ? {} : { to: filter.to }),
        }),
      );
      if (deadLetters > 0) left.push({ handler, deadLetters });
    }
    return left;
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

  /** Every configured handler with its enabled/disabled state (a forward target answering 410 is disabled). */
  async listHandlers(): Promise<HandlerOverview[]> {
    const states = new Map<string, HandlerState>(
      (await this.#call('list handlers', this.#store.listHandlerStates())).map((state) => [
        state.handler,
        state,
      ]),
    );
    return this.#handlers.entries().map(([name, definition]) => {
      const state = states.get(name);
      return {
        name,
        type: definition.type,
        disabled: state?.disabled ?? false,
        disabledBy: state?.disabledBy ?? null,
        reason: state?.reason ?? null,
        changedAt: state?.changedAt ?? null,
        problem: this.#handlerProblem(name),
      };
    });
  }

  /** Per handler with any: its waiting (pending) jobs and dead letters (the metrics gauges' query). */
  handlerBacklog(): Promise<HandlerBacklog[]> {
    return this.#call('count handler jobs', this.#store.handlerBacklog());
  }

  async enableHandler(name: string): Promise<void> {
    this.#configuredHandler(name);
    await this.#call('enable handler', this.#store.enableHandler(name));
  }

  /**
   * An operator pauses a handler (a target's maintenance window): the same state a 410 sets, recorded as
   * the operator's. Its jobs wait (not attempted, their retries unused), new events still get jobs for
   * it, and enableHandler runs them again. Already disabled (by a 410 or an operator): left as it was,
   * `changed` false, with the state that stays.
   */
  async disableHandler(name: string): Promise<{ changed: boolean; state: HandlerOverview }> {
    this.#configuredHandler(name);
    const changed = await this.#call(
      'disable handler',
      this.#store.disableHandler(name, { reason: OPERATOR_DISABLE_REASON, by: 'operator' }),
    );
    const state = (await this.listHandlers()).find((handler) => handler.name === name);
    if (state === undefined) throw new Error(`handler ${name} vanished from the configuration`);
    return { changed, state };
  }

  #configuredHandler(name: string): void {
    if (this.#handlers.definition(name) === undefined) {
      throw new AdminApiError(
        404,
        'unknown_handler',
        `No handler "${name}" is configured; see GET /admin/api/handlers.`,
        { resource: 'handler', id: name },
      );
    }
  }

  /** The shops that have uninstalled the app according to the store now (their dead letters are left). */
  #uninstalledShopsNow(outcome: string): Promise<string[]> {
    return this.#installState("the shops' install state", outcome, () => this.#uninstalledShopsInStore());
  }

  #installState<T>(what: string, outcome: string, read: () => Promise<T>): Promise<T> {
    return readInstallState(what, outcome, read, this.#config.storeTimeoutMs);
  }

  #call<T>(operation: string, call: Promise<T>): Promise<T> {
    return withStoreTimeout(operation, call, this.#config.storeTimeoutMs);
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

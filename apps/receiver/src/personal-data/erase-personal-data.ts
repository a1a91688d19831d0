/**
 * One erasure request end to end: the store's erasure (erase-plan.ts), the spool folder's matching files
 * (erase-spool.ts), and a report of what was (or would be) erased by ids and counts — never the personal
 * data itself, so the report may be logged.
 */
import type { ErasedDeliveryRef, ErasedEventRef, Store } from '../store/store.js';
import { ErasureBlockedError } from './erase-errors.js';
import type { EraseRequest } from './erase-request.js';
import { findInSpool, type SpoolMatch } from './erase-spool.js';

/** Matched rows per shop, event and status (events and deliveries counted apart). */
export interface ErasureGroup {
  kind: 'event' | 'delivery';
  shop: string;
  event: string;
  status: string;
  count: number;
}

export interface ErasureReport {
  dryRun: boolean;
  /** Written (false in a dry run, and when nothing matched). */
  erased: boolean;
  reason: string;
  events: ErasedEventRef[];
  deliveries: ErasedDeliveryRef[];
  groups: ErasureGroup[];
  jobs: number;
  unfinishedJobs: string[];
  cancelledJobs: number;
  /** SQLite after a written erasure: whether the WAL file was checkpointed and truncated (docs/operations.md). */
  walCheckpointed?: boolean;
  /**
   * Spool files holding the data (not changed): stored once drained, then erased again (by the address, or
   * by the order or subscriber a match was found by). Null: no spool configured.
   */
  spool: { matches: SpoolMatch[] } | null;
}

export interface ErasureContext {
  store: Store;
  /** SRHOOKS_SPOOL_DIR; undefined when the spool is off. */
  spoolDir: string | undefined;
  now?: Date;
}

function groupsOf(
  events: readonly ErasedEventRef[],
  deliveries: readonly ErasedDeliveryRef[],
): ErasureGroup[] {
  const groups = new Map<string, ErasureGroup>();
  const add = (kind: ErasureGroup['kind'], row: { shop: string; event: string; status: string }) => {
    const key = JSON.stringify([kind, row.shop, row.event, row.status]);
    const group = groups.get(key) ?? { kind, shop: row.shop, event: row.event, status: row.status, count: 0 };
    group.count += 1;
    groups.set(key, group);
  };
  for (const event of events) add('event', event);
  for (const delivery of deliveries) add('delivery', delivery);
  return [...groups.values()].sort((a, b) =>
    `${a.kind} ${a.shop} ${a.event} ${a.status}` < `${b.kind} ${b.shop} ${b.event} ${b.status}` ? -1 : 1,
  );
}

/**
 * Runs the erasure (or its dry run). ErasureBlockedError when unfinished jobs were found without
 * `includeUnfinished` (nothing written).
 */
export async function erasePersonalData(
  context: ErasureContext,
  request: EraseRequest,
): Promise<ErasureReport> {
  const order =
    request.orderId === undefined || request.shop === undefined
      ? undefined
      : { shop: request.shop, innerId: request.orderId };
  const subscriber =
    request.subscriberId === undefined || request.shop === undefined
      ? undefined
      : { shop: request.shop, id: request.subscriberId };
  const result = await context.store.erasePersonalData({
    ...(request.email === undefined ? {} : { email: request.email }),
    ...(request.email !== undefined && request.shop !== undefined ? { shop: request.shop } : {}),
    ...(order === undefined ? {} : { order }),
    ...(subscriber === undefined ? {} : { subscriber }),
    reason: request.reason,
    dryRun: request.dryRun ?? false,
    includeUnfinished: request.includeUnfinished ?? false,
    ...(context.now === undefined ? {} : { now: context.now }),
  });
  if (result.blocked) throw new ErasureBlockedError(result.unfinishedJobs, result.events.length);
  const spool =
    context.spoolDir === undefined
      ? null
      : {
          matches: await findInSpool(context.spoolDir, {
            ...(request.email === undefined ? {} : { email: request.email }),
            ...(request.shop === undefined ? {} : { shop: request.shop }),
            ...(order === undefined ? {} : { order }),
            ...(subscriber === undefined ? {} : { subscriber }),
            orders: result.orders,
            subscribers: result.subscribers,
          }),
        };
  return {
    dryRun: result.dryRun,
    erased: result.erased,
    reason: request.reason,
    events: result.events,
    deliveries: result.deliveries,
    groups: groupsOf(result.events, result.deliveries),
    jobs: result.jobs,
    unfinishedJobs: result.unfinishedJobs,
    cancelledJobs: result.cancelledJobs,
    ...('walCheckpointed' in result && result.walCheckpointed !== undefined
      ? { walCheckpointed: result.walCheckpointed }
      : {}),
    spool,
  };
}

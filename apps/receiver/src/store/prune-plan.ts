/**
 * Retention: which old deliveries may go, and the statements that delete them with everything hanging
 * off them (events, jobs, attempts). One chunk of deliveries per transaction, so a large prune never
 * holds the write lock for long; both engines run the same plan (a generator that yields each
 * statement and receives its rows: SQLite drives it synchronously in its writer thread, PostgreSQL
 * asynchronously).
 *
 * Kept, however old:
 * - deliveries with an event whose job is still pending or running (work not done is never deleted),
 *   and, unless `includeDeadLetters`, those with dead-lettered jobs (they are there to be replayed) and
 *   quarantined ones (authentic, waiting for a decoder fix and a re-process); the dead jobs of an event
 *   whose personal data was erased keep nothing (it cannot be replayed, erase-plan.ts);
 * - deliveries holding an event that a kept event records as its original (`duplicate_of`): a
 *   duplicate always keeps its original, so the inspector can show what it duplicated.
 * Dedupe covers what is stored: once an order's deliveries are pruned, a new delivery of that order is
 * a new event again. After the deliveries, `pruneInChunks` prunes app mode's charge bindings
 * (payment-binding-prune.ts).
 */
import type { BindingPruneChunkOptions, BindingPruneChunkResult } from './payment-binding-prune.js';
import type { Row } from './row-mapping.js';
import type { SqlDialect } from './sql-params.js';
import type { PruneOptions } from './store.js';

export const DEFAULT_PRUNE_CHUNK = 500;
const DAY_MS = 86_400_000;

/** The `before` of a prune that keeps the last `days` days (retention and the admin API alike). */
export function olderThanDays(days: number, now: Date = new Date()): Date {
  return new Date(now.getTime() - days * DAY_MS);
}

export interface PruneChunkOptions {
  /** Deliveries received before this time are candidates. */
  before: Date;
  /** Continue after this delivery id (ids sort by receipt time); null: from the oldest. */
  afterId: string | null;
  limit: number;
  includeDeadLetters: boolean;
  /** Count what would be deleted, delete nothing. */
  dryRun: boolean;
  /**
   * PostgreSQL (READ COMMITTED): lock the candidates' jobs, then their events (erase-plan.ts's order), before
   * looking at the jobs' statuses. Without it a replay or a backfill's new job committed between the look
   * and the DELETEs was deleted with the delivery (the replay answered, its job gone). SQLite: false (its
   * writer runs the chunk alone).
   */
  lockRows?: boolean;
  /**
   * A dry run's deliveries an earlier chunk counted as deleted though they come later (duplicates it
   * pulled in, see `pulled`): not counted again.
   */
  skip?: readonly string[];
}

export interface PruneCounts {
  deliveries: number;
  events: number;
  jobs: number;
  /** Candidates kept: unfinished (or dead-lettered) jobs, or an original a kept duplicate refers to. */
  kept: number;
  /**
   * App mode's charge bindings deleted after the deliveries (payment-binding-prune.ts). A dry run does not
   * look at them (which would go depends on the deliveries it only counts): absent there.
   */
  paymentBindings?: number;
}

export interface PruneChunkResult extends PruneCounts {
  /** The last candidate looked at; null when there were none (the prune is complete). */
  lastId: string | null;
  /**
   * Later old deliveries (after `lastId`) this chunk deleted (or, in a dry run, counted) with it: they
   * held the only duplicates of its originals.
   */
  pulled?: string[];
}

export interface SqlStep {
  sql: string;
  values: unknown[];
}

/** Adds one parameter to the statement being built and returns its placeholder. */
export type AddParam = (value: unknown) => string;

/** One statement, its parameters numbered by the dialect as `build` adds them. */
export function sqlStep(dialect: SqlDialect, build: (add: AddParam) => string): SqlStep {
  const params = dialect.params();
  const sql = build((value) => params.add(value));
  return { sql, values: params.values };
}

/** `values` as a comma-separated list of placeholders (for `IN (…)`). */
export function placeholderList(add: AddParam, values: Iterable<unknown>): string {
  return [...values].map((value) => add(value)).join(', ');
}

/** Yields each statement; expects the rows it returned (empty for statements without rows). */
export function* pruneChunk(
  dialect: SqlDialect,
  options: PruneChunkOptions,
): Generator<SqlStep, PruneChunkResult, Row[]> {
  const step = (build: (add: AddParam) => string) => sqlStep(dialect, build);
  const ids = (rows: Row[]) => rows.map((row) => String(row.id));

  const skip = options.skip ?? [];
  const candidates = ids(
    yield step(
      (add) =>
        `SELECT id FROM deliveries WHERE received_at < ${add(dialect.time(options.before))}` +
        (options.afterId === null ? '' : ` AND id > ${add(options.afterId)}`) +
        (skip.length === 0 ? '' : ` AND id NOT IN (${placeholderList(add, skip)})`) +
        ` ORDER BY id LIMIT ${add(options.limit)}`,
    ),
  );
  const none = { deliveries: 0, events: 0, jobs: 0, kept: 0 };
  if (candidates.length === 0) return { ...none, lastId: null };
  const lastId = candidates.at(-1) ?? null;

  const lockRows = function* (deliveryIds: string[]): Generator<SqlStep, void, Row[]> {
    if (options.lockRows !== true || options.dryRun) return;
    // A replay (FOR UPDATE NOWAIT) now waits for this chunk, then finds the event gone or its jobs kept;
    // a new job's insert (its foreign key takes the event row) waits, and the look below sees it.
    yield step(
      (add) =>
        `SELECT j.id FROM jobs j JOIN events e ON e.id = j.event_id
         WHERE e.delivery_id IN (${placeholderList(add, deliveryIds)}) ORDER BY j.id FOR UPDATE OF j`,
    );
    yield step(
      (add) =>
        `SELECT id FROM events WHERE delivery_id IN (${placeholderList(add, deliveryIds)}) ORDER BY id FOR UPDATE`,
    );
  };
  /** The deliveries kept for themselves: unfinished (or dead-lettered) jobs, quarantined. */
  const ownKeeps = function* (deliveryIds: string[]): Generator<SqlStep, string[], Row[]> {
    const kept: string[] = [];
    const unfinished = options.includeDeadLetters ? ['pending', 'running'] : ['pending', 'running', 'dead'];
    kept.push(
      ...ids(
        yield step(
          (add) =>
            `SELECT DISTINCT e.delivery_id AS id FROM events e JOIN jobs j ON j.event_id = e.id
             WHERE e.delivery_id IN (${placeholderList(add, deliveryIds)}) AND j.status IN (${placeholderList(add, unfinished)})
               AND (j.status <> 'dead' OR e.erased_at IS NULL)`,
        ),
      ),
    );
    if (!options.includeDeadLetters) {
      // Quarantined: authentic deliveries that wait for a decoder fix and a re-process, like dead letters.
      kept.push(
        ...ids(
          yield step(
            (add) =>
              `SELECT id FROM deliveries WHERE id IN (${placeholderList(add, deliveryIds)}) AND status = ${add('quarantined')}`,
          ),
        ),
      );
    }
    return kept;
  };

  yield* lockRows(candidates);
  const members = [...candidates];
  const keep = new Set<string>(yield* ownKeeps(candidates));
  // An original stays while a duplicate outside the prunable set refers to it. Keeping it can keep
  // more (its delivery's own duplicates refer to other originals), so repeat until nothing changes.
  // A duplicate in a later old delivery (a later chunk's) is pulled into this chunk instead, so that
  // the original goes in this run, not the next (ids sort by receipt time: duplicates come later).
  const pulled = new Set<string>();
  for (;;) {
    const prunable = members.filter((id) => !keep.has(id));
    if (prunable.length === 0) break;
    const referenced = (yield step((add) => {
      // Placeholders in the order they appear (SQLite's are positional).
      const before = add(dialect.time(options.before));
      const inPrunable = placeholderList(add, prunable);
      const again = placeholderList(add, prunable);
      return `SELECT DISTINCT o.delivery_id AS id, d.delivery_id AS dup, dd.received_at < ${before} AS old
              FROM events o JOIN events d ON d.duplicate_of = o.id JOIN deliveries dd ON dd.id = d.delivery_id
              WHERE o.delivery_id IN (${inPrunable}) AND d.delivery_id NOT IN (${again})`;
    })) as Array<{ id: unknown; dup: unknown; old: unknown }>;
    if (referenced.length === 0) break;
    const pulls = new Set<string>();
    for (const row of referenced) {
      const dup = String(row.dup);
      const later = lastId !== null && dup > lastId && (row.old === true || row.old === 1 || row.old === '1');
      if (later && !keep.has(dup) && !skip.includes(dup)) pulls.add(dup);
      else keep.add(String(row.id));
    }
    if (pulls.size > 0) {
      const added = [...pulls].sort();
      yield* lockRows(added);
      for (const id of added) {
        members.push(id);
        pulled.add(id);
      }
      for (const id of yield* ownKeeps(added)) keep.add(id);
    }
  }

  const prune = members.filter((id) => !keep.has(id));
  // Kept: this chunk's own candidates only (a pulled delivery kept is looked at again in its own chunk).
  const kept = candidates.filter((id) => keep.has(id)).length;
  const pulledGoing = [...pulled].filter((id) => !keep.has(id));
  if (prune.length === 0) return { ...none, kept, lastId };
  if (options.dryRun) {
    const [counts] = yield step((add) => {
      const inPrune = placeholderList(add, prune);
      const again = placeholderList(add, prune);
      return `SELECT (SELECT COUNT(*) FROM events WHERE delivery_id IN (${inPrune})) AS events,
        (SELECT COUNT(*) FROM jobs j JOIN events e ON e.id = j.event_id WHERE e.delivery_id IN (${again})) AS jobs`;
    });
    return {
      deliveries: prune.length,
      events: Number(counts?.events ?? 0),
      jobs: Number(counts?.jobs ?? 0),
      kept,
      lastId,
      pulled: pulledGoing,
    };
  }
  yield step(
    (add) =>
      `DELETE FROM job_attempts WHERE job_id IN (SELECT j.id FROM jobs j JOIN events e ON e.id = j.event_id
       WHERE e.delivery_id IN (${placeholderList(add, prune)}))`,
  );
  const jobs = (yield step(
    (add) =>
      `DELETE FROM jobs WHERE event_id IN (SELECT id FROM events WHERE delivery_id IN (${placeholderList(add, prune)}))
         RETURNING id`,
  )).length;
  const events = (yield step(
    (add) => `DELETE FROM events WHERE delivery_id IN (${placeholderList(add, prune)}) RETURNING id`,
  )).length;
  const deliveries = (yield step(
    (add) => `DELETE FROM deliveries WHERE id IN (${placeholderList(add, prune)}) RETURNING id`,
  )).length;
  return { deliveries, events, jobs, kept, lastId, pulled: pulledGoing };
}

/** Runs a plan whose statements answer synchronously (SQLite). */
export function runPlanSync<T>(plan: Generator<SqlStep, T, Row[]>, execute: (step: SqlStep) => Row[]): T {
  let next = plan.next([]);
  while (!next.done) next = plan.next(execute(next.value));
  return next.value;
}

/** Runs a plan whose statements answer asynchronously (PostgreSQL). */
export async function runPlan<T>(
  plan: Generator<SqlStep, T, Row[]>,
  execute: (step: SqlStep) => Promise<Row[]>,
): Promise<T> {
  let next = plan.next([]);
  while (!next.done) next = plan.next(await execute(next.value));
  return next.value;
}

export function addPruneCounts(total: PruneCounts, chunk: PruneCounts): PruneCounts {
  const sum: PruneCounts = {
    deliveries: total.deliveries + chunk.deliveries,
    events: total.events + chunk.events,
    jobs: total.jobs + chunk.jobs,
    kept: total.kept + chunk.kept,
  };
  if (total.paymentBindings !== undefined || chunk.paymentBindings !== undefined) {
    sum.paymentBindings = (total.paymentBindings ?? 0) + (chunk.paymentBindings ?? 0);
  }
  return sum;
}

/** One engine's transactions of a prune: a chunk of deliveries, a chunk of charge bindings. */
export interface PruneChunkRunners {
  deliveries(chunk: PruneChunkOptions): Promise<PruneChunkResult>;
  paymentBindings(chunk: BindingPruneChunkOptions): Promise<BindingPruneChunkResult>;
}

/**
 * The prune loop both engines share: chunk after chunk of deliveries (oldest first) until none is left,
 * then — not in a dry run — chunk after chunk of charge bindings (payment-binding-prune.ts); `signal`
 * aborts between chunks (a chunk that started commits). Returns the totals of the chunks that ran.
 * Whether another instance is pruning the same store is the engine's business (PostgreSQL: a lock).
 */
export async function pruneInChunks(options: PruneOptions, run: PruneChunkRunners): Promise<PruneCounts> {
  const limit = options.chunkSize ?? DEFAULT_PRUNE_CHUNK;
  let total: PruneCounts = { deliveries: 0, events: 0, jobs: 0, kept: 0 };
  let afterId: string | null = null;
  // A dry run deletes nothing: what a chunk pulled in and counted is not counted again by its own chunk.
  const skip: string[] = [];
  for (;;) {
    if (options.signal?.aborted) return total;
    const chunk = await run.deliveries({
      before: options.before,
      afterId,
      limit,
      includeDeadLetters: options.includeDeadLetters ?? false,
      dryRun: options.dryRun ?? false,
      ...(skip.length === 0 ? {} : { skip: skip.filter((id) => afterId === null || id > afterId) }),
    });
    if (options.dryRun) skip.push(...(chunk.pulled ?? []));
    total = addPruneCounts(total, chunk);
    options.onChunk?.(chunk);
    afterId = chunk.lastId;
    if (afterId === null) break;
  }
  if (options.dryRun) return total;
  total = { ...total, paymentBindings: 0 };
  let afterSubject: string | null = null;
  while (!options.signal?.aborted) {
    const chunk = await run.paymentBindings({ before: options.before, afterSubject, limit });
    total = addPruneCounts(total, {
      deliveries: 0,
      events: 0,
      jobs: 0,
      kept: 0,
      paymentBindings: chunk.deleted,
    });
    afterSubject = chunk.lastSubject;
    if (afterSubject === null) break;
  }
  return total;
}

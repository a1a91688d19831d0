/**
 * The admin operations on dead letters (AdminOperations delegates here): a page of them with the
 * filter's total, replaying every one a filter matches, and what such a replay leaves (the dead letters
 * of shops that uninstalled the app, and of handlers removed from the config).
 */
import { deadLetterCursor, MAX_DEAD_LETTERS, pageSize } from '../store/list-query.js';
import type { DeadLetter, DeadLetterFilter, JobRecord } from '../store/store.js';
import { AdminApiError } from './admin-errors.js';
import type { AdminOperationsContext } from './admin-operations-context.js';

/** Dead letters replayed per store call by `replayDeadLetters` (at most MAX_DEAD_LETTERS). */
export const DEAD_LETTER_REPLAY_BATCH = 1000;

/**
 * One page of dead letters, its `nextCursor` and the filter's total: `limit` a page (default 50, at
 * most 500, as deliveries and events; `pageSize`), so a large store's list is not 10,000 rows at once.
 */
export async function deadLetterPage(
  ctx: AdminOperationsContext,
  filter: DeadLetterFilter,
): Promise<{ items: DeadLetter[]; nextCursor: string | null; total: number }> {
  const limit = pageSize(filter.limit);
  const { cursor: _cursor, limit: _limit, ...counted } = filter;
  // The filter is a query string (GET /dead-letters, the inspector's page).
  if (filter.handler !== undefined) await checkDeadLetterHandler(ctx, filter.handler, 'query');
  const [items, total] = await Promise.all([
    ctx.call('list dead letters', ctx.store.listDeadLetters({ ...filter, limit })),
    ctx.call('count dead letters', ctx.store.countDeadLetters(counted)),
  ]);
  const last = items.at(-1);
  if (items.length < limit || !last) return { items, nextCursor: null, total };
  // A full page: is there anything after it?
  const nextCursor = deadLetterCursor(last.job);
  const after = await ctx.call(
    'list dead letters',
    ctx.store.listDeadLetters({ ...counted, cursor: nextCursor, limit: 1 }),
  );
  return { items, nextCursor: after.length > 0 ? nextCursor : null, total };
}

/**
 * A dead-letter list's `handler` filter: a configured handler, or one removed from the config that still
 * has dead letters (they stay listed; replaying them is refused, {@link replayDeadLetters}). Any other
 * name (a typo) is refused with the configured handlers, not answered with an empty list.
 */
async function checkDeadLetterHandler(
  ctx: AdminOperationsContext,
  handler: string,
  part: 'query' | 'body',
): Promise<void> {
  if (ctx.handlers.definition(handler) !== undefined) return;
  const left = await ctx.call('count dead letters', ctx.store.countDeadLetters({ handler }));
  if (left > 0) return;
  const names = ctx.handlers.entries().map(([name]) => name);
  throw new AdminApiError(
    400,
    'unknown_handler',
    `handler: "${handler}" is not configured and has no dead letters; configured handlers: ${names.length > 0 ? names.join(', ') : 'none'}`,
    { in: part, field: 'handler' },
  );
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
 * `part`: where the filter was read from (admin-errors.ts optionsPart), named by its refusal.
 */
export async function replayDeadLetters(
  ctx: AdminOperationsContext,
  filter: DeadLetterFilter,
  batchSize = DEAD_LETTER_REPLAY_BATCH,
  now = new Date(),
  part: 'query' | 'body' = 'body',
): Promise<JobRecord[]> {
  const { cursor: _cursor, limit: _limit, exceptShops: _exceptShops, ...window } = filter;
  // App mode: the dead letters of shops that uninstalled the app stay (their jobs would be cancelled
  // again at once, as at the uninstall); uninstalledShopDeadLetters counts them for the answer.
  const uninstalled = await uninstalledShopsNow(ctx, 'no dead letter was replayed');
  const matching = uninstalled.length > 0 ? { ...window, exceptShops: uninstalled } : window;
  if (matching.handler !== undefined && ctx.handlers.definition(matching.handler) === undefined) {
    // A handler no longer configured has nothing to run its jobs again (and a typo would replay none).
    throw new AdminApiError(
      400,
      'unknown_handler',
      `handler: "${matching.handler}" is not configured; see GET /admin/api/handlers for the configured handlers`,
      { in: part, field: 'handler' },
    );
  }
  // Dead-lettered at or before `now` (`to` is exclusive; times are whole milliseconds).
  const upTo = now.getTime() + 1;
  const to = new Date(matching.to === undefined ? upTo : Math.min(matching.to.getTime(), upTo));
  const limit = Math.min(Math.max(Math.floor(batchSize), 1), MAX_DEAD_LETTERS);
  // Without a handler filter, each configured handler's dead letters: those of a handler removed from
  // the config stay dead letters (replayed, nothing would run them; they would wait as pending for ever).
  const handlers =
    matching.handler === undefined ? ctx.handlers.entries().map(([name]) => name) : [matching.handler];
  const replayed: JobRecord[] = [];
  for (const handler of handlers) {
    let cursor: string | undefined;
    for (;;) {
      const result = await ctx.call(
        'replay dead letters',
        ctx.store.replayDeadLetters({
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
export async function uninstalledShopDeadLetters(
  ctx: AdminOperationsContext,
  filter: Pick<DeadLetterFilter, 'from' | 'to' | 'handler'>,
): Promise<number> {
  const uninstalled = await uninstalledShopsNow(
    ctx,
    'the dead letters of uninstalled shops were not counted, and no dead letter was replayed',
  );
  if (uninstalled.length === 0) return 0;
  const window = {
    ...(filter.from === undefined ? {} : { from: filter.from }),
    ...(filter.to === undefined ? {} : { to: filter.to }),
  };
  // The configured handlers' only, as the replay walks them (a removed handler's are in notReplayed).
  const handlers =
    filter.handler === undefined ? ctx.handlers.entries().map(([name]) => name) : [filter.handler];
  let left = 0;
  for (const handler of handlers) {
    const [all, replayable] = await Promise.all([
      ctx.call('count dead letters', ctx.store.countDeadLetters({ ...window, handler })),
      ctx.call(
        'count dead letters',
        ctx.store.countDeadLetters({ ...window, handler, exceptShops: uninstalled }),
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
export async function unconfiguredDeadLetters(
  ctx: AdminOperationsContext,
  filter: Pick<DeadLetterFilter, 'from' | 'to'>,
): Promise<Array<{ handler: string; deadLetters: number }>> {
  const backlog = await ctx.call('count dead letters', ctx.store.handlerBacklog());
  const left: Array<{ handler: string; deadLetters: number }> = [];
  for (const { handler, dead } of backlog) {
    if (dead === 0 || ctx.handlers.definition(handler) !== undefined) continue;
    const deadLetters = await ctx.call(
      'count dead letters',
      ctx.store.countDeadLetters({
        handler,
        ...(filter.from === undefined ? {} : { from: filter.from }),
        ...(filter.to === undefined ? {} : { to: filter.to }),
      }),
    );
    if (deadLetters > 0) left.push({ handler, deadLetters });
  }
  return left;
}

/** The shops that have uninstalled the app according to the store now (their dead letters are left). */
function uninstalledShopsNow(ctx: AdminOperationsContext, outcome: string): Promise<string[]> {
  return ctx.installState("the shops' install state", outcome, () => ctx.uninstalledShopsInStore());
}

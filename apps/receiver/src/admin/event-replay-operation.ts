/**
 * Replaying one event (AdminOperations.replayEvent delegates here): its jobs run again now, or only one
 * handler's; refused for a duplicate, a job running right now, and an app shop that uninstalled the app.
 */
import { isAppEvent, isWebhookEvent } from '@srhooks/contracts';
import { CANCELLED_BY_UNINSTALL } from '../store/app-shops/uninstall-cancellation.js';
import type { EventDetail, JobRecord } from '../store/store.js';
import { AdminApiError } from './admin-errors.js';
import type { AdminOperationsContext } from './admin-operations-context.js';
import { refuseRunningJobs } from './running-job-replay.js';

/**
 * Re-runs the event's jobs now (or only `handler`'s); `event` is the one read by `id`. Replaying every handler also creates jobs for
 * handlers configured for the event's shop and event after it arrived. Releases a hold. `part`: where
 * `handler` was read from (admin-errors.ts optionsPart), named by its refusal.
 */
export async function replayEvent(
  ctx: AdminOperationsContext,
  id: string,
  event: EventDetail,
  handler?: string,
  part: 'query' | 'body' = 'body',
): Promise<JobRecord[]> {
  if (event.duplicateOf !== null) {
    throw new AdminApiError(
      409,
      'duplicate_event',
      `Event ${id} is a duplicate of ${event.duplicateOf} and has no jobs; replay ${event.duplicateOf} instead.`,
      { duplicateOf: event.duplicateOf },
    );
  }
  await refuseUninstalledShop(ctx, event);
  refuseRunningJobs(event, handler, new Date());
  const configured = isWebhookEvent(event.event) ? ctx.handlers.namesFor(event.shop, event.event) : [];
  if (handler !== undefined) {
    if (ctx.handlers.definition(handler) === undefined) {
      throw new AdminApiError(
        400,
        'unknown_handler',
        `handler: "${handler}" is not configured; handlers for ${event.shop}/${event.event}: ${configured.length ? configured.join(', ') : 'none'}`,
        { in: part, field: 'handler' },
      );
    }
    const result = await ctx.call('replay event', ctx.store.replayEvent(id, { handler }));
    return result.jobs;
  }
  const existing = new Set(event.jobs.map((job) => job.handler));
  const removed = [...existing].filter((name) => ctx.handlers.definition(name) === undefined);
  const jobs: JobRecord[] = [];
  if (removed.length === 0) {
    jobs.push(...(await ctx.call('replay event', ctx.store.replayEvent(id))).jobs);
  } else {
    // A handler removed from the config has nothing to run its job again: replayed, it would wait as
    // pending for ever. Its job stays as it is (a dead letter stays listed); the others are replayed.
    for (const name of existing) {
      if (removed.includes(name)) continue;
      jobs.push(...(await ctx.call('replay event', ctx.store.replayEvent(id, { handler: name }))).jobs);
    }
  }
  for (const name of configured) {
    if (existing.has(name)) continue;
    const added = await ctx.call('replay event', ctx.store.replayEvent(id, { handler: name }));
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
async function refuseUninstalledShop(ctx: AdminOperationsContext, event: EventDetail): Promise<void> {
  if (isAppEvent(event.event)) return;
  const uninstalled = await ctx.installState(
    `shop ${event.shop}'s install state`,
    'the event was not replayed',
    () => ctx.uninstalledInStore(event.shop),
  );
  if (!uninstalled) return;
  throw new AdminApiError(
    409,
    'shop_uninstalled',
    `Event ${event.id} is of shop ${event.shop}, which uninstalled the app: its jobs would be cancelled at once ("${CANCELLED_BY_UNINSTALL}"), so it is not replayed. Replay it after the app is installed on ${event.shop} again.`,
    { shop: event.shop },
  );
}

import { type AdminTargetOptions, openAdminApi } from '../../admin-api/admin-api-client.js';
import { disabledHandlerLines } from '../../admin-api/admin-format.js';
import type { BackfillResultJson } from '../../admin-api/admin-types.js';
import { defineCommand } from '../../command.js';

export interface BackfillOptions extends AdminTargetOptions {
  handler: string;
  from: string;
  to?: string;
  shop?: string;
  event?: string;
  /** Only events that have no job of the handler yet (a handler added after they arrived). */
  missingOnly?: boolean;
  dryRun?: boolean;
}

export type BackfillCommandResult = BackfillResultJson & { receiver: string };

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Why events were left out, one line each (none when none were). */
function skippedLines(result: BackfillCommandResult): string[] {
  const { skipped, handler } = result;
  const lines: string[] = [];
  if (skipped.waiting > 0)
    lines.push(
      `${count(skipped.waiting, 'event', 'events')} left out: a job of ${handler} waits to run already`,
    );
  if (skipped.hasJob > 0)
    lines.push(
      `${count(skipped.hasJob, 'event', 'events')} left out: a job of ${handler} ran already (--missing-only; without it they are replayed too)`,
    );
  if (skipped.held > 0)
    lines.push(
      `${count(skipped.held, 'held event', 'held events')} left out (the shop's order differed): srhooks events list --status held, then release each after checking it`,
    );
  if (skipped.notRouted > 0)
    lines.push(
      `${count(skipped.notRouted, 'event', 'events')} left out: ${handler} is not configured for their shop and event`,
    );
  if (skipped.uninstalled > 0)
    lines.push(`${count(skipped.uninstalled, 'event', 'events')} left out: their shop uninstalled the app`);
  if (skipped.erased > 0)
    lines.push(
      `${count(skipped.erased, 'event', 'events')} left out: ${skipped.erased === 1 ? 'its' : 'their'} personal data was erased on request (srhooks erase), so nothing is left to replay`,
    );
  if (skipped.duplicate > 0)
    lines.push(`${count(skipped.duplicate, 'duplicate', 'duplicates')} left out: their originals count`);
  return lines.map((line) => `  ${line}`);
}

/**
 * Replays the events received in a window to one handler (`POST /admin/api/events/backfill`): a handler
 * added after they arrived (`--missing-only`), or one whose target lost what it had accepted.
 */
export const backfillCommand = defineCommand<BackfillOptions, BackfillCommandResult>({
  async run(options, context) {
    const api = await openAdminApi(options, context.env);
    const answer = await api.post<BackfillResultJson>('/events/backfill', {
      handler: options.handler,
      from: options.from,
      ...(options.to === undefined ? {} : { to: options.to }),
      ...(options.shop === undefined ? {} : { shop: options.shop }),
      ...(options.event === undefined ? {} : { event: options.event }),
      ...(options.missingOnly ? { missingOnly: true } : {}),
      ...(options.dryRun ? { dryRun: true } : {}),
    });
    return { receiver: api.receiverUrl, ...answer };
  },

  render(result, style) {
    const window = `received from ${result.from} to ${result.to}`;
    const events = count(result.events, 'event', 'events');
    const head = result.dryRun
      ? `${style.yellow('dry run')}: would replay ${events} ${window} to ${result.handler}`
      : result.events === 0
        ? `${style.green('✔')} nothing to replay to ${result.handler}: no event ${window} needs it`
        : `${style.green('✔')} replayed ${events} ${window} to ${result.handler}: one job each, run now`;
    const disabled =
      result.handlerDisabledBy === null || result.events === 0
        ? []
        : disabledHandlerLines(
            [{ handler: result.handler, disabledBy: result.handlerDisabledBy }],
            style,
            'jobs',
          );
    return [head, ...skippedLines(result), ...disabled].join('\n');
  },
});

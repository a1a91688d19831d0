import { type AdminApi, type AdminTargetOptions, openAdminApi } from '../../admin-api/admin-api-client.js';
import { disabledHandlerLines } from '../../admin-api/admin-format.js';
import { disabledHandlersOf, findHandler } from '../../admin-api/admin-input.js';
import type { DeadLetterReplayJson, DisabledHandlerJson } from '../../admin-api/admin-types.js';
import { maskJobs, shown } from '../../admin-api/personal-data.js';
import { defineCommand } from '../../command.js';

export interface RetryDeadLettersOptions extends AdminTargetOptions {
  handler?: string;
  from?: string;
  to?: string;
  /** The jobs' last errors unmasked (in `--json`). */
  reveal?: boolean;
}

export interface RetryDeadLettersResult {
  receiver: string;
  /** False: the jobs' last errors (a target's answer) are hidden (`--reveal` shows them). */
  revealed: boolean;
  replayed: number;
  jobs: DeadLetterReplayJson['jobs'];
  /**
   * Handlers of the replayed jobs that are disabled, and by whom (`target`: its forward target answered
   * 410 Gone; `operator`: `handlers disable`): those jobs wait until enabled. The receiver's answer's shape.
   */
  disabledHandlers: DisabledHandlerJson[];
  /** Dead letters left as they are, per handler no longer configured on the receiver (nothing would run them). */
  notReplayed: Array<{ handler: string; deadLetters: number }>;
  /** Dead letters left as they are because their shop uninstalled the app (app mode): their jobs would be cancelled at once. */
  uninstalledShops: number;
}

/**
 * The disabled handlers among the replayed jobs' as the receiver says them: `disabledHandlers` without a
 * handler filter, `handlerDisabledBy` (the one handler's) with one — named only when it replayed some. An
 * older receiver says neither: its handlers are asked.
 */
async function replayedDisabledHandlers(
  api: AdminApi,
  handler: string | undefined,
  answer: Pick<DeadLetterReplayJson, 'jobs'> & Partial<DeadLetterReplayJson>,
): Promise<DisabledHandlerJson[]> {
  if (answer.disabledHandlers === undefined || answer.handlerDisabledBy === undefined)
    return disabledHandlersOf(api, answer.jobs);
  if (handler === undefined) return answer.disabledHandlers;
  return answer.handlerDisabledBy !== null && answer.jobs.length > 0
    ? [{ handler, disabledBy: answer.handlerDisabledBy }]
    : [];
}

/** Runs every dead letter in the window again now (`POST /admin/api/dead-letters/replay`). */
export const retryDeadLettersCommand = defineCommand<RetryDeadLettersOptions, RetryDeadLettersResult>({
  async run(options, context) {
    const api = await openAdminApi(options, context.env);
    // The receiver refuses a handler it has not configured (its replayed jobs would have nothing to run
    // them); asked first, the error names the handlers it has.
    if (options.handler) await findHandler(api, options.handler);
    const body = {
      ...(options.handler ? { handler: options.handler } : {}),
      ...(options.from ? { from: options.from } : {}),
      ...(options.to ? { to: options.to } : {}),
    };
    // An older receiver answers replayed and jobs alone.
    const answer = await api.post<
      Pick<DeadLetterReplayJson, 'replayed' | 'jobs'> & Partial<DeadLetterReplayJson>
    >('/dead-letters/replay', body);
    const { revealed, value: jobs } = shown(options.reveal, answer.jobs, maskJobs);
    return {
      receiver: api.receiverUrl,
      revealed,
      replayed: answer.replayed,
      jobs,
      disabledHandlers: await replayedDisabledHandlers(api, options.handler, answer),
      // an older receiver does not say (it replayed them all)
      notReplayed: answer.notReplayed ?? [],
      uninstalledShops: answer.uninstalledShops ?? 0,
    };
  },

  render(result, style) {
    const left = result.notReplayed.map(
      ({ handler, deadLetters }) =>
        `${style.yellow('!')} ${deadLetters} dead letter${deadLetters === 1 ? '' : 's'} left as ${deadLetters === 1 ? 'it is: its' : 'they are: their'} handler "${handler}" is no longer configured on ${result.receiver}, so nothing would run ${deadLetters === 1 ? 'it' : 'them'}; configure it again to replay ${deadLetters === 1 ? 'it' : 'them'}`,
    );
    const uninstalled = result.uninstalledShops;
    const leftUninstalled: string[] = [];
    if (uninstalled > 0)
      leftUninstalled.push(
        `${style.yellow('!')} ${uninstalled} dead letter${uninstalled === 1 ? '' : 's'} of shops that uninstalled the app left as ${uninstalled === 1 ? 'it is' : 'they are'}: ${uninstalled === 1 ? 'its job' : 'their jobs'} would be cancelled again at once; retry after the app is installed on the shop again (srhooks dead-letters list shows them)`,
      );
    const done =
      result.replayed === 0
        ? `${style.green('✔')} no dead letters ${left.length > 0 ? 'of configured handlers ' : leftUninstalled.length > 0 ? 'that can run now ' : ''}to retry`
        : `${style.green('✔')} ${result.replayed} dead letter${result.replayed === 1 ? '' : 's'} queued to run again`;
    return [
      done,
      ...disabledHandlerLines(result.disabledHandlers, style, 'jobs'),
      ...left,
      ...leftUninstalled,
    ].join('\n');
  },
});

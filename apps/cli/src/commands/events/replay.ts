import { type AdminTargetOptions, openAdminApi } from '../../admin-api/admin-api-client.js';
import { disabledHandlerLines, queuedJobs } from '../../admin-api/admin-format.js';
import { checkEventId, disabledHandlersOf } from '../../admin-api/admin-input.js';
import type { DisabledHandlerJson, JobJson } from '../../admin-api/admin-types.js';
import { maskJobs, shown } from '../../admin-api/personal-data.js';
import { productName } from '../../cli-invocation.js';
import { defineCommand } from '../../command.js';

export interface ReplayEventOptions extends AdminTargetOptions {
  id: string;
  /** Only this handler's job (created if the event has none). */
  handler?: string;
  /** The jobs' last errors unmasked (in `--json`). */
  reveal?: boolean;
}

export interface ReplayEventResult {
  receiver: string;
  /** False: the jobs' last errors (a target's answer) are hidden (`--reveal` shows them). */
  revealed: boolean;
  eventId: string;
  jobs: JobJson[];
  /** Handlers of the queued jobs that are disabled, and by whom (`target`: gone; `operator`): those jobs wait until enabled. */
  disabledHandlers: DisabledHandlerJson[];
}

/** Runs an event's handler jobs again now (`POST /admin/api/events/:id/replay`). */
export const replayEventCommand = defineCommand<ReplayEventOptions, ReplayEventResult>({
  async run(options, context) {
    const id = checkEventId(options.id);
    const api = await openAdminApi(options, context.env);
    const answer = await api.post<{ eventId: string; jobs: JobJson[] }>(
      `/events/${encodeURIComponent(id)}/replay`,
      undefined,
      { handler: options.handler },
    );
    const { revealed, value: jobs } = shown(options.reveal, answer.jobs, maskJobs);
    const disabledHandlers = await disabledHandlersOf(api, answer.jobs);
    return { receiver: api.receiverUrl, revealed, eventId: answer.eventId, jobs, disabledHandlers };
  },

  render(result, style) {
    if (result.jobs.length === 0) {
      return [
        `${style.yellow('!')} ${result.eventId}: no handler jobs to run: no handler is configured for its shop and event`,
        `a replay runs the handlers again, so give the receiver one: under ${productName('listen')}, restart it with its console`,
        'handler (the default; do not pass --no-console) or --forward-to <url>; on a deployed receiver, add a handler to',
        'srhooks.config.json ("handlers" and the shop\'s "handlers"; see the receiver\'s docs/configuration.md) and restart it',
      ].join('\n');
    }
    return [
      `${style.green('✔')} ${result.eventId}: ${queuedJobs(result.jobs)}`,
      ...disabledHandlerLines(result.disabledHandlers, style, 'job'),
    ].join('\n');
  },
});

import { type AdminTargetOptions, openAdminApi } from '../../admin-api/admin-api-client.js';
import { checkHandlerKnown } from '../../admin-api/admin-input.js';
import type { JobJson } from '../../admin-api/admin-types.js';
import { defineCommand } from '../../command.js';

export interface RetryDeadLettersOptions extends AdminTargetOptions {
  handler?: string;
  from?: string;
  to?: string;
}

export interface RetryDeadLettersResult {
  receiver: string;
  replayed: number;
  jobs: JobJson[];
}

/** Runs every dead letter in the window again now (`POST /admin/api/dead-letters/replay`). */
export const retryDeadLettersCommand = defineCommand<RetryDeadLettersOptions, RetryDeadLettersResult>({
  async run(options, context) {
    const api = await openAdminApi(options, context.env);
    const body = {
      ...(options.handler ? { handler: options.handler } : {}),
      ...(options.from ? { from: options.from } : {}),
      ...(options.to ? { to: options.to } : {}),
    };
    const answer = await api.post<{ replayed: number; jobs: JobJson[] }>('/dead-letters/replay', body);
    if (answer.replayed === 0 && options.handler) await checkHandlerKnown(api, options.handler);
    return { receiver: api.receiverUrl, replayed: answer.replayed, jobs: answer.jobs };
  },

  render(result, style) {
    if (result.replayed === 0) return `${style.green('✔')} no dead letters to retry`;
    return `${style.green('✔')} ${result.replayed} dead letter${result.replayed === 1 ? '' : 's'} queued to run again`;
  },
});

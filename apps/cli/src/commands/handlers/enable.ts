import { type AdminTargetOptions, openAdminApi } from '../../admin-api/admin-api-client.js';
import { findHandler } from '../../admin-api/admin-input.js';
import { defineCommand } from '../../command.js';

export interface EnableHandlerOptions extends AdminTargetOptions {
  name: string;
}

export interface EnableHandlerResult {
  receiver: string;
  handler: string;
  /** Whether it was disabled before (false: it was enabled already; nothing changed). */
  wasDisabled: boolean;
}

/**
 * Enables a handler that was disabled (a forward target answered 410 Gone): its waiting jobs run again
 * (`POST /admin/api/handlers/:name/enable`).
 */
export const enableHandlerCommand = defineCommand<EnableHandlerOptions, EnableHandlerResult>({
  async run(options, context) {
    const api = await openAdminApi(options, context.env);
    const handler = await findHandler(api, options.name, '');
    const answer = await api.post<{ handler: string }>(
      `/handlers/${encodeURIComponent(handler.name)}/enable`,
    );
    return { receiver: api.receiverUrl, handler: answer.handler, wasDisabled: handler.disabled };
  },

  render(result, style) {
    if (!result.wasDisabled)
      return `${style.green('✔')} ${result.handler} was not disabled: nothing to enable`;
    return `${style.green('✔')} ${result.handler} enabled: its waiting jobs run again`;
  },
});

import { type AdminTargetOptions, openAdminApi } from '../../admin-api/admin-api-client.js';
import { formatTime } from '../../admin-api/admin-format.js';
import { findHandler } from '../../admin-api/admin-input.js';
import type { HandlerOverviewJson } from '../../admin-api/admin-types.js';
import { defineCommand } from '../../command.js';

export interface DisableHandlerOptions extends AdminTargetOptions {
  name: string;
}

export interface DisableHandlerResult {
  receiver: string;
  handler: string;
  /** Whether it was disabled already (true: nothing changed; `disabledBy` and `reason` are the state that stays). */
  alreadyDisabled: boolean;
  /** `operator` (handlers disable) or `target` (its forward target answered 410 Gone). */
  disabledBy: HandlerOverviewJson['disabledBy'];
  reason: string | null;
  changedAt: string | null;
}

/**
 * Pauses a handler (the target's maintenance window): `POST /admin/api/handlers/:name/disable`. Its jobs
 * wait, not attempted and not dead-lettered; new events still get jobs for it; `srhooks handlers enable`
 * runs them. The same state a 410 sets, recorded as an operator's.
 */
export const disableHandlerCommand = defineCommand<DisableHandlerOptions, DisableHandlerResult>({
  async run(options, context) {
    const api = await openAdminApi(options, context.env);
    // As enable: an unknown name is refused here with the receiver's handler names.
    const handler = await findHandler(api, options.name, '');
    const answer = await api.post<Omit<DisableHandlerResult, 'receiver'>>(
      `/handlers/${encodeURIComponent(handler.name)}/disable`,
    );
    return {
      receiver: api.receiverUrl,
      handler: answer.handler,
      alreadyDisabled: answer.alreadyDisabled,
      disabledBy: answer.disabledBy,
      reason: answer.reason,
      changedAt: answer.changedAt,
    };
  },

  render(result, style) {
    if (result.alreadyDisabled) {
      const by = result.disabledBy === 'target' ? 'by its target (HTTP 410 Gone)' : 'by an operator';
      const since = result.changedAt ? ` since ${formatTime(result.changedAt)}` : '';
      return `${style.green('✔')} ${result.handler} was already disabled ${by}${since}: nothing changed`;
    }
    return `${style.green('✔')} ${result.handler} disabled: its jobs wait (new events still queue jobs for it); srhooks handlers enable ${result.handler} runs them`;
  },
});

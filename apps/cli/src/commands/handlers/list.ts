import { type AdminTargetOptions, openAdminApi } from '../../admin-api/admin-api-client.js';
import { formatTime } from '../../admin-api/admin-format.js';
import type { HandlerOverviewJson } from '../../admin-api/admin-types.js';
import { defineCommand } from '../../command.js';
import { renderTable } from '../../output/index.js';

export type ListHandlersOptions = AdminTargetOptions;

export interface ListHandlersResult {
  receiver: string;
  items: HandlerOverviewJson[];
}

/**
 * The receiver's configured handlers, enabled or disabled (`GET /admin/api/handlers`). Printed as the
 * API answers: a disabled handler's reason holds no personal data (the status and the target's host;
 * the receiver never stores the target's answer there), so there is nothing to mask.
 */
export const listHandlersCommand = defineCommand<ListHandlersOptions, ListHandlersResult>({
  async run(options, context) {
    const api = await openAdminApi(options, context.env);
    const { items } = await api.get<{ items: HandlerOverviewJson[] }>('/handlers');
    return { receiver: api.receiverUrl, items };
  },

  render(result, style) {
    if (result.items.length === 0) return `no handlers configured at ${result.receiver}`;
    const table = renderTable(result.items, [
      { header: 'NAME', value: (handler) => handler.name },
      { header: 'TYPE', value: (handler) => handler.type },
      {
        header: 'STATE',
        value: (handler) =>
          handler.disabled
            ? `${style.red('disabled')}${handler.changedAt ? ` since ${formatTime(handler.changedAt)}` : ''}`
            : style.green('enabled'),
      },
      { header: 'REASON', value: (handler) => (handler.disabled ? (handler.reason ?? '') : '') },
    ]);
    const disabled = result.items.filter((handler) => handler.disabled);
    const lines = [table];
    if (disabled.length > 0) {
      lines.push(
        style.dim(
          `a disabled handler's jobs wait; fix its target, then srhooks handlers enable ${disabled[0]?.name} runs them`,
        ),
      );
    }
    return lines.join('\n');
  },
});

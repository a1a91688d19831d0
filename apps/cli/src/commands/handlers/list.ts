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
 * The receiver's configured handlers, enabled or disabled, and by whom (an operator's
 * `handlers disable`, or its target's 410), or that the receiver cannot run one (its module did not
 * load: the reason names the file, never order data) (`GET /admin/api/handlers`). Printed as the
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
            ? `${style.red('disabled')}${handler.disabledBy === 'operator' ? ' by an operator' : ' by its target (410)'}${handler.changedAt ? ` since ${formatTime(handler.changedAt)}` : ''}`
            : handler.problem
              ? `${style.red('cannot run')} since ${formatTime(handler.problem.since)}`
              : style.green('enabled'),
      },
      {
        header: 'REASON',
        value: (handler) =>
          handler.disabled ? (handler.reason ?? '') : handler.problem ? handler.problem.reason : '',
      },
    ]);
    const lines = [table];
    const gone = result.items.find((handler) => handler.disabled && handler.disabledBy !== 'operator');
    const paused = result.items.find((handler) => handler.disabled && handler.disabledBy === 'operator');
    if (gone !== undefined) {
      lines.push(
        style.dim(
          `a disabled handler's jobs wait; fix its target, then srhooks handlers enable ${gone.name} runs them`,
        ),
      );
    }
    const broken = result.items.find((handler) => !handler.disabled && handler.problem);
    if (broken !== undefined) {
      lines.push(
        style.dim(
          `a handler that cannot run keeps its jobs: they retry, then are dead letters; fix it, then srhooks dead-letters retry --handler ${broken.name}`,
        ),
      );
    }
    if (paused !== undefined) {
      lines.push(
        style.dim(
          `a handler an operator disabled keeps its jobs waiting; srhooks handlers enable ${paused.name} runs them`,
        ),
      );
    }
    return lines.join('\n');
  },
});

import { type AdminTargetOptions, openAdminApi } from '../../admin-api/admin-api-client.js';
import { formatTime } from '../../admin-api/admin-format.js';
import type { HandlerOverviewJson } from '../../admin-api/admin-types.js';
import { maskedNote, maskHandlerReason, shown } from '../../admin-api/personal-data.js';
import { defineCommand } from '../../command.js';
import { renderTable } from '../../output/index.js';

export interface ListHandlersOptions extends AdminTargetOptions {
  /** Disabled handlers' reasons unmasked. */
  reveal?: boolean;
}

export interface ListHandlersResult {
  receiver: string;
  /** False: a disabled handler's reason (the error that disabled it) is masked. */
  revealed: boolean;
  items: HandlerOverviewJson[];
}

/** The receiver's configured handlers, enabled or disabled (`GET /admin/api/handlers`). */
export const listHandlersCommand = defineCommand<ListHandlersOptions, ListHandlersResult>({
  async run(options, context) {
    const api = await openAdminApi(options, context.env);
    const { items } = await api.get<{ items: HandlerOverviewJson[] }>('/handlers');
    const shownItems = shown(options.reveal, items, (answer) => answer.map(maskHandlerReason));
    return { receiver: api.receiverUrl, revealed: shownItems.revealed, items: shownItems.value };
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
      if (!result.revealed)
        lines.push(style.dim(maskedNote("the reasons whole (they quote the target's answer)")));
    }
    return lines.join('\n');
  },
});

import type { AdminTargetOptions } from '../../admin-api/admin-api-client.js';
import { openAdminApi } from '../../admin-api/admin-api-client.js';
import { formatOrder, formatTime, formatTotal, paintStatus } from '../../admin-api/admin-format.js';
import type { EventSummaryJson } from '../../admin-api/admin-types.js';
import { maskEventSummary, shown } from '../../admin-api/personal-data.js';
import { defineCommand } from '../../command.js';
import { renderTable } from '../../output/index.js';

export interface ListEventsOptions extends AdminTargetOptions {
  shop?: string;
  event?: string;
  status?: string;
  delivery?: string;
  search?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
  /** Customer names unmasked (in `--json`; the table shows none). */
  reveal?: boolean;
}

export interface ListEventsResult {
  receiver: string;
  /** False: customer names are masked (`--reveal` shows them). */
  revealed: boolean;
  items: EventSummaryJson[];
  nextCursor: string | null;
}

/** Stored events, newest first, through the receiver's admin API (`GET /admin/api/events`). */
export const listEventsCommand = defineCommand<ListEventsOptions, ListEventsResult>({
  async run(options, context) {
    const api = await openAdminApi(options, context.env);
    const page = await api.get<{ items: EventSummaryJson[]; nextCursor: string | null }>('/events', {
      shop: options.shop,
      event: options.event,
      status: options.status,
      deliveryId: options.delivery,
      q: options.search,
      from: options.from,
      to: options.to,
      limit: options.limit,
      cursor: options.cursor,
    });
    const { revealed, value: items } = shown(options.reveal, page.items, (answer) =>
      answer.map(maskEventSummary),
    );
    return { receiver: api.receiverUrl, revealed, items, nextCursor: page.nextCursor };
  },

  render(result, style) {
    if (result.items.length === 0) return `no events at ${result.receiver}`;
    const table = renderTable(result.items, [
      { header: 'ID', value: (event) => event.id },
      { header: 'RECEIVED', value: (event) => formatTime(event.receivedAt) },
      { header: 'SHOP', value: (event) => event.shop },
      { header: 'EVENT', value: (event) => event.event },
      { header: 'ORDER', value: formatOrder },
      { header: 'TOTAL', value: formatTotal, align: 'right' },
      { header: 'STATUS', value: (event) => paintStatus(event.status, style) },
    ]);
    const more = result.nextCursor
      ? `\n${style.dim(`more: srhooks events list --cursor ${result.nextCursor}`)}`
      : '';
    return `${table}${more}`;
  },
});

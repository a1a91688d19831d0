import { type AdminTargetOptions, openAdminApi } from '../../admin-api/admin-api-client.js';
import { formatOrder, formatTime, paintStatus } from '../../admin-api/admin-format.js';
import type { DeliveryQuery, DeliverySummaryJson } from '../../admin-api/admin-types.js';
import { maskDeliverySummary, maskedNote, shown } from '../../admin-api/personal-data.js';
import { defineCommand } from '../../command.js';
import { renderTable } from '../../output/index.js';

export interface ListDeliveriesOptions extends AdminTargetOptions {
  shop?: string;
  event?: string;
  status?: string;
  eventStatus?: string;
  source?: string;
  search?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
  /** Customer names and decode errors unmasked. */
  reveal?: boolean;
}

export interface ListDeliveriesResult {
  receiver: string;
  /** False: customer names and decode errors are masked (`--reveal` shows them). */
  revealed: boolean;
  items: DeliverySummaryJson[];
  nextCursor: string | null;
}

/** Stored and quarantined deliveries, newest first (`GET /admin/api/deliveries`). */
export const listDeliveriesCommand = defineCommand<ListDeliveriesOptions, ListDeliveriesResult>({
  async run(options, context) {
    const api = await openAdminApi(options, context.env);
    const query: DeliveryQuery = {
      shop: options.shop,
      event: options.event,
      status: options.status,
      eventStatus: options.eventStatus,
      source: options.source,
      q: options.search,
      from: options.from,
      to: options.to,
      limit: options.limit,
      cursor: options.cursor,
    };
    const page = await api.get<{ items: DeliverySummaryJson[]; nextCursor: string | null }>(
      '/deliveries',
      query,
    );
    const { revealed, value: items } = shown(options.reveal, page.items, (answer) =>
      answer.map(maskDeliverySummary),
    );
    return { receiver: api.receiverUrl, revealed, items, nextCursor: page.nextCursor };
  },

  render(result, style) {
    if (result.items.length === 0) return `no deliveries at ${result.receiver}`;
    const table = renderTable(result.items, [
      { header: 'ID', value: (delivery) => delivery.id },
      { header: 'RECEIVED', value: (delivery) => formatTime(delivery.receivedAt) },
      { header: 'SHOP', value: (delivery) => delivery.shop },
      { header: 'EVENT', value: (delivery) => delivery.event },
      {
        header: 'STATUS',
        value: (delivery) =>
          paintStatus(delivery.status, style) +
          (delivery.status === 'quarantined' && delivery.decodeError
            ? ` (${delivery.decodeError.code})`
            : ''),
      },
      {
        header: 'ORDERS',
        value: (delivery) => delivery.events.map((event) => formatOrder(event) || event.id).join(' '),
      },
      {
        header: 'CUSTOMER',
        value: (delivery) =>
          delivery.events
            .map((event) => event.customerName)
            .filter(Boolean)
            .join(', '),
      },
      { header: 'BYTES', value: (delivery) => String(delivery.bodyBytes), align: 'right' },
    ]);
    const lines = [table];
    if (result.nextCursor)
      lines.push(style.dim(`more: srhooks deliveries list --cursor ${result.nextCursor}`));
    if (result.items.some((delivery) => delivery.status === 'quarantined')) {
      lines.push(
        style.dim('srhooks deliveries show ID says why one is quarantined; reprocess ID decodes it again'),
      );
    }
    const masked = result.items.some(
      (delivery) => delivery.decodeError || delivery.events.some((event) => event.customerName),
    );
    if (masked && !result.revealed)
      lines.push(style.dim(maskedNote('customer names and decode errors whole')));
    return lines.join('\n');
  },
});

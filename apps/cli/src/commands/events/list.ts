import type { AdminTargetOptions } from '../../admin-api/admin-api-client.js';
import { openAdminApi } from '../../admin-api/admin-api-client.js';
import { formatOrder, formatTime, formatTotal, paintStatus } from '../../admin-api/admin-format.js';
import type { EventSummaryJson } from '../../admin-api/admin-types.js';
import { fetchListingPage, type ListingPage, renderListingPage } from '../../admin-api/listing-page.js';
import { maskEventSummary } from '../../admin-api/personal-data.js';
import { defineCommand } from '../../command.js';

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

/** `revealed` false: customer names are masked (`--reveal` shows them). */
export type ListEventsResult = ListingPage<EventSummaryJson>;

/** Stored events, newest first, through the receiver's admin API (`GET /admin/api/events`). */
export const listEventsCommand = defineCommand<ListEventsOptions, ListEventsResult>({
  async run(options, context) {
    const api = await openAdminApi(options, context.env);
    const query = {
      shop: options.shop,
      event: options.event,
      status: options.status,
      deliveryId: options.delivery,
      q: options.search,
      from: options.from,
      to: options.to,
      limit: options.limit,
      cursor: options.cursor,
    };
    return fetchListingPage(api, '/events', query, options.reveal, maskEventSummary);
  },

  render(result, style) {
    return renderListingPage(
      result,
      {
        group: 'events',
        columns: [
          { header: 'ID', value: (event) => event.id },
          { header: 'RECEIVED', value: (event) => formatTime(event.receivedAt) },
          { header: 'SHOP', value: (event) => event.shop },
          { header: 'EVENT', value: (event) => event.event },
          { header: 'ORDER', value: formatOrder },
          { header: 'TOTAL', value: formatTotal, align: 'right' },
          { header: 'STATUS', value: (event) => paintStatus(event.status, style) },
        ],
      },
      style,
    );
  },
});

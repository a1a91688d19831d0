import type { AdminTargetOptions } from '../../admin-api/admin-api-client.js';
import { openAdminApi } from '../../admin-api/admin-api-client.js';
import { formatOrder, formatTotal, paintStatus } from '../../admin-api/admin-format.js';
import type { EventSummaryJson } from '../../admin-api/admin-types.js';
import type { ListingOptions, ListingPage } from '../../admin-api/listing-page.js';
import {
  fetchListingPage,
  listingQuery,
  recordColumns,
  renderListingPage,
} from '../../admin-api/listing-page.js';
import { maskEventSummary } from '../../admin-api/personal-data.js';
import { defineCommand } from '../../command.js';

export interface ListEventsOptions extends AdminTargetOptions, ListingOptions {
  delivery?: string;
  /** Customer names unmasked (in `--json`; the table shows none). */
  reveal?: boolean;
}

/** `revealed` false: customer names are masked (`--reveal` shows them). */
export type ListEventsResult = ListingPage<EventSummaryJson>;

/** Stored events, newest first, through the receiver's admin API (`GET /admin/api/events`). */
export const listEventsCommand = defineCommand<ListEventsOptions, ListEventsResult>({
  async run(options, context) {
    const api = await openAdminApi(options, context.env);
    const query = listingQuery(options, { deliveryId: options.delivery });
    return fetchListingPage(api, '/events', query, options.reveal, maskEventSummary);
  },

  render(result, style) {
    return renderListingPage(
      result,
      {
        group: 'events',
        columns: [
          ...recordColumns(),
          { header: 'ORDER', value: formatOrder },
          { header: 'TOTAL', value: formatTotal, align: 'right' },
          { header: 'STATUS', value: (event) => paintStatus(event.status, style) },
        ],
      },
      style,
    );
  },
});

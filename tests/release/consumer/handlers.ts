/**
 * A `module` handler file as the receiver docs describe one, written against the published
 * @srhooks/receiver only. packed-install.test.ts type-checks it under `moduleResolution: node16`
 * with `skipLibCheck: false`, with the optional peers the receiver docs (operations.md) name for that
 * (@types/node, @types/pg, @types/better-sqlite3) installed.
 */
import { defineHandlers, NonRetryableError } from '@srhooks/receiver';

export default defineHandlers({
  order_confirm: async (event, ctx) => {
    if (ctx.signal.aborted) throw new Error(`job ${ctx.jobId} of ${event.shop} timed out`);
  },
  order_status_change: async (event) => {
    if (event.order.orderHistory?.status === '99') throw new NonRetryableError('unknown status');
  },
});

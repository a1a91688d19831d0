/** `/ui/dead-letters`: jobs that gave up, with their last error, and a button replaying those in the shown window. */
import { z } from 'zod';
import type { AdminSession } from '../admin/admin-auth.js';
import { HandlerNameSchema, requestObject, TimeSchema } from '../admin/admin-request-schemas.js';
import type { DeadLetter } from '../store/store.js';
import { statusBadge } from './delivery-list-page.js';
import { handlerErrorText } from './delivery-page.js';
import { formatTime } from './display-format.js';
import { html, type SafeHtml } from './html.js';
import { maskName } from './personal-data-mask.js';

export const DeadLetterPageQuerySchema = requestObject({
  handler: HandlerNameSchema.optional(),
  from: TimeSchema.optional(),
  to: TimeSchema.optional(),
  reveal: z.literal('1').optional(),
});
export type DeadLetterPageQuery = z.output<typeof DeadLetterPageQuerySchema>;

export const DEAD_LETTER_PAGE_SIZE = 200;

export interface DeadLettersPageInput {
  base: string;
  session: AdminSession | null;
  query: DeadLetterPageQuery;
  items: DeadLetter[];
  handlers: string[];
}

function localValue(date: Date | undefined): string {
  return date ? date.toISOString().slice(0, 16) : '';
}

export function deadLettersContent(input: DeadLettersPageInput): SafeHtml {
  const { base, query } = input;
  const reveal = query.reveal === '1';
  const rows = input.items.map(({ job, event }) => {
    const customer = event.customerName ? (reveal ? event.customerName : maskName(event.customerName)) : '—';
    return html`<tr>
  <td data-label="Dead since">${job.finishedAt ? formatTime(job.finishedAt) : '—'}</td>
  <td data-label="Handler">${job.handler} ${statusBadge(job.status)}</td>
  <td data-label="Event"><a href="${base}/deliveries/${encodeURIComponent(event.deliveryId)}${reveal ? '?reveal=1' : ''}#event-${event.id}">${event.shop} / ${event.event}${event.orderNumber ? ` #${event.orderNumber}` : ''}</a></td>
  <td data-label="Customer">${customer}</td>
  <td data-label="Attempts" class="num">${job.attempts}</td>
  <td data-label="Last error">${job.lastError ? handlerErrorText(job.lastError, reveal) : '—'}</td>
</tr>`;
  });
  const window = [
    query.handler ? html`<input type="hidden" name="handler" value="${query.handler}">` : '',
    query.from ? html`<input type="hidden" name="from" value="${query.from.toISOString()}">` : '',
    query.to ? html`<input type="hidden" name="to" value="${query.to.toISOString()}">` : '',
  ];
  return html`<h1>Dead letters</h1>
<form class="filters panel" method="get" action="${base}/dead-letters">
  <label>Handler <select name="handler"><option value="">any</option>${input.handlers.map(
    (name) => html`<option value="${name}"${name === query.handler ? html` selected` : ''}>${name}</option>`,
  )}</select></label>
  <label>Dead since (UTC) <input name="from" type="datetime-local" value="${localValue(query.from)}"></label>
  <label>Dead before (UTC) <input name="to" type="datetime-local" value="${localValue(query.to)}"></label>
  ${reveal ? html`<input type="hidden" name="reveal" value="1">` : ''}
  <div class="buttons"><button type="submit">Filter</button></div>
</form>
<div class="panel">
${
  input.items.length === 0
    ? html`<p class="muted">No dead letters${query.handler || query.from || query.to ? ' in this window' : ''}.</p>`
    : html`<form method="post" action="${base}/dead-letters/replay" data-confirm="Replay every dead letter in this window?" class="actions">
    ${input.session ? html`<input type="hidden" name="_csrf" value="${input.session.csrfToken}">` : ''}
    ${window}
    <button type="submit">Replay ${input.items.length === DEAD_LETTER_PAGE_SIZE ? 'all' : input.items.length} dead letter${input.items.length === 1 ? '' : 's'} in this window</button>
  </form>
  <table class="stack">
    <thead><tr><th>Dead since</th><th>Handler</th><th>Event</th><th>Customer</th><th class="num">Attempts</th><th>Last error</th></tr></thead>
    <tbody>${rows}</tbody>
  </table>`
}
</div>`;
}

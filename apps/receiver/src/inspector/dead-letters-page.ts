/**
 * `/ui/dead-letters`: jobs that gave up, newest first, 200 a page ("Older →" by cursor) with the
 * filter's total, their last error (hidden until "Show personal data", like the customer), and a
 * button replaying every dead letter the filter matches (all pages, not only the rows shown).
 */
import { z } from 'zod';
import type { AdminSession } from '../admin/admin-auth.js';
import {
  DeadLetterCursorSchema,
  HandlerNameSchema,
  requestObject,
  TimeSchema,
} from '../admin/admin-request-schemas.js';
import { maskName } from '../personal-data/personal-data-mask.js';
import type { DeadLetter } from '../store/store.js';
import { statusBadge } from './delivery-list-page.js';
import { handlerErrorText } from './delivery-page.js';
import { formatTime, plural, timeInputStep, timeInputValue } from './display-format.js';
import { html, type SafeHtml } from './html.js';
import { FormerNoticeSchema, NoticeTokenSchema } from './inspector-forms.js';
import { maskedText } from './masked-text.js';

export const DeadLetterPageQuerySchema = requestObject({
  handler: HandlerNameSchema.optional(),
  from: TimeSchema.optional(),
  to: TimeSchema.optional(),
  cursor: DeadLetterCursorSchema.optional(),
  reveal: z.literal('1', { error: 'must be 1 (show personal data) or absent' }).optional(),
  /**
   * Set by the redirect after "Replay all": a one-time token this process issued for it (action-notices.ts),
   * never the count itself. Any other value is no notice, not an error.
   */
  notice: NoticeTokenSchema,
  /** What carried the count before action-notices.ts: ignored (a link with it shows no notice). */
  replayed: FormerNoticeSchema,
});
export type DeadLetterPageQuery = z.output<typeof DeadLetterPageQuerySchema>;

export const DEAD_LETTER_PAGE_SIZE = 200;

export interface DeadLettersPageInput {
  base: string;
  session: AdminSession | null;
  query: DeadLetterPageQuery;
  items: DeadLetter[];
  /** The next (older) page's cursor, or null on the last page. */
  nextCursor: string | null;
  /** Dead letters the filter matches (all pages). */
  total: number;
  handlers: string[];
  /** Dead letters (in the filter) of handlers no longer configured: "Replay all" leaves them. */
  unconfigured: Array<{ handler: string; deadLetters: number }>;
  /**
   * App mode: dead letters (in the filter, of configured handlers) of shops that uninstalled the app:
   * "Replay all" leaves them too (their jobs would be cancelled again at once). 0 when none.
   */
  uninstalledShops?: number;
  /**
   * How many dead letters the "Replay all" that led here queued, from its redirect's token (ActionNotices),
   * or null: no notice (no token, or one crafted, reused, expired or of another session or filter).
   */
  replayedCount?: number | null;
}

function linkWith(
  base: string,
  query: DeadLetterPageQuery,
  changes: Partial<Record<keyof DeadLetterPageQuery, string | undefined>>,
): string {
  // `notice` is the notice of one redirect: links from the page never carry it on.
  const values: Record<string, string | undefined> = {
    handler: query.handler,
    from: query.from?.toISOString(),
    to: query.to?.toISOString(),
    cursor: query.cursor,
    reveal: query.reveal,
    ...changes,
  };
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `${base}/dead-letters?${text}` : `${base}/dead-letters`;
}

export function deadLettersContent(input: DeadLettersPageInput): SafeHtml {
  const { base, query, total } = input;
  const reveal = query.reveal === '1';
  const filtered = Boolean(query.handler || query.from || query.to);
  /** A time window is set (a handler alone is a filter, not a window). */
  const windowed = Boolean(query.from || query.to);
  const rows = input.items.map(({ job, event }) => {
    const customer = event.customerName
      ? reveal
        ? event.customerName
        : maskedText(maskName(event.customerName))
      : '—';
    return html`<tr data-job-id="${job.id}">
  <td data-label="Dead since">${job.finishedAt ? formatTime(job.finishedAt) : '—'}</td>
  <td data-label="Handler">${job.handler} ${statusBadge(job.status)}</td>
  <td data-label="Event"><a href="${base}/deliveries/${encodeURIComponent(event.deliveryId)}${reveal ? '?reveal=1' : ''}#event-${event.id}">${event.shop} / ${event.event}${event.orderNumber ? ` #${event.orderNumber}` : ''}</a></td>
  <td data-label="Customer">${customer}</td>
  <td data-label="Attempts" class="num">${job.attempts}</td>
  <td data-label="Last error">${job.lastError ? handlerErrorText(job.lastError, reveal, '', job.lastErrorSummary) : '—'}</td>
</tr>`;
  });
  // The replay form carries the filter (never the cursor): it replays every dead letter the filter matches.
  const scope = [
    query.handler ? html`<input type="hidden" name="handler" value="${query.handler}">` : '',
    query.from ? html`<input type="hidden" name="from" value="${query.from.toISOString()}">` : '',
    query.to ? html`<input type="hidden" name="to" value="${query.to.toISOString()}">` : '',
    // back to the page as it was shown: revealed when it was
    reveal ? html`<input type="hidden" name="reveal" value="1">` : '',
  ];
  const what = `${plural(total, 'dead letter')}${filtered ? ' matching this filter' : ''}`;
  const uninstalled = input.uninstalledShops ?? 0;
  const left = input.unconfigured.reduce((sum, entry) => sum + entry.deadLetters, 0) + uninstalled;
  const replayable = Math.max(total - left, 0);
  const replayWhat = `${plural(replayable, 'dead letter')}${filtered ? ' matching this filter' : ''}`;
  const staying = [
    ...input.unconfigured.map(
      ({ handler, deadLetters }) =>
        html`<p class="muted">${plural(deadLetters, 'dead letter')} of handler ${handler} ${deadLetters === 1 ? 'stays' : 'stay'}: that handler is no longer configured, so nothing would run ${deadLetters === 1 ? 'it' : 'them'}; configure it again to replay ${deadLetters === 1 ? 'it' : 'them'}.</p>`,
    ),
    ...(uninstalled > 0
      ? [
          html`<p class="muted">${plural(uninstalled, 'dead letter')} of shops that uninstalled the app ${uninstalled === 1 ? 'stays' : 'stay'}: ${uninstalled === 1 ? 'its job' : 'their jobs'} would be cancelled again at once; replay ${uninstalled === 1 ? 'it' : 'them'} after the app is installed on the shop again.</p>`,
        ]
      : []),
  ];
  const replayed = input.replayedCount ?? null;
  const replayedNotice =
    replayed === null
      ? ''
      : html`<p class="notice ok" role="status">Replay queued: ${plural(replayed, 'dead letter')}${filtered ? ' of this filter' : ''} ${replayed === 1 ? "runs again now; its new attempt appears on its delivery's page" : "run again now; their new attempts appear on their deliveries' pages"} (a job of a disabled handler waits until the handler is enabled).</p>`;
  return html`<h1>Dead letters</h1>
${replayedNotice}
<form class="filters panel" method="get" action="${base}/dead-letters">
  <label>Handler <select name="handler"><option value="">any</option>${input.handlers.map(
    (name) => html`<option value="${name}"${name === query.handler ? html` selected` : ''}>${name}</option>`,
  )}</select></label>
  <label>Dead since (UTC) <input name="from" type="datetime-local" step="${timeInputStep(query.from)}" value="${timeInputValue(query.from)}"></label>
  <label>Dead before (UTC) <input name="to" type="datetime-local" step="${timeInputStep(query.to)}" value="${timeInputValue(query.to)}"></label>
  ${reveal ? html`<input type="hidden" name="reveal" value="1">` : ''}
  <div class="buttons"><button type="submit">Filter</button>${filtered ? html`<a href="${linkWith(base, {}, { reveal: query.reveal })}">Clear</a>` : ''}</div>
</form>
<div class="actions">
  <a class="button secondary" href="${linkWith(base, query, { reveal: reveal ? undefined : '1' })}">${reveal ? 'Hide personal data' : 'Show personal data'}</a>
</div>
<div class="panel">
${
  total === 0 && input.items.length === 0
    ? html`<p class="muted">No dead letters${query.handler ? ` of handler ${query.handler}` : ''}${windowed ? ' in this window' : ''}.</p>`
    : html`<p class="muted">${input.items.length.toLocaleString('en-US')} of ${what}${query.cursor ? ' (an older page)' : ''}, newest first.</p>
  ${
    replayable === 0
      ? ''
      : html`<form method="post" action="${base}/dead-letters/replay" data-confirm="Replay all ${replayWhat}, on every page, not only the ones shown here?" class="actions">
    ${input.session ? html`<input type="hidden" name="_csrf" value="${input.session.csrfToken}">` : ''}
    ${scope}
    <button type="submit">Replay all ${replayWhat}</button>
    <span class="muted">Every page, not only the rows shown here${filtered ? '' : ': every dead letter there is'}; also any dead-lettered ${windowed ? 'in this window ' : ''}after this page was loaded, up to when you press it (each once: one that dies again meanwhile stays a dead letter).</span>
  </form>`
  }
  ${staying}
  <table class="stack">
    <caption class="visually-hidden">Dead letters, newest first</caption>
    <thead><tr><th>Dead since</th><th>Handler</th><th>Event</th><th>Customer</th><th class="num">Attempts</th><th>Last error</th></tr></thead>
    <tbody>${rows}</tbody>
  </table>
  <div class="pager">
    ${query.cursor ? html`<a href="${linkWith(base, query, { cursor: undefined })}">← Newest</a>` : html`<span></span>`}
    ${input.nextCursor ? html`<a href="${linkWith(base, query, { cursor: input.nextCursor })}">Older →</a>` : ''}
  </div>`
}
</div>`;
}

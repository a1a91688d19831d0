/**
 * `/ui/handlers`: one row per configured handler with its type, state (as `GET /admin/api/handlers`
 * gives it: who disabled it, since when, the recorded reason; or that this receiver cannot run it — its
 * module did not load — and why), its waiting, running and dead jobs (the
 * store's per-handler backlog, the metrics gauges' query), links to the deliveries with its jobs, its
 * dead letters and its shops' deliveries, and a Disable or Enable form (CSRF token of the session). Nothing personal: a 410's
 * recorded reason names the target's host, never its answer body (forward.ts).
 */
import type { z } from 'zod';
import type { AdminSession } from '../admin/admin-auth.js';
import type { HandlerOverview } from '../admin/admin-operations.js';
import { requestObject } from '../admin/admin-request-schemas.js';
import type { HandlerBacklog } from '../store/store.js';
import type { ActionNoticeOf } from './action-notices.js';
import { formatTime } from './display-format.js';
import { html, type SafeHtml } from './html.js';
import { FormerNoticeSchema, NoticeTokenSchema } from './inspector-forms.js';

export const HANDLER_ACTION_RESULTS = ['disabled', 'already-disabled', 'enabled', 'already-enabled'] as const;
export type HandlerActionResult = (typeof HANDLER_ACTION_RESULTS)[number];

/**
 * The page's query: the one-time token of the action that led here (action-notices.ts; a value it did not
 * issue is ignored, not refused). `done` and `handler` carried the result itself before: ignored now.
 */
export const HandlersPageQuerySchema = requestObject({
  notice: NoticeTokenSchema,
  done: FormerNoticeSchema,
  handler: FormerNoticeSchema,
});
export type HandlersPageQuery = z.output<typeof HandlersPageQuerySchema>;

export interface HandlersPageInput {
  base: string;
  session: AdminSession | null;
  /** The result of the Disable or Enable that led here (its redirect's token, taken from ActionNotices), or null. */
  notice: ActionNoticeOf['handlers'] | null;
  handlers: HandlerOverview[];
  backlog: HandlerBacklog[];
  /** The configured shops whose events each handler gets (`shops[].handlers`). */
  shopsOf: (handler: string) => string[];
  /** App mode: the handler runs for every installed shop. */
  appHandler: (handler: string) => boolean;
}

function who(handler: HandlerOverview): string {
  return handler.disabledBy === 'target' ? 'by its target (HTTP 410 Gone)' : 'by an operator';
}

function notice(result: HandlersPageInput['notice'], handlers: HandlerOverview[]): SafeHtml | string {
  // Only about a handler configured now (one removed since says nothing).
  const handler = handlers.find((entry) => entry.name === result?.handler);
  if (!result || !handler) return '';
  // One the handler's state contradicts now (enabled again by someone else since) is not shown.
  if (result.done.endsWith('disabled') !== handler.disabled) return '';
  const name = handler.name;
  const text: Record<HandlerActionResult, string> = {
    disabled: `${name} disabled: its jobs wait until it is enabled (new events still get jobs for it).`,
    'already-disabled': `${name} was already disabled ${who(handler)}; left as it was.`,
    enabled: `${name} enabled: its waiting jobs run now.`,
    'already-enabled': `${name} was not disabled; nothing changed.`,
  };
  return html`<p class="notice ok" role="status">${text[result.done]}</p>`;
}

function state(handler: HandlerOverview): SafeHtml {
  const { problem } = handler;
  if (!handler.disabled && problem) {
    return html`<span class="badge disabled">cannot run</span> since <time datetime="${problem.since.toISOString()}">${formatTime(problem.since)}</time>
    <div class="muted">${problem.reason}</div>
    <div>This receiver cannot run it: its jobs retry on its schedule, then are dead letters; fix it, then retry its dead letters.</div>`;
  }
  if (!handler.disabled) return html`<span class="badge enabled">enabled</span>`;
  const since = handler.changedAt
    ? html` since <time datetime="${handler.changedAt.toISOString()}">${formatTime(handler.changedAt)}</time>`
    : '';
  return html`<span class="badge disabled">disabled</span> ${who(handler)}${since}
    ${handler.reason ? html`<div class="muted">${handler.reason}</div>` : ''}
    <div>Its jobs wait (not attempted, their retries unused); ${handler.disabledBy === 'target' ? 'fix its target, then enable it' : 'enable it'} to run them.</div>`;
}

function action(base: string, session: AdminSession | null, handler: HandlerOverview): SafeHtml {
  const csrf = session ? html`<input type="hidden" name="_csrf" value="${session.csrfToken}">` : '';
  const name = handler.name;
  return handler.disabled
    ? html`<form class="inline" method="post" action="${base}/handlers/${name}/enable">${csrf}<button type="submit">Enable ${name}</button></form>`
    : html`<form class="inline" method="post" action="${base}/handlers/${name}/disable" data-confirm="Disable handler ${name}? Its jobs wait, not attempted, until it is enabled.">${csrf}<button type="submit" class="secondary">Disable ${name}</button></form>`;
}

export function handlersContent(input: HandlersPageInput): SafeHtml {
  const { base } = input;
  const counts = new Map(input.backlog.map((entry) => [entry.handler, entry]));
  const rows = input.handlers.map((handler) => {
    const backlog = counts.get(handler.name);
    const shops = input.shopsOf(handler.name);
    return html`<tr data-handler="${handler.name}">
  <td data-label="Handler">${handler.name}</td>
  <td data-label="Type">${handler.type}</td>
  <td data-label="State">${state(handler)}</td>
  <td data-label="Waiting" class="num">${(backlog?.waiting ?? 0).toLocaleString('en-US')}</td>
  <td data-label="Running" class="num">${(backlog?.running ?? 0).toLocaleString('en-US')}</td>
  <td data-label="Dead letters" class="num">${(backlog?.dead ?? 0).toLocaleString('en-US')}</td>
  <td data-label="Links"><div><a href="${base}?handler=${handler.name}">Deliveries with ${handler.name} jobs</a></div><div><a href="${base}/dead-letters?handler=${handler.name}">Dead letters</a></div>${shops.map(
    (shop) => html`<div><a href="${base}?shop=${shop}">Deliveries of ${shop}</a></div>`,
  )}${input.appHandler(handler.name) ? html`<div><a href="${base}">Deliveries</a> <span class="muted">(every installed shop)</span></div>` : ''}</td>
  <td data-label="Action">${action(base, input.session, handler)}</td>
</tr>`;
  });
  return html`<h1>Handlers</h1>
${notice(input.notice, input.handlers)}
<p class="muted">A disabled handler's jobs wait: they are not attempted and use up no retries; new events still get jobs for it; enabling it runs them. A handler is disabled by an operator (here, <code>srhooks handlers disable</code> or the admin API) or by its forward target answering HTTP 410 Gone. Waiting counts its jobs not yet run (pending, including those waiting for a retry); running, its jobs leased by a worker of any receiver on this store (one whose worker died, until its lease expires and another takes it over); dead letters are its jobs that used up their attempts.</p>
<div class="panel">
${
  input.handlers.length === 0
    ? html`<p class="muted">No handlers are configured: deliveries are stored, and nothing runs for them. Add one under <code>handlers</code> in srhooks.config.json (a <code>forward</code>, <code>module</code>, <code>log</code> or broker handler) and name it in its shops' <code>handlers</code>; see the receiver's Configuration documentation.</p>`
    : html`<table class="stack">
  <caption class="visually-hidden">Handlers</caption>
  <thead><tr><th>Handler</th><th>Type</th><th>State</th><th class="num">Waiting</th><th class="num">Running</th><th class="num">Dead letters</th><th>Links</th><th>Action</th></tr></thead>
  <tbody>${rows}</tbody>
</table>`
}
</div>`;
}

/**
 * `/ui/events/:id/erase`: "Erase personal data…" of an event (GDPR art. 17), the inspector's form of
 * `POST /admin/api/personal-data/erase`. The page names whose data (this order, or everything with the
 * customer's e-mail address, masked until revealed), shows the dry run — counts per shop, event and
 * status, the ids, the unfinished jobs that would block it, spooled files — and a form (reason,
 * "Also cancel unfinished jobs", the CSRF token) posting to the same address (erase-routes.ts).
 */
import type { AdminSession } from '../admin/admin-auth.js';
import type { ErasureReport } from '../personal-data/erase-personal-data.js';
import { looksLikeId } from '../personal-data/id-text.js';
import { maskEmail, maskFreeText } from '../personal-data/personal-data-mask.js';
import type { ErasedEventRef, EventRecord, JobDetail } from '../store/store.js';
import { statusBadge } from './delivery-list-page.js';
import { formatTime, plural } from './display-format.js';
import type { EraseScope, EraseTargets } from './erase-scope.js';
import { html, type SafeHtml } from './html.js';
import { maskedText } from './masked-text.js';

/** An unfinished (pending or running) job of a matched event: it would send the data on after the erasure. */
export type UnfinishedJob = Pick<JobDetail, 'id' | 'handler' | 'status'> & { event: ErasedEventRef };

/** What the page says went wrong with the form sent: the reason refused, or unfinished jobs blocking it. */
export type EraseFormError = { kind: 'reason'; text: string } | { kind: 'blocked'; jobs: readonly string[] };

export interface ErasePageInput {
  base: string;
  session: AdminSession | null;
  reveal: boolean;
  event: EventRecord;
  targets: EraseTargets;
  scope: EraseScope;
  /** The dry run of this scope. */
  report: ErasureReport;
  unfinished: UnfinishedJob[];
  /** The form as sent (kept in its fields), or empty. */
  form: { reason: string; includeUnfinished: boolean };
  error: EraseFormError | null;
}

/** The event on its delivery's page. */
export function eventHref(
  base: string,
  event: Pick<EventRecord, 'id' | 'deliveryId'>,
  reveal: boolean,
): string {
  return `${base}/deliveries/${encodeURIComponent(event.deliveryId)}${reveal ? '?reveal=1' : ''}#event-${event.id}`;
}

/** This page for a scope (and the reveal toggle). */
export function eraseHref(base: string, eventId: string, scope: EraseScope, reveal: boolean): string {
  const query = new URLSearchParams({ scope });
  if (reveal) query.set('reveal', '1');
  return `${base}/events/${encodeURIComponent(eventId)}/erase?${query}`;
}

/** `1 delivery`, `2 deliveries` (plural() adds an s). */
function deliveries(count: number, what = 'delivery'): string {
  return `${count.toLocaleString('en-US')} ${what.replace(/y$/, count === 1 ? 'y' : 'ies')}`;
}

function eventName(event: EventRecord): string {
  return event.orderNumber ? `order #${event.orderNumber}` : event.event;
}

function emailShown(email: string, reveal: boolean): SafeHtml | string {
  return reveal ? html`<span class="mono">${email}</span>` : maskedText(maskEmail(email));
}

/** A subscriber id that is text from outside (a name sent as the id) is hidden whole until revealed. */
function subscriberShown(id: string, reveal: boolean): SafeHtml | string {
  return reveal || looksLikeId(id) ? id : html`<span class="muted">${maskedText(maskFreeText(id))}</span>`;
}

function scopeChoices(input: ErasePageInput): SafeHtml {
  const { base, event, targets, reveal } = input;
  const choice = (scope: EraseScope, label: SafeHtml | string, meaning: SafeHtml | string) => {
    const current = scope === input.scope;
    return html`<li><a href="${eraseHref(base, event.id, scope, reveal)}"${current ? html` aria-current="page"` : ''}>${label}</a>${current ? html` <span class="muted">(shown below)</span>` : ''}: ${meaning}</li>`;
  };
  return html`<ul class="erase-scopes">
  ${targets.order ? choice('order', 'This order', html`order #${targets.order.orderId} of ${targets.order.shop} — every status change of that order (its events and their deliveries)`) : ''}
  ${targets.email ? choice('email', "Everything with this customer's e-mail address", html`${emailShown(targets.email, reveal)} — every order and subscription with that address, in every shop, and quarantined deliveries holding it`) : ''}
  ${targets.subscriber ? choice('subscriber', 'This newsletter subscriber', html`subscriber ${subscriberShown(targets.subscriber.subscriberId, reveal)} of ${targets.subscriber.shop} — every newsletter event of that subscriber (an unsubscribe without the address too) and its quarantined newsletter deliveries`) : ''}
</ul>`;
}

function jobItem(base: string, job: UnfinishedJob, reveal: boolean): SafeHtml {
  return html`<li><span class="mono">${job.id}</span>: handler <strong>${job.handler}</strong> ${statusBadge(job.status)} of event <a class="mono" href="${eventHref(base, job.event, reveal)}">${job.event.id}</a> (${job.event.shop} / ${job.event.event})</li>`;
}

/** The blocking jobs as the refusal names them: `job_… (log)`, its handler when known. */
function blockingJobsText(jobs: readonly string[], unfinished: readonly UnfinishedJob[]): string {
  const handlers = new Map(unfinished.map((job) => [job.id, job.handler]));
  return jobs.map((id) => (handlers.has(id) ? `${id} (${handlers.get(id)})` : id)).join(', ');
}

function errorText(error: EraseFormError, unfinished: readonly UnfinishedJob[]): string {
  if (error.kind === 'reason') return `Not erased: the reason ${error.text}`;
  return (
    `Not erased: ${plural(error.jobs.length, 'unfinished job')} (pending or running) would send this data on: ` +
    `${blockingJobsText(error.jobs, unfinished)}. Nothing was erased. Wait until ${error.jobs.length === 1 ? 'it finishes' : 'they finish'}, ` +
    'or check “Also cancel unfinished jobs” below, which cancels them.'
  );
}

function dryRun(input: ErasePageInput): SafeHtml {
  const { base, report, reveal } = input;
  if (report.events.length === 0 && report.deliveries.length === 0) {
    return html`<p data-dry-run-empty>Nothing matched: nothing would be erased. Looked for: the address in orders' and subscribers' e-mail field and in quarantined deliveries' raw bodies, the order's events and quarantined deliveries by innerId; an address written only in another field (a comment) is not looked for.</p>`;
  }
  const ids = (label: string, values: readonly string[]) =>
    values.length === 0 ? '' : html`<dt>${label}</dt><dd class="mono">${values.join(', ')}</dd>`;
  const spooled = report.spool?.matches ?? [];
  const waiting = spooled.filter((match) => !match.unreadable);
  // Found through an order or a subscriber (no address in it): only an erasure by that one finds it once stored.
  const direct = waiting.filter((match) => match.orders === undefined && match.subscribers === undefined);
  const indirect = waiting.filter((match) => !direct.includes(match));
  const aside = spooled.filter((match) => match.unreadable);
  return html`<p data-dry-run>Would erase the personal data of <strong>${plural(report.events.length, 'event')} and ${deliveries(report.deliveries.length)}</strong> (their ${plural(report.jobs, 'job')}: statuses kept, error texts erased).</p>
<table class="stack erase-groups">
  <caption class="visually-hidden">What would be erased, per shop, event and status</caption>
  <thead><tr><th>Kind</th><th>Shop</th><th>Event</th><th>Status</th><th class="num">Count</th></tr></thead>
  <tbody>${report.groups.map(
    (group) => html`<tr data-group="${group.kind} ${group.shop} ${group.event} ${group.status}">
    <td data-label="Kind">${group.kind === 'event' ? 'events' : 'deliveries'}</td>
    <td data-label="Shop">${group.shop}</td>
    <td data-label="Event">${group.event}</td>
    <td data-label="Status">${statusBadge(group.status)}</td>
    <td data-label="Count" class="num">${group.count.toLocaleString('en-US')}</td>
  </tr>`,
  )}</tbody>
</table>
<dl class="meta">${ids(
    'Events',
    report.events.map((event) => event.id),
  )}${ids(
    'Deliveries',
    report.deliveries.map((delivery) => delivery.id),
  )}</dl>
${
  input.unfinished.length === 0 && report.unfinishedJobs.length === 0
    ? html`<p class="muted" data-unfinished="0">No unfinished job: nothing blocks the erasure.</p>`
    : html`<div class="notice" data-unfinished="${report.unfinishedJobs.length}">
  <p><strong>${plural(report.unfinishedJobs.length, 'unfinished job')}</strong> (pending or running) of these events would send this data on after it is erased:</p>
  <ul>${input.unfinished.map((job) => jobItem(base, job, reveal))}</ul>
  <p>The erasure is refused while they are unfinished (nothing is erased): wait until they finish, or check “Also cancel unfinished jobs” below, which cancels them — they end dead, never run again and are not listed as dead letters.</p>
</div>`
}
${direct.length > 0 ? html`<p class="notice" data-spooled="direct">${deliveries(direct.length, 'spooled delivery')} (${direct.map((match) => match.id).join(', ')}) ${direct.length === 1 ? 'holds' : 'hold'} this data: the erasure does not change ${direct.length === 1 ? 'it' : 'them'}; the receiver stores ${direct.length === 1 ? 'it' : 'them'} once its store is reachable again — erase again then.</p>` : ''}
${indirect.map((match) => html`<p class="notice" data-spooled="${match.id}">Spooled delivery ${match.id} (${match.shop ?? ''} ${match.event ?? ''}) holds this person's ${match.orders ? 'order' : 'subscription'} without the address: the erasure does not change it, and once it is stored the address no longer finds it — erase by ${[...(match.orders ?? []).map((id) => `the order ${id}`), ...(match.subscribers ?? []).map((id) => `the subscriber ${id}`)].join(' and ')} of ${match.shop ?? 'its shop'} then (<code>srhooks erase --shop ${match.shop ?? 'SHOP'} ${[...(match.orders ?? []).map((id) => `--order-id ${id}`), ...(match.subscribers ?? []).map((id) => `--subscriber-id ${id}`)].join(' ')}</code>, or the admin API).</p>`)}
${aside.length > 0 ? html`<p class="notice">${plural(aside.length, 'file')} in the spool's unreadable/ folder (${aside.map((match) => match.id).join(', ')}) ${aside.length === 1 ? 'holds' : 'hold'} this data: never drained; delete ${aside.length === 1 ? 'it' : 'them'} by hand.</p>` : ''}`;
}

function eraseForm(input: ErasePageInput): SafeHtml {
  const { base, event, scope, form, error } = input;
  const reasonError = error?.kind === 'reason';
  const csrf = input.session
    ? html`<input type="hidden" name="_csrf" value="${input.session.csrfToken}">`
    : '';
  return html`<form method="post" action="${base}/events/${encodeURIComponent(event.id)}/erase">${csrf}
  <input type="hidden" name="scope" value="${scope}">
  ${input.reveal ? html`<input type="hidden" name="reveal" value="1">` : ''}
  <p><label for="erase-reason">Reason</label><br>
    <input id="erase-reason" name="reason" value="${form.reason}" autocomplete="off" spellcheck="false" required aria-describedby="${reasonError ? 'erase-error erase-reason-help' : 'erase-reason-help'}"${reasonError ? html` aria-invalid="true"` : ''}><br>
    <span id="erase-reason-help" class="muted">The request's reference, a ticket or case number such as GDPR-2026-014. It is stored and shown with the erased rows, so never personal data: no e-mail address or phone number.</span></p>
  <p><label><input type="checkbox" name="includeUnfinished" value="1"${form.includeUnfinished ? ' checked' : ''}> Also cancel unfinished jobs</label><br>
    <span class="muted">A job still pending or running would send the data on after it is erased: without this the erasure is refused while there is one; with it such jobs are cancelled (they end dead and never run).</span></p>
  <p><button type="submit">Erase</button> <a href="${eventHref(base, event, input.reveal)}">Cancel</a></p>
</form>`;
}

export function erasePageContent(input: ErasePageInput): SafeHtml {
  const { base, event, reveal, report } = input;
  const nothing = report.events.length === 0 && report.deliveries.length === 0;
  return html`<p><a href="${eventHref(base, event, reveal)}">← Back to the event</a></p>
<h1>Erase personal data</h1>
${input.error ? html`<p class="notice error" id="erase-error" role="alert">${errorText(input.error, input.unfinished)}</p>` : ''}
<div class="panel">
  <p>Of ${eventName(event)} (${event.shop} / ${event.event}, event <span class="mono">${event.id}</span>), for a customer's deletion request (GDPR art. 17). Erased: the payloads, customer names and search text of what matches, the raw bodies of their deliveries and the handlers' error texts. Kept: ids, times, order numbers, totals, and job statuses. It cannot be undone, and it does not reach copies already sent to handler targets and brokers, backups, or other systems' logs (docs/operations.md, "Erasing a customer's personal data").</p>
  <h2>Whose data</h2>
  ${scopeChoices(input)}
  <div class="actions"><a class="button secondary" href="${eraseHref(base, event.id, input.scope, !reveal)}">${reveal ? 'Hide personal data' : 'Show personal data'}</a></div>
</div>
<section class="panel">
  <h2>What would be erased (dry run)</h2>
  ${dryRun(input)}
</section>
${nothing ? '' : html`<section class="panel"><h2>Erase</h2>${eraseForm(input)}</section>`}`;
}

export interface EraseRefusalInput {
  base: string;
  reveal: boolean;
  event: EventRecord;
  heading: string;
  message: string;
}

/** A page saying why this event's data is not (or cannot be) erased, leading back to the event. */
export function eraseRefusalContent(input: EraseRefusalInput): SafeHtml {
  const back = eventHref(input.base, input.event, input.reveal);
  return html`<p><a href="${back}">← Back to the event</a></p>
<h1>${input.heading}</h1>
<p class="notice error" role="alert">${input.message}</p>
<p><a href="${back}">Back to event ${input.event.id}</a></p>`;
}

/** The refusal text for an event erased already. */
export function alreadyErasedText(event: EventRecord): string {
  const erasure = event.erasure;
  return erasure
    ? `The personal data of event ${event.id} was erased already, at ${formatTime(erasure.at)} (${erasure.reason}): nothing is left to erase.`
    : `Event ${event.id} is not erased.`;
}

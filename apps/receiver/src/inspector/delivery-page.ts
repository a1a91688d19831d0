/**
 * `/ui/deliveries/:id`: one delivery as received (metadata, decode error, headers, raw body) and each of
 * its events as a section: the order card, the handler jobs with every attempt and its error, the
 * Replay buttons (POST forms carrying the CSRF token) and "Erase personal data…" (erase-routes.ts). Event
 * sections are also served alone as fragments, which the script swaps in when a job changes.
 */
import type { AdminSession } from '../admin/admin-auth.js';
import { isRunningNow } from '../admin/running-job-replay.js';
import { isProtocolHeader } from '../personal-data/delivery-header-privacy.js';
import { looksLikeId } from '../personal-data/id-text.js';
import {
  DECODE_DETAIL_ERASED,
  DECODE_DETAIL_NOT_RECORDED,
  decodeValueText,
  maskDecodeMessage,
  maskDecodeValue,
  maskFreeText,
  maskHandlerError,
} from '../personal-data/personal-data-mask.js';
import type {
  DeliveryDetail,
  Erasure,
  EventDetail,
  HandlerDisabledBy,
  JobDetail,
  StoredDecodeFailure,
} from '../store/store.js';
import { statusBadge } from './delivery-list-page.js';
import { formatBytes, formatTime } from './display-format.js';
import { eraseScopesOf, eraseTargetsOf } from './erase-scope.js';
import { html, type SafeHtml } from './html.js';
import { payloadCard } from './order-card.js';
import { RECOVERY_MEANING, sourceBadge } from './recovery-panel.js';

export interface DetailContext {
  base: string;
  reveal: boolean;
  session: AdminSession | null;
  /** Handlers configured for this event's shop and event now (offered even when the event has no job for them). */
  configuredHandlers: readonly string[];
  /** Handlers disabled now (by a 410 from their target or an operator): their jobs wait until enabled. */
  disabledHandlers?: ReadonlyMap<string, DisabledHandler>;
}

/** Who disabled a handler and when, as `GET /admin/api/handlers` says it. */
export interface DisabledHandler {
  disabledBy: HandlerDisabledBy | null;
  changedAt: Date | null;
}

/**
 * The delivery page's notices after an action on it (action-notices.ts: the redirect carries a one-time
 * token, never the key or text).
 */
export const DELIVERY_NOTICES = {
  replayed: 'Replay queued: the job runs again now; its attempt appears below.',
  'replayed-waiting':
    'Replay queued, but its handler is disabled: the job waits until the handler is enabled (see below).',
  released: 'Event released: its jobs run now.',
  reprocessed: 'Delivery re-processed: its events were stored and their jobs queued.',
  erased: 'Personal data erased',
} as const;
export type DeliveryNoticeKey = keyof typeof DELIVERY_NOTICES;

function csrfField(session: AdminSession | null): SafeHtml {
  return session ? html`<input type="hidden" name="_csrf" value="${session.csrfToken}">` : html``;
}

function postButton(
  context: DetailContext,
  action: string,
  label: string,
  fields: Record<string, string> = {},
  confirm?: string,
): SafeHtml {
  return html`<form class="inline" method="post" action="${action}"${confirm ? html` data-confirm="${confirm}"` : ''}>
  ${csrfField(context.session)}
  ${Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
  ${context.reveal ? html`<input type="hidden" name="reveal" value="1">` : ''}
  <button type="submit">${label}</button>
</form>`;
}

function time(date: Date | null): SafeHtml {
  return date
    ? html`<time datetime="${date.toISOString()}">${formatTime(date)}</time>`
    : html`<span class="muted">—</span>`;
}

/**
 * A handler's error text: whole when revealed, else hidden whole after the receiver's own summary of it
 * when there is one (see maskHandlerError).
 */
export function handlerErrorText(
  text: string,
  reveal: boolean,
  label = '',
  summary: string | null = null,
): SafeHtml {
  return reveal
    ? html`<div class="error-text">${label}${text}</div>`
    : html`<div class="error-text masked">${label}<span class="muted">${maskHandlerError(text, undefined, undefined, summary)}</span></div>`;
}

/**
 * An event's verification detail: whole when revealed, else hidden whole like the held attempt's error
 * that quotes it (it repeats what the delivery sent, e.g. its innerId).
 */
function verificationDetailText(detail: string, reveal: boolean): string {
  return reveal ? detail : maskHandlerError(detail, undefined, 'detail');
}

/**
 * The event's verification badge with its detail as text after it (a hover title only was out of reach
 * of keyboard and touch users). A held event's notice below says the detail already: not twice.
 */
function verificationBadge(event: EventDetail, reveal: boolean): SafeHtml | string {
  if (event.verification === 'unverified') return '';
  const detail =
    !event.verificationDetail || event.held
      ? ''
      : html` <span class="badge-detail">${verificationDetailText(event.verificationDetail, reveal)}</span>`;
  return html`${statusBadge(event.verification)}${detail}`;
}

function attemptList(job: JobDetail, reveal: boolean): SafeHtml {
  if (job.attemptLog.length === 0) return html`<p class="muted">No attempt yet.</p>`;
  return html`<ol class="attempts">${job.attemptLog.map(
    (attempt) => html`<li data-attempt="${attempt.attempt}">
      <strong>#${attempt.attempt}</strong> ${statusBadge(attempt.outcome)} ${attempt.outcome === 'claimed' ? html`<span class="muted">not started yet (claimed ${time(attempt.startedAt)}, waiting for a slot)</span>` : time(attempt.startedAt)}${attempt.statusCode !== null ? html` · HTTP ${attempt.statusCode}` : ''}
      ${attempt.error ? handlerErrorText(attempt.error, reveal, '', attempt.errorSummary) : ''}
    </li>`,
  )}</ol>`;
}

/**
 * What a replay of a job that succeeded asks first: its target gets the event again (an ERP may book the
 * order twice). Replaying a failed or dead job is what the button is for, and asks nothing.
 */
const AGAIN = (handler: string): string =>
  `${handler} handled this event successfully already. Run it again? It gets the event a second time (with the same job id as before).`;

function jobRow(event: EventDetail, job: JobDetail, context: DetailContext): SafeHtml {
  const action = `${context.base}/events/${encodeURIComponent(event.id)}/replay`;
  const disabled = job.status === 'pending' ? context.disabledHandlers?.get(job.handler) : undefined;
  const next = disabled
    ? html`waits: handler ${job.handler} is disabled ${disabled.disabledBy === 'target' ? 'by its target (HTTP 410 Gone)' : 'by an operator'}${disabled.changedAt ? html` since ${time(disabled.changedAt)}` : ''}; ${disabled.disabledBy === 'target' ? 'fix its target, then ' : ''}enabling it runs this job (srhooks handlers enable ${job.handler})`
    : job.status === 'pending' || job.status === 'running'
      ? html`next run ${time(job.runAt)}`
      : job.finishedAt
        ? html`finished ${time(job.finishedAt)}`
        : html``;
  return html`<tr data-job-id="${job.id}">
  <td data-label="Handler"><strong>${job.handler}</strong><br><span class="muted mono">${job.id}</span></td>
  <td data-label="Status">${statusBadge(job.status === 'running' && job.attemptLog.at(-1)?.outcome === 'claimed' ? 'claimed' : job.status)}<br><span class="muted">${next}</span></td>
  <td data-label="Attempts">${attemptList(job, context.reveal)}${job.lastError && job.status !== 'succeeded' ? handlerErrorText(job.lastError, context.reveal, 'Last error: ', job.lastErrorSummary) : ''}${event.erasure && job.lastErrorSummary ? html`<br><span class="muted">${job.lastErrorSummary}</span>` : ''}</td>
  <td data-label="">${
    !replayable(event)
      ? ''
      : isRunningNow(job, new Date())
        ? // a replay now would run the handler a second time beside this attempt (the API refuses it: job_running)
          html`<span class="muted">running now: replay once it ends</span>`
        : postButton(
            context,
            action,
            `Replay ${job.handler}`,
            { handler: job.handler },
            job.status === 'succeeded' ? AGAIN(job.handler) : undefined,
          )
  }</td>
</tr>`;
}

function handlerTable(event: EventDetail, context: DetailContext): SafeHtml {
  const withJob = new Set(event.jobs.map((job) => job.handler));
  const missing = context.configuredHandlers.filter((name) => !withJob.has(name));
  if (event.jobs.length === 0 && missing.length === 0) {
    return html`<p class="muted">No handler is configured for ${event.shop} / ${event.event}.</p>`;
  }
  const action = `${context.base}/events/${encodeURIComponent(event.id)}/replay`;
  return html`<table class="jobs stack">
  <caption class="visually-hidden">Handler jobs</caption>
  <thead><tr><th>Handler</th><th>Status</th><th>Attempts</th><th><span class="visually-hidden">Actions</span></th></tr></thead>
  <tbody>
    ${event.jobs.map((job) => jobRow(event, job, context))}
    ${missing.map(
      (name) => html`<tr>
      <td data-label="Handler"><strong>${name}</strong></td>
      <td data-label="Status"><span class="muted">no job (configured after this event arrived)</span></td>
      <td data-label="Attempts"></td>
      <td data-label="">${replayable(event) ? postButton(context, action, `Run ${name}`, { handler: name }) : ''}</td>
    </tr>`,
    )}
  </tbody>
</table>`;
}

/** Whether the inspector offers a replay: not for a duplicate (no jobs), nor for an erased event (no payload). */
function replayable(event: EventDetail): boolean {
  return event.duplicateOf === null && event.erasure === undefined;
}

/** "Personal data erased at … (reason …)": an erased event or delivery (personal-data/erase-*.ts). */
function erasedNotice(erasure: Erasure, what: string): SafeHtml {
  return html`<p class="notice erased" data-erased>Personal data erased at ${time(erasure.at)} (${erasure.reason}) on request. ${what}</p>`;
}

/** A notice's text; after an erasure from the inspector (erase-routes.ts) with the delivery's recorded reason (none if not erased). */
function noticeText(notice: DeliveryNoticeKey, delivery: DeliveryDetail): string | null {
  if (notice !== 'erased') return DELIVERY_NOTICES[notice];
  return delivery.erasure
    ? `${DELIVERY_NOTICES.erased} (reason ${delivery.erasure.reason}). Copies already sent to handler targets and brokers, backups and other systems' logs are not reached (docs/operations.md).`
    : null;
}

/**
 * An event's heading: its order number, else its subject id — shown only when it looks like an id or
 * personal data is revealed: an id that is text from outside (a name and a phone number sent as the
 * innerId or subscriber id) is no id to show.
 */
function eventTitle(event: EventDetail, reveal: boolean): string {
  if (event.orderNumber) return `Order #${event.orderNumber}`;
  if (event.subjectId && (reveal || looksLikeId(event.subjectId))) return `${event.event} ${event.subjectId}`;
  return event.event;
}

/** "Replay all handlers" asks first when some of them succeeded already (they get the event again). */
function replayAllQuestion(event: EventDetail): string | undefined {
  const done = event.jobs.filter((job) => job.status === 'succeeded').map((job) => job.handler);
  if (done.length === 0) return undefined;
  return `Run every handler of this event again? ${done.join(', ')} handled it successfully already and ${done.length === 1 ? 'gets' : 'get'} it a second time (with the same job ${done.length === 1 ? 'id' : 'ids'} as before).`;
}

/** One event: `<section data-event-id>` (served alone as a fragment too). */
export function eventSection(event: EventDetail, context: DetailContext): SafeHtml {
  const eventPath = `${context.base}/events/${encodeURIComponent(event.id)}`;
  const canReplay = replayable(event) && (event.jobs.length > 0 || context.configuredHandlers.length > 0);
  const canErase = eraseScopesOf(eraseTargetsOf(event)).length > 0;
  return html`<section class="panel event" id="event-${event.id}" data-event-id="${event.id}">
  <div class="event-head">
    <h2>${eventTitle(event, context.reveal)}</h2>
    <div>${statusBadge(event.status)} ${verificationBadge(event, context.reveal)}</div>
  </div>
  <p class="muted mono">${event.id}</p>
  ${
    event.duplicateOf
      ? html`<p class="notice">Duplicate of an earlier delivery of the same order: event <span class="mono">${event.duplicateOf}</span> (not processed again).${event.orderNumber ? html` <a href="${context.base}?${new URLSearchParams({ shop: event.shop, q: `#${event.orderNumber}`, ...(context.reveal ? { reveal: '1' } : {}) }).toString()}">Deliveries of order #${event.orderNumber}</a>` : ''}</p>`
      : ''
  }
  ${
    event.held
      ? html`<div class="notice error">Held: the order fetched back from the shop does not match this delivery${event.verificationDetail ? html` — ${verificationDetailText(event.verificationDetail, context.reveal)}` : ''}. Its handlers wait until you release it.
      <div class="actions">${postButton(context, `${eventPath}/release`, 'Release', {}, 'Run the handlers for this event although verification failed?')}</div></div>`
      : ''
  }
  ${event.erasure ? erasedNotice(event.erasure, 'Its payload is gone; ids, dedupe key and handler history are kept. It cannot be replayed.') : payloadCard(event.event, event.payload, { reveal: context.reveal })}
  <h3>Handlers</h3>
  ${handlerTable(event, context)}
  ${canReplay || canErase ? html`<div class="actions">${canReplay ? postButton(context, `${eventPath}/replay`, 'Replay all handlers', {}, replayAllQuestion(event)) : ''}${canErase ? html`<a class="button secondary" href="${eventPath}/erase${context.reveal ? '?reveal=1' : ''}">Erase personal data…</a>` : ''}</div>` : ''}
  ${
    context.reveal && !event.erasure
      ? html`<details id="payload-json-${event.id}"><summary>Normalised payload (JSON)</summary><pre>${JSON.stringify(event.payload, null, 2)}</pre></details>`
      : ''
  }
</section>`;
}

/**
 * Where the delivery failed to decode: the part and the field's path plainly, the value found (from the
 * body: personal data) only when revealed. A delivery quarantined before they were recorded says so, an
 * erased one that they were erased;
 * a quarantine reason with none (a payment notification's `unknown_shop`) shows nothing here.
 */
function decodeFailureDetail(failure: StoredDecodeFailure, reveal: boolean, erased: boolean): SafeHtml {
  const { detail } = failure;
  if (detail === null) {
    // an erasure removes the detail with the body it may quote: it was recorded, then erased
    return html`<dl class="meta decode-detail"><dt>Part, field, value</dt><dd class="muted">${erased ? DECODE_DETAIL_ERASED : DECODE_DETAIL_NOT_RECORDED}</dd></dl>`;
  }
  if (Object.keys(detail).length === 0) return html``;
  return html`<dl class="meta decode-detail">
    <dt>Part</dt><dd class="mono">${detail.part ?? '—'}</dd>
    ${detail.path === undefined ? '' : html`<dt>Field</dt><dd class="mono">${detail.path}</dd>`}
    ${
      !('value' in detail)
        ? ''
        : reveal
          ? html`<dt>Value</dt><dd class="mono">${decodeValueText(detail.value)}</dd>`
          : html`<dt>Value</dt><dd class="muted">${maskDecodeValue(detail.value)}</dd>`
    }
  </dl>`;
}

export interface DeliveryPageInput {
  delivery: DeliveryDetail;
  events: EventDetail[];
  context: DetailContext;
  /** Configured handlers per event id. */
  handlersFor: (event: EventDetail) => readonly string[];
  /** The notice of the action that led here (its redirect's token, taken from ActionNotices), or null: none. */
  notice: DeliveryNoticeKey | null;
}

export function deliveryContent(input: DeliveryPageInput): SafeHtml {
  const { delivery, context } = input;
  const base = context.base;
  const reveal = context.reveal ? '?reveal=1' : '';
  const toggle = `${base}/deliveries/${encodeURIComponent(delivery.id)}${context.reveal ? '' : '?reveal=1'}`;
  const bodyText = new TextDecoder('utf-8', { fatal: false }).decode(delivery.rawBody);
  return html`<p><a href="${base}${reveal}">← All deliveries</a></p>
<h1>Delivery ${delivery.shop} / ${delivery.event}${sourceBadge(delivery.source)}</h1>
${input.notice && noticeText(input.notice, delivery) ? html`<p class="notice ok" role="status">${noticeText(input.notice, delivery)}</p>` : ''}
<div class="panel">
  <dl class="meta">
    <dt>Id</dt><dd class="mono">${delivery.id}</dd>
    <dt>Received</dt><dd>${time(delivery.receivedAt)}${delivery.storedAt ? html` · stored ${time(delivery.storedAt)}, from the spool (the store was unavailable when it came)` : ''}</dd>
    <dt>Status</dt><dd>${statusBadge(delivery.status)}${delivery.reprocessedAt ? html` · re-processed ${time(delivery.reprocessedAt)}` : ''}</dd>
    ${delivery.source === 'recovery' ? html`<dt>Source</dt><dd>recovery: ${RECOVERY_MEANING}</dd>` : ''}
    <dt>From</dt><dd class="mono">${delivery.remoteAddress}</dd>
    <dt>Content type</dt><dd class="mono">${delivery.contentType || '—'}</dd>
    <dt>Body</dt><dd>${formatBytes(delivery.bodyBytes)}</dd>
    <dt>Events</dt><dd>${delivery.events.length}</dd>
  </dl>
  ${
    delivery.decodeError
      ? // A re-processed delivery keeps why it was quarantined, as history: not an error box that says it
        // "could not be decoded" (and to re-process it) above the events it was decoded into.
        delivery.status === 'reprocessed'
        ? html`<div class="notice"><strong>Quarantined when received: ${delivery.decodeError.code}</strong>; decoded since, by its re-process. What the decoder said then:<br>${context.reveal ? delivery.decodeError.message : maskDecodeMessage(delivery.decodeError.message)}${decodeFailureDetail(delivery.decodeError, context.reveal, delivery.erasure !== undefined)}</div>`
        : html`<div class="notice error"><strong>Could not be decoded: ${delivery.decodeError.code}</strong><br>${context.reveal ? delivery.decodeError.message : maskDecodeMessage(delivery.decodeError.message)}${decodeFailureDetail(delivery.decodeError, context.reveal, delivery.erasure !== undefined)}</div>`
      : ''
  }
  <div class="actions">
    <a class="button secondary" href="${toggle}">${context.reveal ? 'Hide personal data' : 'Show personal data'}</a>
    ${
      delivery.status === 'quarantined' && !delivery.erasure
        ? postButton(
            context,
            `${base}/deliveries/${encodeURIComponent(delivery.id)}/reprocess`,
            'Re-process',
            {},
            'Decode this delivery again and run its handlers?',
          )
        : ''
    }
  </div>
</div>
${input.events.map((event) => eventSection(event, { ...context, configuredHandlers: input.handlersFor(event) }))}
<section class="panel">
  <h2>As received</h2>
  <h3>Headers</h3>
  <table class="headers">
    <caption class="visually-hidden">Request headers</caption>
    <tbody>${Object.entries(delivery.headers).map(([name, value]) => html`<tr><th class="mono">${name}</th>${context.reveal || isProtocolHeader(name, value) ? html`<td class="mono">${value}</td>` : html`<td class="muted">${maskFreeText(value)}</td>`}</tr>`)}</tbody>
  </table>
  <h3>Raw body</h3>
  ${
    delivery.erasure
      ? erasedNotice(delivery.erasure, 'The body as received is gone.')
      : context.reveal
        ? html`<pre class="raw-body" tabindex="0" role="region" aria-label="Raw body">${bodyText}</pre>`
        : html`<p class="muted">Hidden because it holds personal data. <a href="${toggle}">Show personal data</a> to see the body exactly as received.</p>`
  }
</section>`;
}

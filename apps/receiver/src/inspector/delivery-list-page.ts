/**
 * `/ui`: the live list of deliveries with filters and paging. The filter form posts to `/ui/search`
 * ({@link FilterFormSchema}), which answers with the list's address, the search sealed (`search=t1.…`,
 * read back by {@link listQueryOf}: what was searched for — a name, an e-mail address, a phone number —
 * never stands in an address); the query parses with {@link InspectorListQuerySchema}. Without filters on
 * the first page the script inserts new deliveries at the top as they arrive; otherwise it announces them.
 */
import { z } from 'zod';
import { issueMessage } from '../admin/admin-errors.js';
import {
  cursorOf,
  EventNameSchema,
  FlagSchema,
  HandlerNameSchema,
  requestObject,
  SearchSchema,
  ShopSchema,
  STORED_EVENTS,
  TimeSchema,
} from '../admin/admin-request-schemas.js';
import { DELIVERY_STATUSES, EVENT_SOURCES, EVENT_STATUSES } from '../admin/admin-values.js';
import { maskName } from '../personal-data/personal-data-mask.js';
import type {
  DeliveryFilter,
  DeliveryStatus,
  DeliverySummary,
  Erasure,
  EventStatus,
  EventSummary,
  Page,
  RecoveryState,
  WithHandlerStates,
} from '../store/store.js';
import { formatAmount, formatTime, timeInputStep, timeInputValue } from './display-format.js';
import { html, type SafeHtml } from './html.js';
import { maskedText } from './masked-text.js';
import { recoveryPanel, sourceBadge } from './recovery-panel.js';

type DeliveryOnlyStatus = Exclude<DeliveryStatus, EventStatus>;
const EVENT_STATUS_SET: ReadonlySet<string> = new Set(EVENT_STATUSES);
/**
 * The delivery statuses no event has (quarantined, reprocessed), from the admin API's list: filtering by
 * one filters the deliveries' own status; any other choice (stored too) filters by their events' status.
 */
const DELIVERY_ONLY_STATUSES = DELIVERY_STATUSES.filter(
  (status): status is DeliveryOnlyStatus => !EVENT_STATUS_SET.has(status),
);
const STATUS_CHOICES: readonly (DeliveryOnlyStatus | EventStatus)[] = [
  ...DELIVERY_ONLY_STATUSES,
  ...EVENT_STATUSES,
];

function isDeliveryOnly(status: DeliveryOnlyStatus | EventStatus): status is DeliveryOnlyStatus {
  return !EVENT_STATUS_SET.has(status);
}

export const InspectorListQuerySchema = requestObject({
  shop: ShopSchema.optional(),
  event: EventNameSchema.optional(),
  status: z.enum(STATUS_CHOICES, { error: `must be one of ${STATUS_CHOICES.join(', ')}` }).optional(),
  q: SearchSchema.optional(),
  from: TimeSchema.optional(),
  to: TimeSchema.optional(),
  cursor: cursorOf('dlv').optional(),
  reveal: z.literal('1', { error: 'must be 1 (show personal data) or absent' }).optional(),
  source: z.enum(EVENT_SOURCES, { error: `must be one of ${EVENT_SOURCES.join(', ')}` }).optional(),
  /** Deliveries with an event that has a job for this handler (the handlers page links here). */
  handler: HandlerNameSchema.optional(),
  /** `waiting`: deliveries with a job waiting to run, whatever their status (the shops page links here). */
  jobs: z.literal('waiting', { error: 'must be waiting (a job waiting to run) or absent' }).optional(),
  /** `true`: deliveries whose personal data was erased; `false`: the others (the admin API's `erased`). */
  erased: FlagSchema.optional(),
});
export type InspectorListQuery = z.output<typeof InspectorListQuerySchema>;

/** The filter form's fields, in its order. */
const FORM_FIELDS = [
  'shop',
  'event',
  'status',
  'source',
  'handler',
  'jobs',
  'erased',
  'q',
  'from',
  'to',
] as const;

/** The filter fields whose typed text the form shows again when the filters were refused. */
const TYPED_FIELDS = ['shop', 'handler', 'q'] as const;

/**
 * A filter form sent with values the list cannot use: the text typed into its text fields (shown again,
 * not lost) and each refused field's problem (`''`: a problem of the query as a whole, such as an
 * unknown parameter), shown beside the field and tied to it for screen readers.
 */
export interface RefusedFilters {
  typed: Partial<Record<(typeof TYPED_FIELDS)[number], string>>;
  problems: Record<string, string>;
  reveal: boolean;
}

export function refusedFiltersOf(raw: unknown, error: z.ZodError): RefusedFilters {
  const values = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const typed: RefusedFilters['typed'] = {};
  for (const field of TYPED_FIELDS) {
    const value = values[field];
    if (typeof value === 'string') typed[field] = value;
  }
  const problems: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = typeof issue.path[0] === 'string' ? issue.path[0] : '';
    const message =
      issue.code === 'unrecognized_keys'
        ? `${issue.keys.join(', ')}: not a filter of this list; remove ${issue.keys.length === 1 ? 'it' : 'them'} from the address`
        : issueMessage('query', issue, values);
    problems[field] ??= message;
  }
  return { typed, problems, reveal: values.reveal === '1' };
}

/** A filter form field as typed: checked by the list the form's POST leads to, not here. */
const TypedField = z.string().max(4000, { error: 'must be at most 4000 characters' }).optional();

/**
 * The filter form's POST body (`/ui/search`): its fields as typed and the CSRF token. The form posts, so
 * that what was searched for never stands in an address: the route answers with the list's address, the
 * search sealed (`search=t1.…`).
 */
export const FilterFormSchema = z.strictObject({
  _csrf: z.string().optional(),
  shop: TypedField,
  event: TypedField,
  status: TypedField,
  source: TypedField,
  handler: TypedField,
  jobs: TypedField,
  erased: TypedField,
  q: TypedField,
  from: TypedField,
  to: TypedField,
  reveal: z.literal('1', { error: 'must be 1 (show personal data) or absent' }).optional(),
});

/**
 * The list's query with a sealed search (`search=t1.…`, what the form and the list's own links carry)
 * read back as `q`, and what is wrong with it: given twice, beside `q`, or unreadable (cut, altered, or
 * sealed before the admin token changed).
 */
export function listQueryOf(
  query: unknown,
  texts: { openText(sealed: string): string | null },
): { query: Record<string, unknown>; problem: string | null } {
  const raw = { ...(query !== null && typeof query === 'object' ? query : {}) } as Record<string, unknown>;
  if (!Object.hasOwn(raw, 'search')) return { query: raw, problem: null };
  const { search, ...rest } = raw;
  if (typeof search !== 'string') {
    return { query: rest, problem: 'the search in the address must be given once' };
  }
  if (Object.hasOwn(rest, 'q')) {
    return { query: rest, problem: 'the address gives the search twice (search and q): give it once' };
  }
  const text = texts.openText(search);
  if (text === null) {
    return {
      query: rest,
      problem:
        'the search in this address cannot be read (the link was cut, or made before the admin token changed): type it again',
    };
  }
  return { query: { ...rest, q: text }, problem: null };
}

export const PAGE_SIZE = 50;

export function deliveryFilterOf(query: InspectorListQuery): DeliveryFilter {
  const filter: DeliveryFilter = { limit: PAGE_SIZE };
  if (query.shop) filter.shop = query.shop;
  if (query.event) filter.event = query.event;
  if (query.status && isDeliveryOnly(query.status)) filter.status = query.status;
  else if (query.status) filter.eventStatus = query.status;
  if (query.q) filter.q = query.q;
  if (query.from) filter.from = query.from;
  if (query.to) filter.to = query.to;
  if (query.cursor) filter.cursor = query.cursor;
  if (query.source) filter.source = query.source;
  if (query.handler) filter.handler = query.handler;
  if (query.jobs) filter.jobs = query.jobs;
  if (query.erased !== undefined) filter.erased = query.erased;
  return filter;
}

export interface ListContext {
  base: string;
  reveal: boolean;
}

export function revealQuery(reveal: boolean): string {
  return reveal ? '?reveal=1' : '';
}

/**
 * A status as a badge. It takes no hover title on purpose: a title is out of reach of keyboard and touch
 * users and not reliably read by screen readers, so a badge's detail goes after it as text
 * (`<span class="badge-detail">`).
 */
export function statusBadge(status: string): SafeHtml {
  return html`<span class="badge ${status}">${status}</span>`;
}

/** What the `erased` badge means, in words (its accessible text; the delivery page says when and why). */
export const ERASED_MEANING = 'personal data erased on request';

/**
 * The `erased` badge of a row whose personal data was erased (GDPR art. 17): its text says so, not its
 * colour only, and what it means is part of its text for screen readers (no hover title).
 */
export function erasedBadge(erasure: Erasure | undefined): SafeHtml | string {
  return erasure === undefined
    ? ''
    : html` <span class="badge erased" data-erased>erased<span class="visually-hidden"> (${ERASED_MEANING})</span></span>`;
}

function customer(event: EventSummary, reveal: boolean): SafeHtml | string | null {
  if (event.customerName === null) return null;
  return reveal ? event.customerName : maskedText(maskName(event.customerName));
}

function perEvent<T extends EventSummary>(
  events: T[],
  cell: (event: T) => SafeHtml | string | null,
): SafeHtml {
  if (events.length === 0) return html`<span class="muted">—</span>`;
  return html`${events.map((event) => html`<div>${cell(event) ?? html`<span class="muted">—</span>`}</div>`)}`;
}

/**
 * The handlers a failed event's status is about, after its badge: those whose job is a dead letter,
 * then those retrying after a failure, each one's state added where it differs from the event's
 * (`dead` erp, crm (retrying)); nothing when none failed.
 */
function failedHandlers(event: WithHandlerStates<EventSummary>): SafeHtml | string {
  const dead = event.handlers.filter((job) => job.status === 'dead');
  const retrying = event.handlers.filter(
    (job) => job.status !== 'succeeded' && job.status !== 'dead' && job.failures > 0,
  );
  const named = (jobs: typeof dead, state: string) =>
    jobs.map((job) => (state === event.status ? job.handler : `${job.handler} (${state})`));
  const failed = [...named(dead, 'dead'), ...named(retrying, 'retrying')];
  return failed.length === 0 ? '' : html` <span class="badge-detail">${failed.join(', ')}</span>`;
}

/** One `<tr>` (also served alone as a fragment for live updates). */
export function deliveryRow(delivery: DeliverySummary, context: ListContext): SafeHtml {
  const { events } = delivery;
  const href = `${context.base}/deliveries/${encodeURIComponent(delivery.id)}${revealQuery(context.reveal)}`;
  // An erased event is marked after its status; a delivery erased without an erased event listed (a
  // quarantined one: no events) after its own.
  const deliveryErased = events.some((event) => event.erasure) ? '' : erasedBadge(delivery.erasure);
  const status =
    delivery.status === 'quarantined'
      ? // its reason's code as text, not only a badge's hover title, which a keyboard never reaches
        html`${statusBadge('quarantined')}${delivery.decodeError ? html` <span class="badge-detail">${delivery.decodeError.code}</span>` : ''}${deliveryErased}`
      : events.length === 0
        ? html`${statusBadge(delivery.status)}${deliveryErased}`
        : html`${perEvent(events, (event) => html`${statusBadge(event.status)}${failedHandlers(event)}${erasedBadge(event.erasure)}`)}${deliveryErased}`;
  return html`<tr data-delivery-id="${delivery.id}" data-event-ids="${events.map((event) => event.id).join(' ')}">
  <td data-label="Time"><a href="${href}"><time datetime="${delivery.receivedAt.toISOString()}">${formatTime(delivery.receivedAt)}</time></a></td>
  <td data-label="Shop">${delivery.shop}</td>
  <td data-label="Event">${delivery.event}${sourceBadge(delivery.source)}</td>
  <td data-label="Order">${perEvent(events, (event) => event.orderNumber)}</td>
  <td data-label="Customer">${perEvent(events, (event) => customer(event, context.reveal))}</td>
  <td data-label="Gross total" class="num">${perEvent(events, (event) => formatAmount(event.grossTotal, event.currency))}</td>
  <td data-label="Handlers">${status}</td>
</tr>`;
}

function option(value: string, label: string, selected: string | undefined): SafeHtml {
  return html`<option value="${value}"${value === (selected ?? '') ? html` selected` : ''}>${label}</option>`;
}

/** Seals what was searched for before it goes into an address (AdminAuth.sealText). */
export type SealText = (text: string) => string;

/**
 * This list's address with `changes`. What was searched for goes in sealed (`search=t1.…`) when `seal` is
 * given: a name, e-mail address or phone number must not stand in the browser's history or a proxy's
 * access log (the list reads `search` back as `q`).
 */
function linkWith(
  base: string,
  query: InspectorListQuery,
  changes: Partial<Record<keyof InspectorListQuery, string | undefined>>,
  seal?: SealText,
): string {
  const params = new URLSearchParams();
  const q = 'q' in changes ? changes.q : query.q;
  const values: Record<string, string | undefined> = {
    shop: query.shop,
    event: query.event,
    status: query.status,
    ...(q && seal ? { search: seal(q) } : { q }),
    from: query.from?.toISOString(),
    to: query.to?.toISOString(),
    cursor: query.cursor,
    reveal: query.reveal,
    source: query.source,
    handler: query.handler,
    jobs: query.jobs,
    erased: query.erased === undefined ? undefined : String(query.erased),
    ...changes,
  };
  if (q && seal) delete values.q;
  for (const [key, value] of Object.entries(values)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `${base}?${text}` : base;
}

export function hasFilters(query: InspectorListQuery): boolean {
  return Boolean(
    query.shop ||
      query.event ||
      query.status ||
      query.q ||
      query.from ||
      query.to ||
      query.cursor ||
      query.source ||
      query.handler ||
      query.jobs ||
      query.erased !== undefined,
  );
}

/** The list's empty state before the first delivery: what to check when none arrive. */
const NO_DELIVERIES_YET = html`No deliveries yet. New ones appear here as they arrive. None arriving? See that the shop's subscriptions point at this receiver (<code>srhooks webhooks list --shop SHOP</code>), or send it a test delivery (<code>srhooks trigger order_confirm --to URL</code>, the URL from <code>srhooks url</code>).`;

export interface ListPageInput {
  base: string;
  query: InspectorListQuery;
  page: Page<DeliverySummary>;
  shops: string[];
  /** Shops recovery runs for and their state (the recovery panel). */
  recovery?: {
    shops: string[];
    states: RecoveryState[];
    scheduled: boolean;
    /** This receiver's next scheduled turn for a shop (null: none scheduled). */
    nextTurnAt?: (shop: string) => Date | null;
  };
  /** The filters sent could not be used: the form shows what was typed and what is wrong; nothing is listed. */
  refused?: RefusedFilters;
  /** The session's CSRF token, for the filter form (a POST: see `seal`); none for a bearer request. */
  csrfToken?: string | null;
  /** Seals what was searched for in the page's links; without it they carry it as `q`. */
  seal?: SealText;
}

/** A refused field's attributes (`aria-invalid`, tied to its problem) and its problem's text, or nothing. */
function fieldProblem(
  refused: RefusedFilters | undefined,
  field: string,
): { attributes: SafeHtml | string; text: SafeHtml | string } {
  const problem = refused?.problems[field];
  if (problem === undefined) return { attributes: '', text: '' };
  const id = `filter-problem-${field}`;
  return {
    attributes: html` aria-invalid="true" aria-describedby="${id}"`,
    text: html`<span class="field-error" id="${id}">${problem}</span>`,
  };
}

export function deliveryListContent(input: ListPageInput): SafeHtml {
  const { base, query, page } = input;
  const reveal = query.reveal === '1';
  const context: ListContext = { base, reveal };
  const filtered = hasFilters(query);
  // A search never finds a quarantined delivery (it has no decoded event): say so where it found nothing.
  const searchHint = query.q
    ? html` The search reads decoded events only: a quarantined delivery (its body could not be decoded) never matches it; <a href="${linkWith(base, {}, { status: 'quarantined', reveal: query.reveal })}">list the quarantined deliveries</a> to look for it there.`
    : '';
  const refused = input.refused;
  const problem = (field: string) => fieldProblem(refused, field);
  const [shop, event, status, source, handler, jobs, erased, q, from, to] = FORM_FIELDS.map(problem);
  const erasedChoice = query.erased === undefined ? undefined : String(query.erased);
  const rows = refused
    ? html`<tr id="no-deliveries"><td colspan="7" class="muted">Nothing listed: fix the filters marked above, or <a href="${linkWith(base, {}, { reveal: refused.reveal ? '1' : undefined })}">clear them</a>.</td></tr>`
    : page.items.length === 0
      ? html`<tr id="no-deliveries"><td colspan="7" class="muted">${filtered ? html`No deliveries match these filters.${searchHint}` : NO_DELIVERIES_YET}</td></tr>`
      : html`${page.items.map((delivery) => deliveryRow(delivery, context))}`;
  // problems of what the form has no field for (the page cursor, an unknown parameter), said in the notice
  const unmarked = refused
    ? Object.entries(refused.problems)
        .filter(([field]) => !(FORM_FIELDS as readonly string[]).includes(field))
        .map(([field, text]) => (field === '' ? text : `${field}: ${text}`))
    : [];
  return html`<h1>Deliveries</h1>
${refused ? html`<p class="notice error" role="alert">The filters were not applied: ${unmarked.length === Object.keys(refused.problems).length ? unmarked.join('; ') : html`fix the fields marked below${unmarked.length > 0 ? html`; ${unmarked.join('; ')}` : ''}`}.</p>` : ''}
<form class="filters panel" method="post" action="${base}/search">
  ${input.csrfToken ? html`<input type="hidden" name="_csrf" value="${input.csrfToken}">` : ''}
  <label>Shop <input name="shop" list="shop-names" value="${refused?.typed.shop ?? query.shop ?? ''}" autocomplete="off"${shop?.attributes}>${shop?.text}</label>
  <datalist id="shop-names">${input.shops.map((name) => html`<option value="${name}"></option>`)}</datalist>
  <label>Event <select name="event"${event?.attributes}>${option('', 'any', query.event)}${STORED_EVENTS.map((name) => option(name, name, query.event))}</select>${event?.text}</label>
  <label>Status <select name="status"${status?.attributes}>${option('', 'any', query.status)}${STATUS_CHOICES.map((choice) => option(choice, choice, query.status))}</select>${status?.text}</label>
  <label>Source <select name="source"${source?.attributes}>${option('', 'any', query.source)}${EVENT_SOURCES.map((choice) => option(choice, choice, query.source))}</select>${source?.text}</label>
  <label>Handler <input name="handler" value="${refused?.typed.handler ?? query.handler ?? ''}" autocomplete="off"${handler?.attributes}>${handler?.text}</label>
  <label>Jobs <select name="jobs"${jobs?.attributes}>${option('', 'any', query.jobs)}${option('waiting', 'waiting to run', query.jobs)}</select>${jobs?.text}</label>
  <label>Erased <select name="erased"${erased?.attributes}>${option('', 'any', erasedChoice)}${option('true', 'personal data erased', erasedChoice)}${option('false', 'not erased', erasedChoice)}</select>${erased?.text}</label>
  <label>Order number, customer, e-mail or phone <input name="q" type="search" value="${refused?.typed.q ?? query.q ?? ''}" autocomplete="off"${q?.attributes}>${q?.text}</label>
  <label>From (UTC) <input name="from" type="datetime-local" step="${timeInputStep(query.from)}" value="${timeInputValue(query.from)}"${from?.attributes}>${from?.text}</label>
  <label>To (UTC) <input name="to" type="datetime-local" step="${timeInputStep(query.to)}" value="${timeInputValue(query.to)}"${to?.attributes}>${to?.text}</label>
  ${reveal ? html`<input type="hidden" name="reveal" value="1">` : ''}
  <div class="buttons"><button type="submit">Filter</button>${filtered ? html`<a href="${linkWith(base, {}, { reveal: query.reveal })}">Clear</a>` : ''}</div>
</form>
<div class="actions">
  <a class="button secondary" href="${linkWith(base, query, { reveal: reveal ? undefined : '1' }, input.seal)}">${reveal ? 'Hide personal data' : 'Show personal data'}</a>
</div>
${input.recovery ? recoveryPanel(input.recovery.shops, input.recovery.states, input.recovery.scheduled, input.recovery.nextTurnAt) : ''}
<div role="status"><p id="new-deliveries" class="notice banner" hidden><span data-count>0 new deliveries</span> arrived. <a href="${linkWith(base, {}, { reveal: query.reveal })}">Show the newest</a></p></div>
<div class="panel">
<table class="deliveries stack">
  <caption class="visually-hidden">Deliveries, newest first</caption>
  <thead><tr><th>Time</th><th>Shop</th><th>Event</th><th>Order</th><th>Customer</th><th class="num">Gross total</th><th>Handlers</th></tr></thead>
  <tbody id="delivery-rows">${rows}</tbody>
</table>
<div class="pager">
  ${query.cursor ? html`<a href="${linkWith(base, query, { cursor: undefined }, input.seal)}">← Newest</a>` : html`<span></span>`}
  ${page.nextCursor ? html`<a href="${linkWith(base, query, { cursor: page.nextCursor }, input.seal)}">Older →</a>` : ''}
</div>
</div>`;
}

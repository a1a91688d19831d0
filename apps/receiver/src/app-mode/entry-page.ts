/**
 * The embedded page (EntryPoint) for one shop: that shop's latest events, customer data masked as in
 * the inspector, each linking to its detail page. Everything on it comes from one shop only; the
 * links carry the shop-bound session (shop-session.ts).
 */

import { formatAmount, formatTime } from '../inspector/display-format.js';
import { html, type SafeHtml } from '../inspector/html.js';
import { maskedText } from '../inspector/masked-text.js';
import { payloadCard } from '../inspector/order-card.js';
import { maskName } from '../personal-data/personal-data-mask.js';
import type { EventDetail, EventSummary } from '../store/store.js';

/**
 * `stylesheet`: the URL of the inspector's stylesheet as the entry point serves it (its pages use the
 * inspector's classes); error pages go without (their policy allows no style).
 */
function shell(title: string, content: SafeHtml, stylesheet?: string): string {
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin"><title>${title} · srhooks</title>${
    stylesheet
      ? html`
<link rel="stylesheet" href="${stylesheet}">`
      : ''
  }</head>
<body>
<main>${content}</main>
</body>
</html>
`.value;
}

export function entryListPage(options: {
  shop: string;
  status: string;
  events: EventSummary[];
  detailUrl: (eventId: string) => string;
  stylesheet: string;
}): string {
  const { shop, events } = options;
  const rows = events.map(
    (event) => html`<tr data-event-id="${event.id}" data-shop="${event.shop}">
      <td>${formatTime(event.receivedAt)}</td>
      <td>${event.event}</td>
      <td>${event.orderNumber ?? event.subjectId ?? '—'}</td>
      <td>${event.customerName ? maskedText(maskName(event.customerName)) : '—'}</td>
      <td>${formatAmount(event.grossTotal, event.currency) ?? '—'}</td>
      <td>${event.status}</td>
      <td><a href="${options.detailUrl(event.id)}">details</a></td>
    </tr>`,
  );
  return shell(
    shop,
    html`<h1 data-shop="${shop}">Webhook events of ${shop}</h1>
<p class="status">App status on this shop: <strong>${options.status}</strong>${
      // The merchant's words: a pending install's reason is the developer's (it names settings of the
      // app's backend), kept for the admin API, the CLI and the logs.
      options.status === 'pending'
        ? html` — The app is finishing its setup on this shop. If this message stays, contact the app's developer.`
        : ''
    }</p>
${
  events.length === 0
    ? html`<p class="empty">No events yet.</p>`
    : html`<table><caption class="visually-hidden">Webhook events, newest first</caption><thead><tr><th>Received</th><th>Event</th><th>Order / id</th><th>Customer</th><th>Total</th><th>Status</th><th><span class="visually-hidden">Link</span></th></tr></thead>
<tbody>${rows}</tbody></table>`
}`,
    options.stylesheet,
  );
}

export function entryDetailPage(event: EventDetail, backUrl: string, stylesheet: string): string {
  return shell(
    `${event.shop} · ${event.event}`,
    html`<p><a href="${backUrl}">← all events</a></p>
<h1 data-shop="${event.shop}">${event.event} · ${event.orderNumber ?? event.subjectId ?? event.id}</h1>
<p>Received ${formatTime(event.receivedAt)} · status ${event.status}</p>
${payloadCard(event.event, event.payload, { reveal: false })}`,
    stylesheet,
  );
}

export function entryErrorPage(title: string, message: string): string {
  return shell(title, html`<h1>${title}</h1><p>${message}</p>`);
}

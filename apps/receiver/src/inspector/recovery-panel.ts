/**
 * The inspector's view of recovery: the `recovery` badge on records a recovery pass stored, and a
 * panel with each shop's last pass (when, what it read, what it found, why it failed).
 */
import type { RecoveryState } from '../store/store.js';
import { formatTime, plural } from './display-format.js';
import { html, type SafeHtml } from './html.js';

/** What a `recovery` record is, in words (the badge's accessible text; the delivery page shows it). */
export const RECOVERY_MEANING = 'not delivered by the shop: read back from its API by a recovery pass';

/**
 * The `recovery` badge. What it means is part of its text for screen readers (it was a hover title only,
 * out of reach of keyboard, touch and screen-reader users); the delivery page shows it as text too.
 */
export function sourceBadge(source: 'webhook' | 'recovery'): SafeHtml | string {
  return source === 'recovery'
    ? html` <span class="badge recovery">recovery<span class="visually-hidden"> (${RECOVERY_MEANING})</span></span>`
    : '';
}

function found(recovered: Record<string, number>): string {
  const parts = Object.entries(recovered)
    .filter(([, n]) => n > 0)
    .map(([event, n]) => `${n} ${event}`);
  return parts.length === 0 ? 'nothing missed' : parts.join(', ');
}

/** A failed last pass: why, how many failed in a row, and when this receiver tries again. */
function failure(error: string | null, inARow: number, next: Date | null, onDemand: boolean): SafeHtml {
  const retry = next
    ? html`; next try <time datetime="${next.toISOString()}">${formatTime(next)}</time>`
    : '';
  // An on-demand pass's failure is not counted in a row: it does not delay the scheduled passes.
  const counted =
    inARow > 0
      ? html`<div class="muted">${inARow.toLocaleString('en-US')} failed ${onDemand ? 'scheduled ' : ''}${inARow === 1 ? 'pass' : 'passes'} in a row${retry}</div>`
      : '';
  const which = onDemand
    ? html`<div class="muted">an on-demand pass (not retried; scheduled passes are not delayed by it)</div>`
    : '';
  return html`<span class="muted">${error ?? 'failed'}</span>${which}${counted}`;
}

/**
 * One row per shop that recovery runs for (shops with no pass yet say so). `scheduled`: whether this
 * receiver runs passes by itself; one that does not (`srhooks listen`) recovers only on demand, and the
 * panel says so instead of suggesting that a pass is coming.
 */
export function recoveryPanel(
  shops: readonly string[],
  states: readonly RecoveryState[],
  scheduled: boolean,
  nextTurnAt: (shop: string) => Date | null = () => null,
): SafeHtml | string {
  if (shops.length === 0 && states.length === 0) return '';
  const byShop = new Map(states.map((state) => [state.shop, state]));
  const names = [...new Set([...shops, ...states.map((s) => s.shop)])];
  const rows = names.map((shop) => {
    const state = byShop.get(shop);
    const pass = state?.lastPass;
    if (!pass) {
      return scheduled
        ? html`<tr><td data-label="Shop">${shop}</td><td colspan="4" class="muted" data-label="Last pass">no pass yet</td></tr>`
        : html`<tr><td data-label="Shop">${shop}</td><td colspan="4" class="muted" data-label="Last pass">no pass yet: on demand only, <code>srhooks recover --shop ${shop}</code></td></tr>`;
    }
    return html`<tr data-recovery-shop="${shop}">
  <td data-label="Shop">${shop}</td>
  <td data-label="Last pass"><time datetime="${pass.finishedAt.toISOString()}">${formatTime(pass.finishedAt)}</time> <span class="badge ${pass.outcome === 'ok' ? 'succeeded' : 'failed'}">${pass.outcome}</span></td>
  <td data-label="Read">${plural(pass.ordersRead, 'order')}${pass.subscribersRead > 0 ? `, ${plural(pass.subscribersRead, 'subscriber')}` : ''} since ${formatTime(pass.since)}</td>
  <td data-label="Found">${pass.outcome === 'ok' ? found(pass.recovered) : failure(pass.error, state?.consecutiveFailures ?? 1, nextTurnAt(shop), pass.onDemand === true)}</td>
  <td data-label="Watermark">${state?.watermark ? formatTime(state.watermark) : html`<span class="muted">—</span>`}</td>
</tr>`;
  });
  return html`<details class="panel recovery-panel" id="recovery-panel" open>
<summary>Recovery (orders read back from the shops' APIs)${scheduled ? '' : ' — on demand only: this receiver runs no scheduled passes'}</summary>
<table class="stack">
  <caption class="visually-hidden">Order recovery by shop</caption>
  <thead><tr><th>Shop</th><th>Last pass</th><th>Read</th><th>Found</th><th>Watermark</th></tr></thead>
  <tbody>${rows}</tbody>
</table>
</details>`;
}

/**
 * `/ui/shops`: one row per shop the receiver serves — config shops and, in app mode, the shops that
 * installed the app (installed, pending with its reason, uninstalled: when and who told the receiver) —
 * with its install time, last webhook delivery, waiting jobs and dead letters (linking to its deliveries
 * in those states), and for an app shop not uninstalled a "Mark uninstalled" link to a confirmation page
 * (`/ui/shops/:shop/uninstall`) whose form asks for the shop's name and carries the session's CSRF token.
 * Shop names are business identifiers, not personal data: shown as they are.
 */
import type { z } from 'zod';
import type { AdminSession } from '../admin/admin-auth.js';
import { requestObject } from '../admin/admin-request-schemas.js';
import type { ActionNoticeOf } from './action-notices.js';
import { formatTime, plural } from './display-format.js';
import { html, type SafeHtml } from './html.js';
import { FormerNoticeSchema, NoticeTokenSchema } from './inspector-forms.js';
import type { ShopOverview } from './shop-overview.js';

export const SHOP_ACTION_RESULTS = ['uninstalled', 'already-uninstalled'] as const;
export type ShopActionResult = (typeof SHOP_ACTION_RESULTS)[number];

/**
 * The page's query: the one-time token of the action that led here (action-notices.ts; a value it did not
 * issue is ignored, not refused). `done`, `shop` and `cancelled` carried the result itself before: ignored now.
 */
export const ShopsPageQuerySchema = requestObject({
  notice: NoticeTokenSchema,
  done: FormerNoticeSchema,
  shop: FormerNoticeSchema,
  cancelled: FormerNoticeSchema,
});
export type ShopsPageQuery = z.output<typeof ShopsPageQuerySchema>;

/** A message the page shows above the list: an action's result, or why it was refused. */
export interface ShopsNotice {
  kind: 'ok' | 'error';
  text: string;
}

export interface ShopsPageInput {
  base: string;
  shops: ShopOverview[];
  appMode: boolean;
  notice: ShopsNotice | null;
}

const time = (iso: string | null): SafeHtml | string =>
  iso ? html`<time datetime="${iso}">${formatTime(new Date(iso))}</time>` : '—';

/** `by ShopRenter (its uninstall call)` / `by an operator` / `` (not recorded). */
export function uninstalledByText(shop: ShopOverview): string {
  if (shop.uninstalledBy === 'shoprenter') return 'by ShopRenter (its call to the app’s UninstallUri)';
  if (shop.uninstalledBy === 'operator') return 'by an operator (marked uninstalled)';
  return 'who told the receiver is not recorded';
}

/**
 * The notice of "Mark uninstalled"'s redirect (its token, taken from ActionNotices), about a shop the page
 * lists (one gone since says nothing).
 */
export function actionNotice(
  result: ActionNoticeOf['shops'] | null,
  shops: ShopOverview[],
): ShopsNotice | null {
  const shop = shops.find((entry) => entry.name === result?.shop);
  if (!result || !shop) return null;
  if (result.done === 'already-uninstalled') {
    return { kind: 'ok', text: `${shop.name} was already uninstalled; nothing changed.` };
  }
  const cancelled = plural(result.cancelled, 'pending job');
  return {
    kind: 'ok',
    text: `${shop.name} marked uninstalled: its webhook URLs answer 404, ${cancelled} became ${result.cancelled === 1 ? 'a dead letter' : 'dead letters'}, order recovery stopped for it, and the app's handlers get app_uninstalled.`,
  };
}

function state(shop: ShopOverview): SafeHtml {
  if (shop.source === 'config') return html`<span class="badge configured">configured</span>`;
  if (shop.status === 'uninstalled') {
    return html`<span class="badge uninstalled">uninstalled</span> ${time(shop.uninstalledAt)}
    <div class="muted">${uninstalledByText(shop)}</div>`;
  }
  if (shop.status === 'pending') {
    return html`<span class="badge pending">pending</span>
    <div class="muted">install step not done yet${shop.pendingReason ? `: ${shop.pendingReason}` : ''}</div>`;
  }
  if (shop.nextAttemptAt !== null) {
    // A later step (an install call again, a re-registration after a secret change) runs or failed: still installed.
    const failed = shop.pendingReason !== null && shop.pendingReason !== 'installing';
    return html`<span class="badge installed">installed</span>
    <div class="muted">${
      failed
        ? html`latest install step failed, retried from ${time(shop.nextAttemptAt)}: ${shop.pendingReason}`
        : 'install step running again'
    }</div>`;
  }
  return html`<span class="badge installed">installed</span>`;
}

/**
 * The counts, each a link to the shop's deliveries with such a job. What a link lists is part of its
 * accessible name (a bare number out of context; it was a hover title, which keyboard, touch and
 * screen-reader users do not get); the page's introduction says it in words for everyone.
 */
function counts(base: string, shop: ShopOverview): { waiting: SafeHtml; dead: SafeHtml } {
  const list = (status: string) => `${base}?${new URLSearchParams({ shop: shop.name, status })}`;
  return {
    waiting: html`<a href="${base}?${new URLSearchParams({ shop: shop.name, jobs: 'waiting' }).toString()}">${shop.waiting.toLocaleString('en-US')}<span class="visually-hidden"> waiting jobs: the deliveries of ${shop.name} with a job waiting to run (not run yet, waiting for a retry or for a disabled handler)</span></a>
    <div class="muted"><a href="${list('retrying')}">retrying<span class="visually-hidden">: the deliveries of ${shop.name} whose events wait for a retry</span></a></div>`,
    dead: html`<a href="${list('dead')}">${shop.dead.toLocaleString('en-US')}<span class="visually-hidden"> dead letters: the deliveries of ${shop.name} with a dead-lettered event</span></a>`,
  };
}

function action(base: string, shop: ShopOverview): SafeHtml | string {
  if (shop.source !== 'app' || shop.status === 'uninstalled') return '';
  return html`<a class="button secondary" href="${base}/shops/${shop.name}/uninstall">Mark uninstalled</a>`;
}

export function shopsContent(input: ShopsPageInput): SafeHtml {
  const { base } = input;
  const rows = input.shops.map((shop) => {
    const { waiting, dead } = counts(base, shop);
    return html`<tr data-shop="${shop.name}">
  <td data-label="Shop"><a href="${base}?shop=${shop.name}">${shop.name}</a></td>
  <td data-label="Kind">${shop.source === 'config' ? 'config file' : 'app'}</td>
  <td data-label="State">${state(shop)}</td>
  <td data-label="Installed">${time(shop.installedAt)}</td>
  <td data-label="Last delivery">${shop.lastDeliveryAt ? time(shop.lastDeliveryAt) : html`<span class="muted">none</span>`}</td>
  <td data-label="Waiting jobs" class="num">${waiting}</td>
  <td data-label="Dead letters" class="num">${dead}</td>
  <td data-label="Action">${action(base, shop)}</td>
</tr>`;
  });
  const notice = input.notice
    ? html`<p class="notice ${input.notice.kind}" role="${input.notice.kind === 'error' ? 'alert' : 'status'}">${input.notice.text}</p>`
    : '';
  return html`<h1>Shops</h1>
${notice}
<p class="muted">Every shop this receiver serves: those of the config file${input.appMode ? ' and those that installed the app (app mode)' : ' (app mode is off: no app shops)'}. Last delivery is the shop's last webhook delivery (not recovery records nor the app's own calls). Waiting jobs are the shop's jobs not yet run (also those waiting for a retry or for a disabled handler), dead letters its jobs that used up their attempts; each number links to the shop's deliveries with such a job (retrying: those whose events wait for a retry).${input.appMode ? ' An app shop whose uninstall call never reached the receiver can be marked uninstalled here.' : ''}</p>
<div class="panel">
${
  input.shops.length === 0
    ? html`<p class="muted">No shops: none is configured${input.appMode ? ' and the app is installed on none' : ''}.</p>`
    : html`<table class="stack">
  <caption class="visually-hidden">Shops</caption>
  <thead><tr><th>Shop</th><th>Kind</th><th>State</th><th>Installed</th><th>Last delivery</th><th class="num">Waiting jobs</th><th class="num">Dead letters</th><th>Action</th></tr></thead>
  <tbody>${rows}</tbody>
</table>`
}
</div>`;
}

export interface ConfirmUninstallInput {
  base: string;
  session: AdminSession | null;
  shop: ShopOverview;
  /** Set when the name typed did not match. */
  error: string | null;
}

/** The confirmation step of "Mark uninstalled": what it does, and a form asking for the shop's name. */
export function confirmUninstallContent(input: ConfirmUninstallInput): SafeHtml {
  const { base, shop } = input;
  const csrf = input.session
    ? html`<input type="hidden" name="_csrf" value="${input.session.csrfToken}">`
    : '';
  return html`<h1>Mark ${shop.name} uninstalled?</h1>
${input.error ? html`<p class="notice error" id="confirm-error" role="alert">${input.error}</p>` : ''}
<div class="panel">
<p>Do this only when the app was uninstalled from <strong>${shop.name}</strong> and ShopRenter's call to the app's UninstallUri never reached this receiver (it was down, or refused the call). It has the effects of that call:</p>
<ul>
  <li>the shop's webhook URLs answer 404 from now on;</li>
  <li>its jobs still waiting for a worker become dead letters, listed with the reason and replayable (${shop.waiting === 0 ? 'it has none now' : html`${plural(shop.waiting, 'job')} ${shop.waiting === 1 ? 'waits' : 'wait'} now`}; those of Payment API notifications are kept and still run);</li>
  <li>a job whose handler is already running finishes; one a worker claimed ahead of its start is cancelled the same way when its turn comes;</li>
  <li>order recovery stops for it;</li>
  <li>the app's handlers get an <code>app_uninstalled</code> event saying an operator marked it.</li>
</ul>
<p>It cannot be undone from here: the shop's owner installs the app again to start over.</p>
<form method="post" action="${base}/shops/${shop.name}/uninstall">${csrf}
  <label>Type the shop's name, <strong>${shop.name}</strong>, to confirm
    <input name="confirm" autocomplete="off" spellcheck="false" required${input.error ? html` aria-invalid="true" aria-describedby="confirm-error"` : ''}></label>
  <p><button type="submit">Mark ${shop.name} uninstalled</button> <a href="${base}/shops">Cancel</a></p>
</form>
</div>`;
}

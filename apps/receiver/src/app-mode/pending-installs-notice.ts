/** The inspector's notice for app installs still pending (their token/subscription step failed), with the reason. */
import { html, type SafeHtml } from '../inspector/html.js';
import type { AppShopRecord } from '../store/app-shops/app-shop-store.js';

export function pendingInstallsNotice(shops: readonly AppShopRecord[]): SafeHtml {
  const pending = shops.filter((shop) => shop.status === 'pending');
  if (pending.length === 0) return html``;
  return html`<div class="notice error" id="pending-installs" role="status"><strong>App installs pending</strong> (retried in the background; deliveries for these shops will not arrive until their subscriptions exist):
<ul>${pending.map(
    (shop) =>
      html`<li data-shop="${shop.shop}">${shop.shop}: ${shop.pendingReason ?? 'unknown reason'}${
        shop.nextAttemptAt ? html` — next attempt ${shop.nextAttemptAt.toISOString()}` : ''
      } (${shop.attempts} failed)</li>`,
  )}</ul></div>`;
}

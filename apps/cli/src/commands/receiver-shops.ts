import { type AdminTargetOptions, openAdminApi } from '../admin-api/admin-api-client.js';
import { formatTime } from '../admin-api/admin-format.js';
import type { ShopItemJson } from '../admin-api/admin-types.js';
import { productName } from '../cli-invocation.js';
import { defineCommand } from '../command.js';
import { renderTable } from '../output/index.js';

export type ReceiverShopsOptions = AdminTargetOptions;

/** One row of the receiver's `GET /admin/api/shops` (see the receiver's docs/admin-api-and-inspector.md, JSON admin API). */
export type ReceiverShop = ShopItemJson;

export interface ReceiverShopsResult {
  receiver: string;
  shops: ReceiverShop[];
}

/** `srhooks shops --receiver URL`: the shops a receiver serves (config file and app installs). */
export const receiverShopsCommand = defineCommand<ReceiverShopsOptions, ReceiverShopsResult>({
  async run(options, context) {
    const api = await openAdminApi(options, context.env);
    const answer = await api.get<{ items: ReceiverShop[] }>('/shops');
    return { receiver: api.receiverUrl, shops: answer.items };
  },

  render(result, style) {
    if (result.shops.length === 0)
      return `no shops at ${result.receiver} (no config shops, no app installs yet)`;
    // A pending install's reason is a paragraph of advice: under the table, so the table stays readable.
    const reason = (shop: ReceiverShop) =>
      `  ${shop.name}: ${shop.pendingReason ?? 'installing'}${shop.nextAttemptAt ? style.dim(` (next attempt ${formatTime(shop.nextAttemptAt)})`) : ''}`;
    const pending = result.shops.filter((shop) => shop.status === 'pending');
    // An installed shop whose later install step (an install call again, a re-registration after a secret
    // change) failed: it keeps the subscriptions registered before; the receiver retries the step.
    const failing = result.shops.filter(
      (shop) =>
        shop.status === 'installed' &&
        shop.nextAttemptAt !== null &&
        shop.pendingReason !== null &&
        shop.pendingReason !== 'installing',
    );
    // The reason of the last failed pass (a paragraph of advice, like a pending install's).
    const failingRecovery = result.shops.filter((shop) => shop.recovery && (shop.recoveryFailures ?? 0) > 0);
    // A config shop whose start-up reconcile failed: its subscriptions were not made (the table lists the
    // events configured), and ShopRenter sends nothing for a missing subscription.
    const unreconciled = result.shops.filter((shop) => shop.reconcile && !shop.reconcile.ok);
    // A config shop's subscriptions are the events its config lists (reconcile makes them); with none
    // listed — srhooks listen's shops always — the receiver makes none and does not know the shop's own
    // (made at the shop: webhooks create or sync), and says so with `subscriptions: null`: "-" would read
    // as "none".
    const unknown = result.shops.filter((shop) => shop.subscriptions === null);
    const reasons = [
      ...(unknown.length
        ? [
            '',
            `subscriptions unknown: the receiver makes none for ${unknown.map((shop) => shop.name).join(', ')} (no "events" or "webhooks" configured for ${unknown.length === 1 ? 'it' : 'them'}; ${productName('listen')} makes none), so it does not know those made at the shop (srhooks webhooks create or sync); list them with:`,
            ...unknown.map((shop) => `  srhooks webhooks list --shop ${shop.name}`),
          ]
        : []),
      ...(unreconciled.length
        ? [
            '',
            'subscriptions not reconciled (their deliveries do not arrive until they are):',
            ...unreconciled.map(
              (shop) =>
                `  ${shop.name}: ${shop.reconcile?.error ?? 'no reason recorded'} ${style.dim(
                  shop.reconcile?.nextAttemptAt
                    ? `(tried again at ${formatTime(shop.reconcile.nextAttemptAt)})`
                    : '(not tried again: fix it, then restart the receiver)',
                )}`,
            ),
          ]
        : []),
      ...(pending.length
        ? ['', 'pending installs (retried in the background):', ...pending.map(reason)]
        : []),
      ...(failing.length
        ? [
            '',
            'installed shops whose latest install step failed (they keep their subscriptions; retried in the background):',
            ...failing.map(reason),
          ]
        : []),
      ...(failingRecovery.length
        ? [
            '',
            'order recovery failing (retried with backoff; srhooks recover --shop S runs a pass now):',
            ...failingRecovery.map(
              (shop) =>
                `  ${shop.name}: ${shop.recoveryError ?? 'no reason recorded'} ${style.dim(shop.recoveryFailures === 1 ? '(1 failed pass)' : `(${shop.recoveryFailures} failed passes in a row)`)}`,
            ),
          ]
        : []),
    ];
    const table = renderTable(result.shops, [
      { header: 'SHOP', value: (shop) => shop.name },
      { header: 'SOURCE', value: (shop) => shop.source },
      {
        header: 'STATUS',
        value: (shop) =>
          shop.reconcile && !shop.reconcile.ok
            ? style.yellow('configured, not reconciled')
            : shop.status === 'installed' || shop.status === 'configured'
              ? style.green(shop.status)
              : shop.status === 'pending'
                ? style.yellow('pending')
                : style.dim(shop.status),
      },
      {
        header: 'SUBSCRIPTIONS',
        value: (shop) =>
          shop.subscriptions === null
            ? style.yellow('unknown')
            : shop.subscriptions.map((s) => s.event).join(' ') || style.dim('-'),
      },
      {
        header: 'LAST DELIVERY',
        value: (shop) => (shop.lastDeliveryAt ? formatTime(shop.lastDeliveryAt) : style.dim('never')),
      },
      {
        header: 'RECOVERY',
        value: (shop) =>
          shop.recovery === undefined
            ? style.dim('-')
            : !shop.recovery
              ? style.dim('off')
              : (shop.recoveryFailures ?? 0) > 0
                ? style.yellow(`on, failing (${shop.recoveryFailures} in a row)`)
                : 'on',
      },
    ]);
    return [table, ...reasons].join('\n');
  },
});

import type { Webhook } from '@srhooks/contracts';
import type { SignedWith } from '../../config/receiver-secrets.js';
import { maskDeliveryUrl } from '../../delivery/mask-delivery-url.js';
import { renderTable, type Style } from '../../output/index.js';

/**
 * A delay in words: `1 hour`, `2 days` (the API's unit is singular: `day`, `hour`, `minute`). A value
 * that is not a plain number is shown as it is, with the unit as given.
 */
export function delayText(value: unknown, unit: unknown): string {
  const one = value === 1 || value === '1';
  return `${String(value)} ${String(unit)}${one || typeof unit !== 'string' || unit.endsWith('s') ? '' : 's'}`;
}

/** `10 days`, `1 hour`, or `at once`. */
export function describeDelay(webhook: Webhook): string {
  const delay = webhook.webHookDelay.find((entry) => entry.delay > 0);
  return delay ? delayText(delay.delay, delay.delayUnit) : 'at once';
}

export function describeFields(fields: readonly string[] | undefined): string {
  return fields && fields.length > 0 ? String(fields.length) : 'default';
}

/**
 * The list table: id, event, status, type, url, fields count, delay, and with `signed` (known
 * receiver secrets) which secret signed each receiver URL. URLs show their token cut short
 * (`--json` has them whole).
 */
export function renderWebhookTable(
  webhooks: readonly Webhook[],
  style: Style,
  signed?: Readonly<Record<string, SignedWith>>,
): string {
  const secretColumn = signed
    ? [
        {
          header: 'SECRET',
          value: (webhook: Webhook) => {
            const which = signed[webhook.id];
            if (which === 'current') return style.green('current');
            if (which === 'old') return style.yellow('old');
            if (which === 'none') return style.red('none');
            return '-';
          },
        },
      ]
    : [];
  return renderTable(webhooks, [
    { header: 'ID', value: (webhook) => webhook.id },
    { header: 'EVENT', value: (webhook) => webhook.event },
    {
      header: 'STATUS',
      value: (webhook) => (webhook.enabled ? style.green('enabled') : style.yellow('disabled')),
    },
    { header: 'TYPE', value: (webhook) => webhook.webHookParameters[0]?.type ?? '' },
    {
      header: 'URL',
      value: (webhook) =>
        webhook.webHookParameters.map((parameter) => maskDeliveryUrl(parameter.url)).join(' ') || '-',
    },
    {
      header: 'FIELDS',
      value: (webhook) => describeFields(webhook.webHookParameters[0]?.fields),
      align: 'right',
    },
    { header: 'DELAY', value: (webhook) => describeDelay(webhook) },
    ...secretColumn,
  ]);
}

/** One subscription as aligned `key  value` lines. */
export function renderWebhookDetail(webhook: Webhook, style: Style): string {
  const rows: [string, string][] = [
    ['id', webhook.id],
    ['event', webhook.event],
    ['status', webhook.enabled ? style.green('enabled') : style.yellow('disabled')],
    ['label', webhook.label],
  ];
  webhook.webHookParameters.forEach((parameter, index) => {
    const suffix = webhook.webHookParameters.length > 1 ? ` #${index + 1}` : '';
    rows.push([`type${suffix}`, parameter.type]);
    rows.push([`url${suffix}`, maskDeliveryUrl(parameter.url)]);
    rows.push([
      `fields${suffix}`,
      parameter.fields && parameter.fields.length > 0
        ? parameter.fields.join(', ')
        : style.dim('(default set)'),
    ]);
  });
  rows.push(['delay', describeDelay(webhook)]);
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, value]) => `${style.dim(key.padEnd(width))}  ${value}`).join('\n');
}

import { type AppEvent, isAppEvent } from '@srhooks/contracts/app-events';
import {
  AdminAnswerError,
  type AdminApi,
  type AdminTargetOptions,
  openAdminApi,
} from '../../admin-api/admin-api-client.js';
import {
  disabledHandlerLines,
  formatOrder,
  formatTime,
  formatTotal,
  isSubscriberEvent,
  paintStatus,
} from '../../admin-api/admin-format.js';
import { checkEventId, disabledHandlersOf } from '../../admin-api/admin-input.js';
import type { DisabledHandlerJson, EventDetailJson } from '../../admin-api/admin-types.js';
import { type EventView, maskEventDetail, maskedNote, shown } from '../../admin-api/personal-data.js';
import { isRunningListen } from '../../admin-api/running-listen.js';
import { productName } from '../../cli-invocation.js';
import { defineCommand } from '../../command.js';
import { renderFields, renderTable, type Style } from '../../output/index.js';
import type { ReceiverShop } from '../receiver-shops.js';

export interface ShowEventOptions extends AdminTargetOptions {
  id: string;
  /** The payload, the customer name and the handlers' error texts unmasked. */
  reveal?: boolean;
  /** Deprecated: the same as `reveal` (it printed the payload before `--reveal` existed). */
  payload?: boolean;
}

export interface ShowEventResult {
  receiver: string;
  /** False: the customer name and error texts are masked and the payload is left out (`--reveal` shows them). */
  revealed: boolean;
  event: EventView;
  /** Handlers of the event's waiting (pending) jobs that are disabled, and by whom: those jobs wait until enabled. */
  disabledHandlers: DisabledHandlerJson[];
  /** The event's shop installed the receiver's platform app (app mode): `verify` does not apply to it. */
  appShop: boolean;
  /** The receiver is this config directory's running `srhooks listen`, which verifies no order. */
  listen: boolean;
}

/**
 * What the verification state means and, when it is off, how to turn it on. A duplicate is never
 * handled, so never verified: its state says so, whatever the receiver's `verify`.
 */
export function describeVerification(
  event: Pick<EventDetailJson, 'event' | 'verification' | 'verificationDetail' | 'duplicateOf'>,
  style: Style,
  appShop = false,
  listen = false,
): string {
  if (event.verification === 'unverified' && event.duplicateOf) {
    return `${style.dim('unverified')}: a duplicate of ${event.duplicateOf} (the same event delivered again), so neither handled nor verified again; see srhooks events show ${event.duplicateOf}`;
  }
  // "verify" reads orders back: advising it for an event it never checks would be wrong
  if (event.verification === 'unverified' && !ORDER_VERIFIED_EVENTS.has(event.event)) {
    return `${style.dim('unverified')}: not checked against the shop's API — "verify" reads back order_confirm and order_status_change only (an abandoned cart is no order in the shop's API, a newsletter event has none)`;
  }
  switch (event.verification) {
    case 'verified':
      return `${style.green('verified')}: fetched back from the shop's API before the handlers ran, and it matched`;
    case 'mismatched':
      return `${style.red('mismatched')}: the shop's API disagrees with the delivery${event.verificationDetail ? ` — ${event.verificationDetail}` : ''}; its jobs are held until released`;
    default:
      if (listen)
        return `${style.dim('unverified')}: not checked against the shop's API — ${productName('listen')} verifies no order (it reads no srhooks.config.json); to check each order before handlers run, run the receiver (@srhooks/receiver) with "verify": true and the shop's clientId and clientSecret in its srhooks.config.json (see the receiver's docs/configuration.md)`;
      if (appShop)
        return `${style.dim('unverified')}: not checked against the shop's API — the shop installed the platform app, and "verify" is a setting of srhooks.config.json's "shops" only (a handler can read the order back with ctx.client)`;
      return `${style.dim('unverified')}: not checked against the shop's API (the receiver's default); to check each order before handlers run, set "verify": true with the shop's clientId and clientSecret in srhooks.config.json (see the receiver's docs/configuration.md)`;
  }
}

/** The events a receiver's `"verify": true` checks against the shop's API (its processing/verify.ts VERIFIED_EVENTS). */
const ORDER_VERIFIED_EVENTS: ReadonlySet<string> = new Set(['order_confirm', 'order_status_change']);

/** Where the event came from: the shop's delivery, or a recovery pass reading the shop's API. */
function describeSource(source: EventDetailJson['source']): string {
  return source === 'recovery'
    ? "recovery: read back from the shop's API by a recovery pass (its delivery was never received); only what the shop's API carries: the order, its products and currency code, no net prices"
    : 'webhook: received as a delivery';
}

/**
 * App mode's own events are not orders: where each came from, and what it is about (a Payment API
 * charge or card change; an uninstall is about the shop, shown above). No total, and no verification
 * line — `verify` reads orders back from the shop's API, which says nothing about these.
 */
const APP_EVENT_SOURCES: Record<AppEvent, string> = {
  app_uninstalled:
    "the app's uninstall: ShopRenter's call to its UninstallUri, or an operator's mark (srhooks app mark-uninstalled)",
  payment_status: 'a Payment API notification (charge status)',
  payment_card_change: 'a Payment API notification (card change)',
};

function appEventRows(name: AppEvent, subjectId: string | null): [string, string][] {
  const rows: [string, string][] = [['source', APP_EVENT_SOURCES[name]]];
  if (name === 'payment_status') rows.push(['charge', subjectId ?? '-']);
  if (name === 'payment_card_change') rows.push(['card change', subjectId ?? '-']);
  return rows;
}

/** Whether the receiver serves `shop` as a platform app's installed shop (`GET /admin/api/shops`). */
async function isAppShop(api: AdminApi, shop: string): Promise<boolean> {
  const answer = await api
    .get<{ items: Pick<ReceiverShop, 'name' | 'source'>[] }>('/shops')
    .catch((error) => {
      // A receiver older than the shops list: the advice for config shops, as before.
      if (error instanceof AdminAnswerError && error.status === 404) return { items: [] };
      throw error;
    });
  return answer.items.some((item) => item.name === shop && item.source === 'app');
}

/** One event with its handler jobs and every attempt (`GET /admin/api/events/:id`). */
export const showEventCommand = defineCommand<ShowEventOptions, ShowEventResult>({
  async run(options, context) {
    const id = checkEventId(options.id);
    const api = await openAdminApi(options, context.env);
    if (options.payload)
      context.output.warn('--payload is deprecated: use --reveal (the same, and the rest unmasked)');
    const answer = await api.get<{ event: EventDetailJson }>(`/events/${encodeURIComponent(id)}`);
    const { revealed, value: event } = shown(
      options.reveal === true || options.payload === true,
      answer.event,
      maskEventDetail,
    );
    const waiting = answer.event.jobs.filter((job) => job.status === 'pending');
    const disabledHandlers = await disabledHandlersOf(api, waiting);
    return {
      receiver: api.receiverUrl,
      revealed,
      event,
      disabledHandlers,
      appShop: await isAppShop(api, event.shop),
      listen: await isRunningListen(api.receiverUrl, context.env),
    };
  },

  render(result, style) {
    const event = result.event;
    const name: string = event.event;
    const rows: [string, string][] = [
      ['id', event.id],
      ['delivery', event.deliveryId],
      ['received', formatTime(event.receivedAt)],
      ['shop', event.shop],
      ['event', event.event],
      ...(isAppEvent(name)
        ? appEventRows(name, event.subjectId)
        : ([
            ['source', describeSource(event.source)],
            isSubscriberEvent(name)
              ? [
                  'subscriber',
                  // masked unless --reveal: one that does not look like an id is hidden (maskEventDetail)
                  event.subjectId || '-',
                ]
              : ['order', formatOrder(event) || '-'],
            ['total', formatTotal(event) || '-'],
          ] as [string, string][])),
      ['status', paintStatus(event.status, style)],
    ];
    if (!isAppEvent(name))
      rows.push(['verification', describeVerification(event, style, result.appShop, result.listen)]);
    if (event.duplicateOf) rows.push(['duplicate of', event.duplicateOf]);
    // Erased on request (srhooks erase): the payload is gone; when and under which request reference.
    if (event.erasure) rows.push(['erased', `${formatTime(event.erasure.at)} (${event.erasure.reason})`]);
    const lines = [renderFields(rows, style)];
    if (event.jobs.length > 0) {
      type Job = EventView['jobs'][number];
      type Row = { job: Job; attempt: Job['attemptLog'][number] | undefined };
      const attempts = event.jobs.flatMap((job): Row[] =>
        job.attemptLog.length > 0
          ? job.attemptLog.map((attempt) => ({ job, attempt }))
          : [{ job, attempt: undefined }],
      );
      lines.push(
        '',
        renderTable(attempts, [
          { header: 'HANDLER', value: ({ job }) => job.handler },
          // a job claimed ahead (waiting for a slot) is leased (`running`) but has not started
          {
            header: 'JOB',
            value: ({ job }) =>
              paintStatus(
                job.status === 'running' && job.attemptLog.at(-1)?.outcome === 'claimed'
                  ? 'claimed'
                  : job.status,
                style,
              ),
          },
          { header: '#', value: ({ attempt }) => (attempt ? String(attempt.attempt) : ''), align: 'right' },
          {
            header: 'STARTED',
            value: ({ attempt }) =>
              attempt && attempt.outcome !== 'claimed' ? formatTime(attempt.startedAt) : '',
          },
          // A job with no attempt either waits, or was dead-lettered before it ran (e.g. cancelled when the
          // shop uninstalled the app): then the job's own error says why.
          {
            header: 'OUTCOME',
            value: ({ job, attempt }) =>
              attempt?.outcome ?? (job.status === 'dead' ? 'dead-lettered before it ran' : 'not run yet'),
          },
          { header: 'HTTP', value: ({ attempt }) => (attempt?.statusCode ? String(attempt.statusCode) : '') },
          {
            header: 'ERROR',
            value: ({ job, attempt }) => (attempt ? (attempt.error ?? '') : (job.lastError ?? '')),
          },
        ]),
        ...disabledHandlerLines(result.disabledHandlers, style, 'job'),
      );
    } else {
      lines.push('', style.dim('no handler jobs'));
    }
    if (event.erasure) {
      lines.push('', style.dim('personal data erased on request: no payload is kept'));
    } else if (result.revealed) {
      lines.push('', JSON.stringify(event.payload, null, 2));
    } else {
      lines.push('', style.dim(maskedNote("the payload, the customer name and the handlers' errors whole")));
    }
    return lines.join('\n');
  },
});

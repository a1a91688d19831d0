import { join } from 'node:path';
import {
  isValidShopName,
  isWebhookEvent,
  signDeliveryUrl,
  WEBHOOK_EVENTS,
  type WebhookEvent,
} from '@srhooks/contracts';
import type { buildReceiver } from '@srhooks/receiver';
import { usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { resolveConfigDir } from '../config/config-dir.js';
import { CredentialStore } from '../config/credential-store.js';
import { DEFAULT_LISTEN_PORT } from '../config/listen-defaults.js';
import { loadListenSecrets } from '../config/listen-secrets.js';
import { firstSecret } from '../config/receiver-secrets.js';
import type { Output } from '../output/index.js';

type Receiver = Awaited<ReturnType<typeof buildReceiver>>;
type ReceiverStore = Receiver['store'];
type StoreChange = Parameters<Parameters<ReceiverStore['onChange']>[0]>[0];
type EventSummary = Awaited<ReturnType<ReceiverStore['listEvents']>>['items'][number];

export interface ListenOptions {
  port?: number;
  host?: string;
  /** Shops to print URLs for (default: SRHOOKS_SHOP, else the stored shops, else demo). */
  shop?: string[];
  /** Only these events: their URLs are printed and their deliveries shown. */
  events?: string[];
  /** Forward every event, signed per Standard Webhooks, to this URL. */
  forwardTo?: string;
  /** SQLite file (default: listen.db in the config dir). */
  db?: string;
  /** Base of the printed URLs when the shop reaches this machine through a tunnel. */
  publicUrl?: string;
  /** URL secret (default: SRHOOKS_SECRETS' first entry, else the one kept in listen.json). */
  secret?: string;
}

export interface ListenResult {
  stopped: NodeJS.Signals;
  deliveries: number;
}

interface ListenStart {
  type: 'listening';
  url: string;
  db: string;
  urls: { shop: string; event: WebhookEvent; url: string }[];
  forwardTo: string | null;
  forwardSecret: string | null;
  inspector: string | null;
}

/** One line per stored delivery, then one per handler outcome. */
interface DeliveryLine {
  type: 'delivery';
  time: string;
  deliveryId: string;
  shop: string;
  event: WebhookEvent;
  status: 'stored' | 'quarantined' | 'reprocessed';
  events: {
    id: string;
    orderNumber: string | null;
    subjectId: string | null;
    total: string | null;
    currency: string | null;
    status: string;
    duplicate: boolean;
  }[];
  error?: string;
}

interface OutcomeLine {
  type: 'outcome';
  time: string;
  eventId: string;
  shop: string;
  event: WebhookEvent;
  orderNumber: string | null;
  handler: string;
  status: string;
  statusCode: number | null;
  error: string | null;
}

const FORWARD_HANDLER = 'forward';

async function defaultShops(env: Record<string, string | undefined>): Promise<string[]> {
  if (env.SRHOOKS_SHOP?.trim()) return [env.SRHOOKS_SHOP.trim()];
  const stored = Object.keys((await new CredentialStore(resolveConfigDir(env)).read()).shops);
  return stored.length > 0 ? stored.sort() : ['demo'];
}

function clock(date: Date): string {
  return date.toTimeString().slice(0, 8);
}

function amount(total: string | null, currency: string | null): string {
  if (total === null) return '';
  return `${total}${currency ? ` ${currency}` : ''}`;
}

function printStart(output: Output, start: ListenStart): void {
  if (output.json) {
    output.jsonLine(start);
    return;
  }
  const { style } = output;
  const lines = [
    `${style.green('✔')} receiver listening on ${style.bold(start.url)}  ${style.dim(`(SQLite ${start.db})`)}`,
  ];
  lines.push('signed delivery URLs (register them with srhooks webhooks create --url … or sync):');
  for (const entry of start.urls)
    lines.push(`  ${entry.shop.padEnd(12)} ${entry.event.padEnd(28)} ${entry.url}`);
  if (start.forwardTo) {
    lines.push(`forwarding every event to ${start.forwardTo}`);
    lines.push(`  signing secret (Standard Webhooks): ${start.forwardSecret}`);
  }
  if (start.inspector) lines.push(`inspector: ${start.inspector}`);
  lines.push(style.dim('waiting for deliveries… (Ctrl-C stops)'));
  output.line(lines.join('\n'));
}

function printDelivery(output: Output, line: DeliveryLine): void {
  if (output.json) {
    output.jsonLine(line);
    return;
  }
  const { style } = output;
  const head = `${line.time}  ${line.shop}  ${line.event}`;
  if (line.status === 'quarantined') {
    output.line(`${head}  ${style.red('quarantined')}  ${line.error ?? ''}`);
    return;
  }
  if (line.events.length === 0) output.line(`${head}  ${style.dim('(no items)')}`);
  for (const event of line.events) {
    const subject = event.orderNumber
      ? `#${event.orderNumber}`
      : event.subjectId
        ? `subscriber ${event.subjectId}`
        : '';
    const status = event.duplicate
      ? style.yellow('duplicate')
      : event.status === 'stored'
        ? style.green('stored')
        : event.status;
    output.line([head, subject, amount(event.total, event.currency), status].filter(Boolean).join('  '));
  }
}

function printOutcome(output: Output, line: OutcomeLine): void {
  if (output.json) {
    output.jsonLine(line);
    return;
  }
  const { style } = output;
  const paint = line.status === 'succeeded' ? style.green : line.status === 'dead' ? style.red : style.yellow;
  const detail = [line.statusCode ? `HTTP ${line.statusCode}` : '', line.error ?? '']
    .filter(Boolean)
    .join(' ');
  output.line(
    `${line.time}  ${line.shop}  ${line.event}${line.orderNumber ? `  #${line.orderNumber}` : ''}  → ${line.handler} ${paint(line.status)}${detail ? `  ${style.dim(detail)}` : ''}`,
  );
}

/**
 * A local receiver for the developer loop: the real `@srhooks/receiver` on SQLite, its signed URLs
 * printed, then one line per delivery as it is stored (and per handler outcome with
 * `--forward-to`), fed by the store's change hook.
 */
export const listenCommand = defineCommand<ListenOptions, ListenResult>({
  streaming: true,
  async run(options, context) {
    const interrupted = context.untilInterrupted();
    const events = (options.events ?? []).length > 0 ? (options.events as string[]) : [...WEBHOOK_EVENTS];
    for (const event of events) {
      if (!isWebhookEvent(event))
        throw usageError(`unknown event "${event}" in --events`, `use: ${WEBHOOK_EVENTS.join(', ')}`);
    }
    const shownEvents = new Set(events as WebhookEvent[]);
    const shops = options.shop && options.shop.length > 0 ? options.shop : await defaultShops(context.env);
    for (const shop of shops) {
      if (!isValidShopName(shop)) throw usageError(`invalid shop name "${shop}"`);
    }
    const port = options.port ?? DEFAULT_LISTEN_PORT;
    if (options.forwardTo && (!/^https?:\/\//.test(options.forwardTo) || !URL.canParse(options.forwardTo))) {
      throw usageError(`--forward-to must be an http(s) URL, got "${options.forwardTo}"`);
    }
    if (options.publicUrl && (!/^https?:\/\//.test(options.publicUrl) || !URL.canParse(options.publicUrl))) {
      throw usageError(`--public-url must be an http(s) URL, got "${options.publicUrl}"`);
    }

    const configDir = resolveConfigDir(context.env);
    const stored = await loadListenSecrets(configDir);
    const urlSecret =
      options.secret || context.env.SRHOOKS_SECRETS?.trim()
        ? firstSecret(options.secret, context.env)
        : stored.urlSecret;
    const db = options.db ?? join(configDir, 'listen.db');

    const spinner = context.output.spinner('starting the receiver');
    const { buildReceiver, ReceiverConfigSchema } = await import('@srhooks/receiver');
    const config = ReceiverConfigSchema.parse({
      port,
      host: options.host ?? '127.0.0.1',
      secrets: [urlSecret],
      adminToken: stored.adminToken,
      db,
      logLevel: context.debug ? 'info' : 'error',
      shops: shops.map((name) => ({ name, handlers: options.forwardTo ? [FORWARD_HANDLER] : [] })),
      handlers: options.forwardTo
        ? {
            [FORWARD_HANDLER]: {
              type: 'forward',
              url: options.forwardTo,
              secret: stored.forwardSecret,
              allowPrivateTargets: true,
            },
          }
        : {},
    });
    let app: Receiver;
    try {
      app = await buildReceiver(config, {
        defaultMetrics: false,
        logDestination: { write: (line: string) => process.stderr.write(line) },
      });
    } catch (error) {
      spinner.stop();
      throw error;
    }
    try {
      await app.listen({ port: config.port, host: config.host });
      spinner.stop();
    } catch (error) {
      spinner.stop();
      await app.close();
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw usageError(
          `port ${port} is already in use`,
          'pick another with --port (0 = any free port)',
          'port_in_use',
        );
      }
      throw error;
    }
    const address = app.server.address();
    const boundPort = typeof address === 'object' && address ? address.port : port;
    const localUrl = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${boundPort}`;
    const base = options.publicUrl ?? localUrl;
    const hasAdmin =
      app.hasRoute({ method: 'GET', url: '/ui' }) || app.hasRoute({ method: 'GET', url: '/ui/' });
    printStart(context.output, {
      type: 'listening',
      url: localUrl,
      db,
      urls: shops.flatMap((shop) =>
        [...shownEvents].map((event) => ({
          shop,
          event,
          url: signDeliveryUrl(base, { shop, event }, urlSecret),
        })),
      ),
      forwardTo: options.forwardTo ?? null,
      forwardSecret: options.forwardTo ? stored.forwardSecret : null,
      inspector: hasAdmin ? `${localUrl}/ui  (admin token ${stored.adminToken})` : null,
    });

    const store = app.store;
    let deliveries = 0;
    const pending = new Set<Promise<void>>();
    const track = (work: Promise<void>): void => {
      const tracked = work.catch((error: unknown) => {
        context.output.warn(`could not read the stored delivery: ${(error as Error).message}`);
      });
      pending.add(tracked);
      void tracked.finally(() => pending.delete(tracked));
    };
    const summaries = new Map<string, EventSummary>();

    const onDelivery = async (change: Extract<StoreChange, { kind: 'delivery' }>): Promise<void> => {
      if (!shownEvents.has(change.event)) return;
      deliveries += 1;
      const line: DeliveryLine = {
        type: 'delivery',
        time: clock(new Date()),
        deliveryId: change.deliveryId,
        shop: change.shop,
        event: change.event,
        status: change.status,
        events: [],
      };
      if (change.status === 'quarantined') {
        const detail = await store.getDelivery(change.deliveryId);
        line.error = detail?.decodeError
          ? `${detail.decodeError.code}: ${detail.decodeError.message}`
          : undefined;
      } else {
        const page = await store.listEvents({ deliveryId: change.deliveryId, limit: 500 });
        for (const event of [...page.items].reverse()) {
          summaries.set(event.id, event);
          line.events.push({
            id: event.id,
            orderNumber: event.orderNumber,
            subjectId: event.subjectId,
            total: event.grossTotal,
            currency: event.currency,
            status: event.status,
            duplicate: event.duplicateOf !== null,
          });
        }
      }
      printDelivery(context.output, line);
    };

    const onJob = async (change: Extract<StoreChange, { kind: 'job' }>): Promise<void> => {
      if (change.status !== 'succeeded' && change.status !== 'dead' && change.status !== 'pending') return;
      const detail = await store.getEvent(change.eventId);
      if (!detail || !shownEvents.has(detail.event)) return;
      const job = detail.jobs.find((candidate) => candidate.id === change.jobId);
      // a pending job after a failure is a retry; a fresh pending job is not news
      if (change.status === 'pending' && (!job || job.failures === 0)) return;
      printOutcome(context.output, {
        type: 'outcome',
        time: clock(new Date()),
        eventId: detail.id,
        shop: detail.shop,
        event: detail.event,
        orderNumber: detail.orderNumber ?? summaries.get(detail.id)?.orderNumber ?? null,
        handler: change.handler,
        status: change.status === 'pending' ? 'retrying' : change.status,
        statusCode: job?.lastStatusCode ?? null,
        error: change.status === 'succeeded' ? null : (job?.lastError ?? null),
      });
    };

    const unsubscribe = store.onChange((change) => {
      if (change.kind === 'delivery') track(onDelivery(change));
      else if (change.kind === 'job') track(onJob(change));
    });

    const signal = await interrupted;
    context.output.info(`stopping the receiver (${signal})`);
    unsubscribe();
    await Promise.allSettled([...pending]);
    await app.close();
    return { stopped: signal, deliveries };
  },
});

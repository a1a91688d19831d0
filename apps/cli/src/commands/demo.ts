import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WEBHOOK_EVENTS } from '@srhooks/contracts';
import { CliError, EXIT_CODES, usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { createCommandContext } from '../command-context.js';
import { watchDeliveries } from '../live/delivery-feed.js';
import type { EventSummary } from '../live/receiver-types.js';
import { type EmbeddedReceiver, startEmbeddedReceiver } from '../live/start-receiver.js';
import { renderTable, type Style } from '../output/index.js';
import { loginCommand } from './login.js';
import { type SyncResult, syncWebhooksCommand } from './webhooks/sync.js';

export interface DemoOptions {
  /** Exit 0 after the table instead of running until Ctrl-C (CI). */
  once?: boolean;
  sandboxPort?: number;
  receiverPort?: number;
  /** Keep the demo directory (database, config, handler output) after it stops. */
  keep?: boolean;
  /** How long to wait for every delivery to be stored and handled (default 30 s). */
  timeoutMs?: number;
}

export interface DemoEvent {
  event: string;
  orderNumber: string | null;
  customer: string | null;
  total: string | null;
  currency: string | null;
  status: string;
}

export interface DemoSummary {
  type: 'demo_ready';
  dir: string;
  sandbox: { url: string; apiUrl: string; tokenUrl: string };
  receiver: { url: string; db: string; inspector: string; adminToken: string; handlerOutput: string };
  scopes: string[];
  sync: SyncResult;
  simulated: { orders: number; statusChanges: number; abandonedCarts: number; subscriptions: number };
  events: DemoEvent[];
  /** Milliseconds from the first simulated order until every event was stored and handled. */
  settledMs: number;
}

export interface DemoResult {
  stopped: NodeJS.Signals | 'once';
}

const SHOP = 'demo';
const HANDLER = 'demo-log';
/** 3 orders, 1 status change, 1 abandoned cart, 1 newsletter subscription. */
const EXPECTED_EVENTS = 6;
const FINAL_STATUSES = new Set(['succeeded', 'dead', 'stored', 'duplicate']);

/** Environment for the demo's own commands: no SRHOOKS_* of the user's shell, the demo's config dir. */
function demoEnv(dir: string, secret: string): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('SRHOOKS_')) env[key] = value;
  return { ...env, SRHOOKS_CONFIG_DIR: join(dir, 'config'), SRHOOKS_SECRETS: secret };
}

async function waitForEvents(receiver: EmbeddedReceiver, timeoutMs: number): Promise<EventSummary[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { items } = await receiver.app.store.listEvents({ shop: SHOP, limit: 500 });
    if (items.length >= EXPECTED_EVENTS && items.every((event) => FINAL_STATUSES.has(event.status))) {
      return [...items].reverse();
    }
    if (Date.now() > deadline) {
      throw new CliError(
        `only ${items.filter((event) => FINAL_STATUSES.has(event.status)).length} of ${EXPECTED_EVENTS} events were stored and handled within ${timeoutMs / 1000} s`,
        {
          code: 'demo_timeout',
          exitCode: EXIT_CODES.failure,
          hint: 'run again with --debug to see the receiver log',
        },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function renderSummary(
  summary: DemoSummary,
  style: Style,
  options: { once: boolean; keep: boolean },
): string {
  const table = renderTable(summary.events, [
    { header: 'EVENT', value: (event) => event.event },
    { header: 'ORDER', value: (event) => (event.orderNumber ? `#${event.orderNumber}` : '') },
    { header: 'CUSTOMER', value: (event) => event.customer ?? '' },
    {
      header: 'TOTAL',
      value: (event) => (event.total ? `${event.total} ${event.currency ?? ''}`.trim() : ''),
      align: 'right',
    },
    {
      header: 'HANDLED',
      value: (event) =>
        event.status === 'succeeded' ? style.green(event.status) : style.yellow(event.status),
    },
  ]);
  const env = `SRHOOKS_CONFIG_DIR=${join(summary.dir, 'config')}`;
  const admin = `SRHOOKS_RECEIVER_URL=${summary.receiver.url} SRHOOKS_ADMIN_TOKEN=${summary.receiver.adminToken}`;
  const lines = [
    `${style.green('✔')} ${summary.events.length} events stored and handled in ${(summary.settledMs / 1000).toFixed(1)} s`,
    '',
    table,
    '',
    `inspector:  ${style.bold(summary.receiver.inspector)}`,
    `            admin token ${summary.receiver.adminToken}`,
    `handled:    ${summary.receiver.handlerOutput}  ${style.dim('(the log handler, personal data masked)')}`,
  ];
  if (!options.keep)
    lines.push(style.dim(`            ${summary.dir} is deleted when the demo stops (--keep keeps it)`));
  if (!options.once) {
    lines.push(
      'try, in another terminal:',
      `  srhooks sandbox order --sandbox-url ${summary.sandbox.url}`,
      `  ${admin} srhooks events list`,
      `  ${env} srhooks webhooks list`,
    );
  }
  return lines.join('\n');
}

/**
 * The one-command tour: sandbox shop + receiver on free ports, login with the sandbox's demo
 * client, sync all six subscriptions to the receiver's signed URLs (printing the plan), simulate
 * shop activity, wait until every event is stored and handled, print what arrived.
 */
export const demoCommand = defineCommand<DemoOptions, DemoResult>({
  streaming: true,
  async run(options, context) {
    const interrupted = context.untilInterrupted();
    const output = context.output;
    const { style } = output;
    for (const [flag, port] of [
      ['--sandbox-port', options.sandboxPort],
      ['--receiver-port', options.receiverPort],
    ] as const) {
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
        throw usageError(`${flag} must be 0-65535`);
      }
    }
    const dir = await mkdtemp(join(tmpdir(), 'srhooks-demo-'));
    const secret = randomBytes(32).toString('base64url');
    const adminToken = randomBytes(24).toString('base64url');
    const env = demoEnv(dir, secret);
    const quiet = createCommandContext({ output, env, debug: context.debug });
    const handlerOutput = join(dir, 'handled.jsonl');
    const handled = createWriteStream(handlerOutput, { flags: 'a', mode: 0o600 });
    const cleanups: (() => Promise<void>)[] = [];
    const cleanup = async (): Promise<void> => {
      for (const step of cleanups.reverse()) await step().catch(() => undefined);
      await new Promise((resolve) => handled.end(resolve));
      if (!options.keep) await rm(dir, { recursive: true, force: true });
    };

    try {
      if (!output.json)
        output.line(
          style.bold('srhooks demo: a ShopRenter shop, its webhooks and a receiver, all on this machine'),
        );

      let spinner = output.spinner('starting the sandbox shop');
      const { startSandbox, DEMO_CLIENT } = await import('@srhooks/sandbox');
      const sandbox = await startSandbox({ port: options.sandboxPort ?? 0 }).catch(
        (error: NodeJS.ErrnoException) => {
          spinner.stop();
          if (error.code === 'EADDRINUSE')
            throw usageError(
              `port ${options.sandboxPort} is already in use`,
              'pick another with --sandbox-port (0 = any free port)',
            );
          throw error;
        },
      );
      cleanups.push(() => sandbox.close());
      spinner.succeed(`sandbox shop "${SHOP}" at ${sandbox.url}`);

      spinner = output.spinner('starting the receiver');
      const db = join(dir, 'receiver.db');
      let receiver: EmbeddedReceiver;
      try {
        receiver = await startEmbeddedReceiver(
          {
            port: options.receiverPort ?? 0,
            host: '127.0.0.1',
            secrets: [secret],
            adminToken,
            db,
            shops: [{ name: SHOP, handlers: [HANDLER] }],
            handlers: { [HANDLER]: { type: 'log' } },
          },
          { debug: context.debug, processing: { logWrite: (line) => handled.write(line) } },
        );
      } catch (error) {
        spinner.stop();
        throw error;
      }
      cleanups.push(() => receiver.app.close());
      spinner.succeed(`receiver at ${receiver.url} (SQLite ${db}, handler: log)`);

      const login = await loginCommand.run(
        {
          shop: SHOP,
          clientId: DEMO_CLIENT.clientId,
          clientSecret: DEMO_CLIENT.clientSecret,
          apiUrl: sandbox.apiUrlTemplate,
          tokenUrl: sandbox.tokenUrlTemplate,
        },
        quiet,
      );
      output.info(
        `${output.errStyle.green('✔')} logged in to ${SHOP} with the sandbox demo client (scopes: ${login.scopes.join(' ')})`,
      );

      const configFile = join(dir, 'srhooks.config.json');
      await writeFile(
        configFile,
        `${JSON.stringify(
          {
            receiver: { publicUrl: receiver.url },
            shops: [{ name: SHOP, webhooks: WEBHOOK_EVENTS.map((event) => ({ event })) }],
          },
          null,
          2,
        )}\n`,
      );
      const sync = await syncWebhooksCommand.run({ file: configFile }, quiet);
      if (!sync.ok)
        throw new CliError('the subscriptions could not be created', { exitCode: EXIT_CODES.remote });
      if (!output.json) output.line(syncWebhooksCommand.render?.(sync, style) ?? '');

      spinner = output.spinner('simulating shop activity');
      const started = Date.now();
      const sim = sandbox.simulator;
      const first = await sim.placeOrder(SHOP, { seed: 'demo-1' });
      await sim.placeOrder(SHOP, { seed: 'demo-2' });
      await sim.placeOrder(SHOP, { seed: 'demo-3' });
      await sim.changeStatus(SHOP, String(first.order.innerId), '2');
      await sim.abandonCart(SHOP, { seed: 'demo-cart' });
      await sim.subscribe(SHOP, { seed: 'demo-newsletter' });
      spinner.update('waiting until every delivery is stored and handled');
      await sim.waitForIdle();
      const events = await waitForEvents(receiver, options.timeoutMs ?? 30_000).finally(() => spinner.stop());
      const settledMs = Date.now() - started;

      const summary: DemoSummary = {
        type: 'demo_ready',
        dir,
        sandbox: { url: sandbox.url, apiUrl: sandbox.apiUrlTemplate, tokenUrl: sandbox.tokenUrlTemplate },
        receiver: { url: receiver.url, db, inspector: `${receiver.url}/ui`, adminToken, handlerOutput },
        scopes: login.scopes,
        sync,
        simulated: { orders: 3, statusChanges: 1, abandonedCarts: 1, subscriptions: 1 },
        events: events.map((event) => ({
          event: event.event,
          orderNumber: event.orderNumber,
          customer: event.customerName,
          total: event.grossTotal,
          currency: event.currency,
          status: event.status,
        })),
        settledMs,
      };
      if (output.json) output.jsonLine(summary);
      else
        output.line(
          `\n${renderSummary(summary, style, { once: options.once === true, keep: options.keep === true })}`,
        );

      if (options.once) return { stopped: 'once' };
      if (!output.json) output.line(style.dim('\nnew deliveries show up below; Ctrl-C stops the demo'));
      const live = watchDeliveries(receiver.app.store, output);
      const signal = await interrupted;
      output.info(`stopping the demo (${signal})`);
      await live.stop();
      return { stopped: signal };
    } finally {
      await cleanup();
    }
  },
});

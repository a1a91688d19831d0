import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { WEBHOOK_EVENTS } from '@srhooks/contracts';
import { CliError, EXIT_CODES, usageError } from '../../cli-error.js';
import { cliPrefix } from '../../cli-invocation.js';
import { defineCommand } from '../../command.js';
import { maskDeliveryUrl } from '../../delivery/mask-delivery-url.js';
import { watchDeliveries } from '../../live/delivery-feed.js';
import { REQUIRED_SCOPES } from '../login.js';
import { syncWebhooksCommand, toShopResult } from '../webhooks/sync.js';
import { DEMO_HOW_TO_REVEAL, toArrivedEvent } from './arrived-event.js';
import { DEFAULT_DEMO_NATS_URL, type DemoNats, prepareDemoNats } from './demo-nats.js';
import { demonstrateRecovery } from './demo-recovery.js';
import type { DemoResult } from './demo-result.js';
import { reviewRequestModulePath, startDemoReceiver, startDemoSandbox } from './demo-services.js';
import { createDemoWorkspace } from './demo-workspace.js';
import { renderDemo } from './render-demo.js';
import { simulateShopActivity } from './shop-activity.js';
import { waitForArrivals } from './wait-for-arrivals.js';

export interface DemoOptions {
  /** Exit after the table instead of running until Ctrl-C. */
  once?: boolean;
  /** 0 / absent: any free port. */
  portSandbox?: number;
  portReceiver?: number;
  /** How long to wait for every delivery to be stored and handled, in ms (`--timeout`; default 30 s). */
  timeout?: number;
  /** Also publish to NATS JetStream: true (the default URL) or the server URL. */
  nats?: boolean | string;
}

export const DEFAULT_DEMO_TIMEOUT_MS = 30_000;

/** Closes what the demo started, newest first, even when one of them fails to close. */
class Teardown {
  readonly #steps: (() => Promise<void> | void)[] = [];

  add(step: () => Promise<void> | void): void {
    this.#steps.unshift(step);
  }

  async run(): Promise<void> {
    for (const step of this.#steps.splice(0)) {
      try {
        await step();
      } catch {
        // keep closing the rest; the demo's outcome is already decided
      }
    }
  }
}

function checkPort(value: number | undefined, flag: string): number {
  const port = value ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw usageError(`${flag} must be 0-65535, got ${port}`);
  return port;
}

function countMessages(mbox: string): number {
  return mbox.match(/^From srhooks /gm)?.length ?? 0;
}

/**
 * `srhooks demo`: the one-command tour. Starts the sandbox shop and a receiver on free ports, logs in
 * with the sandbox's demo client, syncs a subscription per event to the receiver's signed URLs
 * (printing the plan), makes shop events happen, waits until every delivery is stored and handled,
 * and prints what arrived with the inspector URL and its admin token. Runs until Ctrl-C unless
 * `--once`. Progress goes to stderr; the plan and the table (or, with `--json`, one JSON document) to
 * stdout.
 */
export const demoCommand = defineCommand<DemoOptions, DemoResult>({
  streaming: true,
  async run(options, context) {
    const { output } = context;
    const sandboxPort = checkPort(options.portSandbox, '--port-sandbox');
    const receiverPort = checkPort(options.portReceiver, '--port-receiver');
    const timeoutMs = options.timeout ?? DEFAULT_DEMO_TIMEOUT_MS;
    if (!(timeoutMs > 0)) throw usageError(`--timeout must be more than 0, e.g. 30s; got ${timeoutMs} ms`);

    // Ctrl-C from the start: it stops the wait and every server cleanly instead of killing the process
    let interruptedBy: NodeJS.Signals | undefined;
    const abort = new AbortController();
    const interrupted = context.untilInterrupted().then((signal) => {
      interruptedBy = signal;
      abort.abort(new CliError(`interrupted (${signal}) before the demo finished`, { code: 'interrupted' }));
      return signal;
    });
    const checkpoint = (): void => abort.signal.throwIfAborted();

    const startedAt = performance.now();
    const teardown = new Teardown();
    try {
      const workspace = await createDemoWorkspace();
      teardown.add(() => workspace.remove());
      const [{ DEMO_CLIENT, DEMO_SHOP }, { createShopRenterClient, buildDeliveryUrl }] = await Promise.all([
        import('@srhooks/sandbox'),
        import('@srhooks/client'),
      ]);
      const shop = DEMO_SHOP.name;

      let spinner = output.spinner('starting the sandbox shop');
      const sandbox = await startDemoSandbox(sandboxPort).finally(() => spinner.stop());
      teardown.add(() => sandbox.close());
      output.info(`${output.errStyle.green('✔')} sandbox shop "${shop}" running at ${sandbox.url}`);
      checkpoint();

      // the review-request example reads its outbox from the environment when it runs
      const reviewRequestModule = reviewRequestModulePath();
      const previousOutbox = process.env.REVIEW_REQUEST_OUTBOX;
      process.env.REVIEW_REQUEST_OUTBOX = workspace.outbox;
      teardown.add(() => {
        if (previousOutbox === undefined) delete process.env.REVIEW_REQUEST_OUTBOX;
        else process.env.REVIEW_REQUEST_OUTBOX = previousOutbox;
      });
      let nats: DemoNats | null = null;
      if (options.nats) {
        const servers = typeof options.nats === 'string' ? options.nats : DEFAULT_DEMO_NATS_URL;
        spinner = output.spinner(`connecting to NATS JetStream at ${servers}`);
        nats = await prepareDemoNats(servers).finally(() => spinner.stop());
        const demoNats = nats;
        teardown.add(() => demoNats.remove());
        output.info(
          `${output.errStyle.green('✔')} NATS JetStream at ${servers}: events go to ${nats.subject} (stream ${nats.stream}, removed when the demo stops)`,
        );
      }
      const urlSecret = randomBytes(32).toString('base64url');
      const adminToken = randomBytes(24).toString('base64url');
      spinner = output.spinner('starting the receiver');
      const receiverOptions = {
        port: receiverPort,
        shop,
        workspace,
        urlSecret,
        adminToken,
        reviewRequestModule,
        debug: context.debug,
        ...(nats ? { natsHandler: nats.handler } : {}),
        api: {
          clientId: DEMO_CLIENT.clientId,
          clientSecret: DEMO_CLIENT.clientSecret,
          apiUrl: sandbox.apiUrlTemplate.replace('{shop}', shop),
          tokenUrl: sandbox.tokenUrlTemplate.replace('{shop}', shop),
        },
      };
      let receiver = await startDemoReceiver(receiverOptions).finally(() => spinner.stop());
      teardown.add(() => receiver.close());
      output.info(
        `${output.errStyle.green('✔')} receiver listening at ${receiver.url} (SQLite ${workspace.db}; handlers: ${receiver.handlers.join(', ')})`,
      );
      if (!reviewRequestModule)
        output.warn(
          'examples/review-request is not installed with the receiver: running the log handler only',
        );
      checkpoint();

      spinner = output.spinner(`logging in to ${shop} with the sandbox's demo client`);
      const client = createShopRenterClient({
        shop,
        auth: { clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret },
        apiUrl: sandbox.apiUrlTemplate,
        tokenUrl: sandbox.tokenUrlTemplate,
      });
      const token = await client.getToken().finally(() => spinner.stop());
      const missingScopes = REQUIRED_SCOPES.filter((scope) => !token.scopes.includes(scope));
      output.info(
        `${output.errStyle.green('✔')} logged in to ${shop} as ${DEMO_CLIENT.clientId}; granted scopes: ${token.scopes.join(' ')}`,
      );
      if (missingScopes.length > 0)
        throw new CliError(`the demo client lacks ${missingScopes.join(', ')}`, {
          exitCode: EXIT_CODES.remote,
        });
      checkpoint();

      spinner = output.spinner(`${shop}: syncing a subscription per event`);
      const desired = WEBHOOK_EVENTS.map((event) => ({
        event,
        url: buildDeliveryUrl({ baseUrl: receiver.url, shop, event, secret: urlSecret }),
      }));
      const report = await client.sync(desired).finally(() => spinner.stop());
      const plan = toShopResult(shop, report);
      if (!output.json) {
        const text = syncWebhooksCommand.render?.(
          { file: '', dryRun: false, prune: false, shops: [plan], ok: plan.ok },
          output.style,
        );
        if (text) output.line(text);
      }
      if (!report.ok) {
        const failed = plan.lines.filter((line) => !line.ok);
        throw new CliError(
          `the sandbox refused ${failed.length} subscription change${failed.length === 1 ? '' : 's'}: ${failed.map((line) => `${line.event} (${line.error?.message ?? line.status})`).join('; ')}`,
          { code: 'demo_sync_failed', exitCode: EXIT_CODES.remote },
        );
      }
      checkpoint();
      const readyMs = performance.now() - startedAt;

      // The receiver's start-up recovery pass (nothing to find yet) ends before the shop gets busy.
      for (
        let waited = 0;
        (await receiver.app.store.getRecoveryState(shop)) === null && waited < timeoutMs;
        waited += 50
      ) {
        checkpoint();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }

      const activityStartedAt = performance.now();
      const expected = await simulateShopActivity(sandbox.simulator, shop);
      output.info(`${output.errStyle.green('✔')} in the sandbox shop:`);
      for (const entry of expected) output.info(`    ${entry.description} → ${entry.event}`);

      spinner = output.spinner(`waiting for ${expected.length} deliveries`);
      const arrivals = await waitForArrivals({
        store: receiver.app.store,
        simulator: sandbox.simulator,
        shop,
        expected,
        timeoutMs,
        signal: abort.signal,
        onProgress: ({ stored, handled, total }) =>
          spinner.update(`waiting for ${total} deliveries: ${stored} stored, ${handled} handled`),
      }).catch((error: unknown) => {
        spinner.stop();
        throw error;
      });
      const deliveredMs = performance.now() - activityStartedAt;
      spinner.succeed(
        `${arrivals.length} deliveries stored and handled in ${(deliveredMs / 1000).toFixed(1)} s`,
      );

      // Nothing lost even when the receiver was down: stop it, place an order, start it again.
      spinner = output.spinner('recovery: stopping the receiver and placing an order while it is down');
      const recovered = await demonstrateRecovery({
        simulator: sandbox.simulator,
        shop,
        receiver,
        restart: () => startDemoReceiver({ ...receiverOptions, port: Number(new URL(receiver.url).port) }),
        timeoutMs,
        signal: abort.signal,
      }).catch((error: unknown) => {
        spinner.stop();
        throw error;
      });
      receiver = recovered.receiver;
      spinner.succeed(
        `recovery: order #${recovered.recovery.orderNumber} (delivery ${recovered.recovery.delivery} while the receiver was down) recovered at its restart in ${(recovered.recovery.recoveredMs / 1000).toFixed(1)} s`,
      );

      const arrived = arrivals.map((arrival) => toArrivedEvent(arrival));
      const outbox = reviewRequestModule ? await readFile(workspace.outbox, 'utf8').catch(() => '') : null;
      const natsResult = nats ? await nats.readBack() : null;
      const result: DemoResult = {
        once: options.once === true,
        shop,
        sandbox: { url: sandbox.url },
        receiver: {
          url: receiver.url,
          inspector: `${receiver.url}/ui`,
          adminToken,
          dir: workspace.dir,
          db: workspace.db,
          handlers: receiver.handlers,
        },
        login: { clientId: DEMO_CLIENT.clientId, scopes: token.scopes, missingScopes },
        sync: { ...plan, lines: plan.lines.map((line) => ({ ...line, url: maskDeliveryUrl(line.url) })) },
        activity: expected.map((entry) => ({
          event: entry.event,
          subject: entry.subject,
          description: entry.description,
        })),
        arrived,
        allHandled:
          arrived.every((row) => row.status === 'succeeded') && recovered.recovery.status === 'succeeded',
        reviewRequests:
          outbox === null
            ? null
            : {
                outbox: workspace.outbox,
                written: countMessages(outbox),
              },
        eventsLog: workspace.eventsLog,
        nats: natsResult,
        recovery: recovered.recovery,
        timings: { readyMs: Math.round(readyMs), deliveredMs: Math.round(deliveredMs) },
        stopped: null,
      };
      const cli = cliPrefix(context.env, process.argv[1]);
      output.result(result, (value, style) => renderDemo(value, style, cli));
      if (options.once) return result;

      // from here on, every new delivery (e.g. `sandbox order` in another terminal) gets a line
      if (!output.json)
        output.line(output.style.dim('\nnew deliveries show up below; Ctrl-C stops the demo'));
      const live = watchDeliveries(receiver.app.store, output, { howToReveal: DEMO_HOW_TO_REVEAL });
      const signal = await interrupted;
      output.info(`stopping the demo (${signal})`);
      await live.stop();
      return { ...result, stopped: signal };
    } catch (error) {
      if (interruptedBy && abort.signal.reason instanceof CliError) throw abort.signal.reason;
      throw error;
    } finally {
      await teardown.run();
    }
  },

  exitCode(result) {
    return result.allHandled ? EXIT_CODES.ok : EXIT_CODES.failure;
  },
});

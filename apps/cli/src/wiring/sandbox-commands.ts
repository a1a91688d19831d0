import { type Command, Help, InvalidArgumentError, Option } from 'commander';
import { productName } from '../cli-invocation.js';
import { adminOptions, revealOption } from './admin-options.js';
import { examples } from './help-text.js';
import { runLazily } from './run-lazily.js';
import { parseTimeout, requestTimeoutOption, TIMEOUT_FLAG } from './timeout-option.js';

export function port(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535)
    throw new InvalidArgumentError('must be a port number 0-65535');
  return Number(value);
}

/** A whole number of seconds, negative too (`--clock-offset -600`). */
function clockOffsetSeconds(value: string): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError('expected a whole number of seconds, e.g. -600 (10 minutes behind).');
  return n;
}

function positiveNumber(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError('must be a positive number');
  return number;
}

function wholeSeconds(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError('must be a whole number of seconds, at least 1');
  return Number(value);
}

const SANDBOX_URL_OPTION = [
  '--sandbox-url <url>',
  'the running sandbox (default: SRHOOKS_SANDBOX_URL, else the sandbox your srhooks login points at, else http://127.0.0.1:8787)',
] as const;
const SHOP_OPTION = ['--shop <name>', 'sandbox shop (default demo)'] as const;
const NO_WAIT_OPTION = [
  '--no-wait',
  "don't wait for the deliveries' outcomes (by default: wait, and exit 3 when one fails)",
] as const;
const TIMEOUT_OPTION = [
  TIMEOUT_FLAG,
  "the time limit of each request to the sandbox, and how long to wait for the deliveries' outcomes, e.g. 1m (default 30s)",
  parseTimeout,
] as const;

type SimulateFlags = {
  wait?: boolean;
  reveal?: boolean;
  /** `--timeout`, in ms. */
  timeout?: number;
  shop?: string;
  sandboxUrl?: string;
  seed?: string;
  email?: string;
  statusText?: string;
};

/**
 * `srhooks app install|uninstall`: the sandbox's platform-app flow (FACTS.md §7); `app mark-uninstalled`:
 * a receiver's app shop whose uninstall call was lost, marked by hand (its admin API).
 */
function registerAppCommands(program: Command): void {
  const app = program
    .command('app')
    .description(
      "drive a platform app's install/uninstall in the running sandbox (as a shop owner would); mark-uninstalled: tell a receiver a shop uninstalled the app when its uninstall call was lost",
    );
  for (const action of ['install', 'uninstall'] as const) {
    const sub = app
      .command(action)
      .description(
        action === 'install'
          ? 'install the app on a sandbox shop: signed call to its RedirectUri, redirect followed, EntryPoint loaded'
          : 'uninstall it: its subscriptions and tokens on that shop are dropped, signed call to its UninstallUri',
      )
      .option(...SHOP_OPTION)
      .option('--app-id <id>', 'the app (default: SRHOOKS_APP_ID, else the only registered one)')
      .option(...SANDBOX_URL_OPTION);
    // install: the receiver that is the app's backend is asked how the install ended (admin API).
    if (action === 'install')
      adminOptions(sub, 'the sandbox or the receiver').addOption(
        new Option(
          '--install-wait <duration>',
          "how long to wait for the receiver's install step (the app's token and webhook subscriptions, which an srhooks receiver may finish in the background after redirecting) before reporting, e.g. 2m (default 30s)",
        ).argParser(parseTimeout),
      );
    else sub.addOption(requestTimeoutOption('the sandbox'));
    sub
      .addHelpText(
        'after',
        examples(`srhooks app ${action} --shop demo`, `srhooks app ${action} --shop demo --json`),
      )
      .action(async (options: Record<string, unknown>, command: Command) => {
        await runLazily(command, async () => (await import('../commands/app.js')).appFlowCommand, {
          ...options,
          action,
        } as never);
      });
  }
  adminOptions(
    app
      .command('mark-uninstalled')
      .description(
        "mark an app shop uninstalled in a receiver (its admin API) when ShopRenter's uninstall call never reached it: the same effects as that call",
      )
      .argument('<shop>', 'the shop, as srhooks shops --receiver lists it'),
  )
    .addHelpText(
      'after',
      examples(
        'srhooks app mark-uninstalled my-shop --receiver https://hooks.example.com',
        'srhooks app mark-uninstalled my-shop --json',
      ),
    )
    .action(async (shop: string, options: Record<string, unknown>, command: Command) => {
      await runLazily(
        command,
        async () => (await import('../commands/app-mark-uninstalled.js')).markUninstalledCommand,
        { ...options, shop },
      );
    });
}

/** The flags of the sandbox server (`srhooks sandbox`), as [flag, option key]. */
const SERVER_FLAGS = [
  ['--port', 'port'],
  ['--host', 'host'],
  ['--data', 'data'],
  ['--shops', 'shops'],
  ['--apps', 'apps'],
  ['--time-scale', 'timeScale'],
  ['--clock-offset', 'clockOffset'],
  ['--token-ttl', 'tokenTtl'],
  ['--no-rate-limit', 'rateLimit'],
] as const;

/**
 * The simulator subcommands (`sandbox order`, …) talk to a running sandbox: the server's flags are
 * not theirs. Their help leaves them out of "Global Options", and given to them (after the
 * subcommand, or before it: `sandbox --port 1 order`) they are refused with a pointer to
 * `--sandbox-url` instead of being ignored. `sandbox` parses positionally, so flags after a
 * subcommand reach the subcommand, which knows them only as hidden options to refuse.
 */
function keepServerFlagsToTheServer(sandbox: Command): void {
  const flags = new Set<string>(SERVER_FLAGS.map(([flag]) => flag));
  sandbox.enablePositionalOptions();
  for (const sub of sandbox.commands) {
    for (const [flag] of SERVER_FLAGS) {
      sub.addOption(new Option(flag === '--no-rate-limit' ? flag : `${flag} <value>`).hideHelp());
    }
    sub.configureHelp({
      ...sandbox.configureHelp(),
      visibleGlobalOptions(this: Help, command: Command) {
        return Help.prototype.visibleGlobalOptions
          .call(this, command)
          .filter((option) => !flags.has(option.long ?? ''));
      },
    });
  }
  sandbox.hook('preAction', (_sandbox, action) => {
    if (action === sandbox) return;
    for (const [flag, key] of SERVER_FLAGS) {
      if (action.getOptionValueSource(key) !== 'cli' && sandbox.getOptionValueSource(key) !== 'cli') continue;
      action.error(
        `error: ${flag} is an option of ${productName('sandbox')} (the server), not of sandbox ${action.name()}\nstart the server with srhooks sandbox ${flag === '--port' ? '--port PORT' : flag} and point sandbox ${action.name()} at it with --sandbox-url http://127.0.0.1:PORT (or SRHOOKS_SANDBOX_URL)`,
        { exitCode: 2, code: 'commander.sandboxServerOption' },
      );
    }
  });
}

/** `srhooks sandbox` and the simulator subcommands; `srhooks app`. */
export function registerSandboxCommands(program: Command): void {
  registerAppCommands(program);
  const sandbox = program
    .command('sandbox')
    .description(
      'run an emulated ShopRenter shop locally (OAuth, webHooks API, order simulator, real deliveries)',
    )
    .option('--port <port>', 'port (default 8787; 0 = any free port)', port)
    .option('--host <host>', 'interface to listen on (default 127.0.0.1)')
    .option('--data <file>', 'keep subscriptions, orders and deliveries in this JSON file')
    .option('--shops <file>', 'extra shops and API clients (JSON list, see the sandbox README)')
    .option('--apps <file>', 'platform apps to register (JSON list, see the sandbox README)')
    .option('--time-scale <n>', 'run webHookDelay faster (86400: a day passes in a second)', positiveNumber)
    .option(
      '--clock-offset <seconds>',
      "the shop's clock this many seconds ahead of this machine's (negative: behind; default 0)",
      clockOffsetSeconds,
    )
    .option('--token-ttl <seconds>', 'lifetime of the access tokens it issues (default 3600)', wholeSeconds)
    .option('--no-rate-limit', 'switch off the 3 requests/second limit')
    .addHelpText(
      'after',
      examples(
        'srhooks sandbox',
        'srhooks sandbox --port 4700 --data sandbox.json',
        'srhooks sandbox order --shop demo',
      ),
    )
    .action(async (options: Record<string, unknown>, command: Command) => {
      await runLazily(command, async () => (await import('../commands/sandbox.js')).sandboxCommand, options);
    });

  const simulate = async (command: Command, options: Record<string, unknown>) => {
    await runLazily(
      command,
      async () => (await import('../commands/sandbox-simulate.js')).sandboxSimulateCommand,
      options as never,
    );
  };

  sandbox
    .command('order')
    .description('place an order in the running sandbox (delivers order_confirm)')
    .option(...SHOP_OPTION)
    .option(...SANDBOX_URL_OPTION)
    .option(...NO_WAIT_OPTION)
    .option(...TIMEOUT_OPTION)
    .option('--seed <seed>', 'deterministic order data')
    .addOption(revealOption("the customer's name"))
    .addHelpText(
      'after',
      examples(
        'srhooks sandbox order',
        'srhooks sandbox order --shop demo --sandbox-url http://127.0.0.1:4700 --json',
      ),
    )
    .action(async (options: SimulateFlags, command: Command) =>
      simulate(command, { ...options, action: 'order' }),
    );

  sandbox
    .command('status')
    .description("change an order's status (delivers order_status_change)")
    .argument('<order-id>', "the order's inner id (sandbox order prints it)")
    .argument('<status>', 'new order status id, e.g. 2')
    .option('--status-text <text>', 'status name')
    .option(...SHOP_OPTION)
    .option(...SANDBOX_URL_OPTION)
    .option(...NO_WAIT_OPTION)
    .option(...TIMEOUT_OPTION)
    .addOption(revealOption("the customer's name"))
    .addHelpText('after', examples('srhooks sandbox status 1001 2 --status-text Feldolgozás'))
    .action(async (orderId: string, status: string, options: SimulateFlags, command: Command) =>
      simulate(command, { ...options, action: 'status', orderId, status }),
    );

  sandbox
    .command('cart')
    .description('abandon a cart (delivers abandoned_cart)')
    .option(...SHOP_OPTION)
    .option(...SANDBOX_URL_OPTION)
    .option(...NO_WAIT_OPTION)
    .option(...TIMEOUT_OPTION)
    .option('--seed <seed>', 'deterministic cart data')
    .addOption(revealOption("the customer's name"))
    .action(async (options: SimulateFlags, command: Command) =>
      simulate(command, { ...options, action: 'cart' }),
    );

  sandbox
    .command('subscribe')
    .description('subscribe someone to the newsletter (delivers newsletter_subscribe)')
    .option(...SHOP_OPTION)
    .option(...SANDBOX_URL_OPTION)
    .option(...NO_WAIT_OPTION)
    .option(...TIMEOUT_OPTION)
    .option('--seed <seed>', 'deterministic subscriber data')
    .option('--email <address>', "the subscriber's e-mail address (default: a sample one)")
    .addHelpText(
      'after',
      examples('srhooks sandbox subscribe', 'srhooks sandbox subscribe --email anna@example.hu'),
    )
    .action(async (options: SimulateFlags, command: Command) =>
      simulate(command, { ...options, action: 'subscribe' }),
    );

  sandbox
    .command('unsubscribe')
    .description('unsubscribe someone (delivers newsletter_unsubscribe; default: the newest subscriber)')
    .option('--email <address>', 'which subscriber')
    .option(...SHOP_OPTION)
    .option(...SANDBOX_URL_OPTION)
    .option(...NO_WAIT_OPTION)
    .option(...TIMEOUT_OPTION)
    .action(async (options: SimulateFlags, command: Command) =>
      simulate(command, { ...options, action: 'unsubscribe' }),
    );

  keepServerFlagsToTheServer(sandbox);
}

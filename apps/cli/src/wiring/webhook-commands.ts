import { type Command, InvalidArgumentError, Option } from 'commander';
import { eventOption } from '../event-name.js';
import { collect, collectList, examples } from './help-text.js';
import { runLazily } from './run-lazily.js';
import { parseTimeout, TIMEOUT_FLAG } from './timeout-option.js';

function wholeNumber(value: string): number {
  // "-1" is a whole number too: say the bound and the way to no delay
  if (!/^\d+$/.test(value))
    throw new InvalidArgumentError(
      'must be a whole number, at least 1 (leave --delay out to deliver at once)',
    );
  return Number(value);
}

const SHOP_OPTION = ['--shop <name>', 'shop (default: SRHOOKS_SHOP, else the stored default shop)'] as const;
const TIMEOUT_OPTION = [
  TIMEOUT_FLAG,
  'time limit of each request to the shop, e.g. 10s or 500ms (API and token; each attempt of a retried one; default 30s per API request, 15s for the token)',
  parseTimeout,
] as const;

/** commander's `timeout` (`--timeout <duration>`, in ms) as the commands' `timeoutMs`. */
function withTimeoutMs<T extends object>(
  options: T & { timeout?: unknown },
): Omit<T, 'timeout'> & { timeoutMs?: number } {
  const { timeout, ...rest } = options;
  return { ...rest, ...(typeof timeout === 'number' ? { timeoutMs: timeout } : {}) };
}

/** The subscription flags of `create` and `update`. */
function subscriptionOptions(command: Command, update: boolean): Command {
  command
    .option(...SHOP_OPTION)
    .option(...TIMEOUT_OPTION)
    .addOption(eventOption('webhook event'))
    .option('--url <url>', 'where the shop POSTs deliveries (https, or http on loopback)')
    .addOption(
      new Option('--type <type>', 'delivery document format (default json)').choices(['json', 'xml']),
    )
    .option('--field <name>', 'a field the shop should send (repeatable; see srhooks fields EVENT)', collect)
    .option('--fields <names>', 'fields the shop should send, comma-separated', collectList)
    .option('--delay <n>', 'send the delivery n hours/days later', wholeNumber)
    .addOption(new Option('--delay-unit <unit>', 'unit of --delay (default hour)').choices(['hour', 'day']))
    .option('--label <text>', 'name shown in the shop admin (default "srhooks EVENT")')
    .option('--disabled', 'create/set the subscription disabled');
  if (update) {
    command
      .option('--enabled', 'set the subscription enabled')
      .option('--clear-fields', "go back to the shop's default field set")
      .option('--clear-delay', 'deliver at once again');
  }
  return command;
}

type FlagValues = Record<string, unknown> & { field?: string[]; fields?: string[] };

function mergeFields(options: FlagValues): Record<string, unknown> {
  const { field, fields, ...rest } = options;
  const merged = [...(field ?? []), ...(fields ?? [])];
  return { ...withTimeoutMs(rest), ...(merged.length > 0 ? { fields: merged } : {}) };
}

/** `srhooks webhooks …`: the shop's subscriptions. */
export function registerWebhookCommands(program: Command): void {
  const webhooks = program
    .command('webhooks')
    .alias('webhook')
    .description(
      "manage a shop's webhook subscriptions (list, get, create, update, delete, enable, disable, sync)",
    );

  webhooks
    .command('list')
    .alias('ls')
    .description("list the shop's subscriptions")
    .option(...SHOP_OPTION)
    .option(...TIMEOUT_OPTION)
    .addOption(eventOption('only this event'))
    .addHelpText(
      'after',
      examples('srhooks webhooks list', 'srhooks webhooks list --shop my-shop --event order_confirm --json'),
    )
    .action(async (options: { shop?: string; event?: string; timeout?: number }, command: Command) => {
      await runLazily(
        command,
        async () => (await import('../commands/webhooks/list.js')).listWebhooksCommand,
        withTimeoutMs(options),
      );
    });

  webhooks
    .command('get')
    .description('show one subscription')
    .argument('<id>', 'subscription id (as webhooks list shows it)')
    .option(...SHOP_OPTION)
    .option(...TIMEOUT_OPTION)
    .addHelpText('after', examples('srhooks webhooks get d2ViSG9vay1ub3RpZmljYXRpb25faWQ9MTQ0'))
    .action(async (id: string, options: { shop?: string; timeout?: number }, command: Command) => {
      await runLazily(command, async () => (await import('../commands/webhooks/get.js')).getWebhookCommand, {
        ...withTimeoutMs(options),
        id,
      });
    });

  subscriptionOptions(webhooks.command('create').description('create a subscription'), false)
    .option(
      '--allow-duplicate',
      'create it even when the shop already has a subscription for this event and url (every delivery then arrives twice)',
    )
    .addHelpText(
      'after',
      examples(
        'srhooks webhooks create --event order_confirm --url "$(srhooks url --shop my-shop --event order_confirm --base https://hooks.example.com)"',
        'srhooks webhooks create --event order_status_change --url https://hooks.example.com/… --fields order_innerId,orderHistory_status,orderHistory_dateAdded --label "status changes"',
        'srhooks webhooks create --event abandoned_cart --url https://… --delay 2 --delay-unit hour --disabled',
      ),
    )
    .action(async (options: FlagValues, command: Command) => {
      await runLazily(
        command,
        async () => (await import('../commands/webhooks/create.js')).createWebhookCommand,
        mergeFields(options),
      );
    });

  subscriptionOptions(
    webhooks
      .command('update')
      .description('change a subscription (only the given flags change)')
      .argument('<id>', 'subscription id'),
    true,
  )
    .addHelpText(
      'after',
      examples(
        'srhooks webhooks update d2ViSG9v… --label "new name"',
        'srhooks webhooks update d2ViSG9v… --fields order_innerId,order_total --delay 1 --delay-unit day',
        'srhooks webhooks update d2ViSG9v… --clear-fields --clear-delay --enabled',
      ),
    )
    .action(async (id: string, options: FlagValues, command: Command) => {
      await runLazily(
        command,
        async () => (await import('../commands/webhooks/update.js')).updateWebhookCommand,
        { ...mergeFields(options), id },
      );
    });

  webhooks
    .command('delete')
    .alias('rm')
    .description('delete subscriptions')
    .argument('<ids...>', 'subscription ids')
    .option(...SHOP_OPTION)
    .option(...TIMEOUT_OPTION)
    .addHelpText(
      'after',
      examples('srhooks webhooks delete d2ViSG9v…', 'srhooks webhooks delete ID1 ID2 --shop my-shop'),
    )
    .action(async (ids: string[], options: { shop?: string; timeout?: number }, command: Command) => {
      await runLazily(
        command,
        async () => (await import('../commands/webhooks/delete.js')).deleteWebhooksCommand,
        { ...withTimeoutMs(options), ids },
      );
    });

  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    webhooks
      .command(name)
      .description(`${name} a subscription`)
      .argument('<id>', 'subscription id')
      .option(...SHOP_OPTION)
      .option(...TIMEOUT_OPTION)
      .addHelpText('after', examples(`srhooks webhooks ${name} d2ViSG9v…`))
      .action(async (id: string, options: { shop?: string; timeout?: number }, command: Command) => {
        await runLazily(
          command,
          async () => (await import('../commands/webhooks/set-status.js')).setWebhookStatusCommand,
          { ...withTimeoutMs(options), id, enabled },
        );
      });
  }

  webhooks
    .command('sync')
    .description(
      "make the shops' subscriptions match a config file (prints a plan like terraform, then applies it)",
    )
    .requiredOption('-f, --file <path>', 'the config file (srhooks.config.json)')
    .option('--shop <name>', 'only this shop of the file')
    .option('--prune', 'also delete subscriptions the file does not list')
    .option('--dry-run', 'print the plan, change nothing')
    .option(
      TIMEOUT_FLAG,
      'time limit of each request to a shop, e.g. 10s or 500ms (API and token; each attempt of a retried one); a shop that does not answer in time is reported as failed and the others still sync (default 30s per API request, 15s for the token)',
      parseTimeout,
    )
    .addHelpText(
      'after',
      `${examples(
        'srhooks webhooks sync -f srhooks.config.json --dry-run',
        'SRHOOKS_SECRETS=… srhooks webhooks sync -f srhooks.config.json --prune',
      )}
Config file:
  { "publicUrl": "https://hooks.example.com",
    "shops": [ { "name": "my-shop", "webhooks": [
      { "event": "order_confirm", "fields": ["order_innerId", "order_total"] },
      { "event": "abandoned_cart", "delay": { "value": 2, "unit": "hour" }, "enabled": false },
      { "event": "newsletter_subscribe", "url": "https://elsewhere.example.com/hook", "type": "xml" } ] } ] }
  A webhook without "url" gets the signed receiver URL, signed with the first of SRHOOKS_SECRETS.
  The receiver reads the same file (its srhooks.config.json); keys only it uses are ignored here.
`,
    )
    .action(
      async (
        options: { file: string; shop?: string; prune?: boolean; dryRun?: boolean; timeout?: number },
        command: Command,
      ) => {
        await runLazily(
          command,
          async () => (await import('../commands/webhooks/sync.js')).syncWebhooksCommand,
          withTimeoutMs(options),
        );
      },
    );
}

import { type Command, Option } from 'commander';
import { EVENTS, eventOption } from '../event-name.js';
import { collectList, examples } from './help-text.js';
import { runLazily } from './run-lazily.js';
import { parseTimeout, TIMEOUT_FLAG } from './timeout-option.js';

/** Commands that need no shop credentials: fields, url, trigger. */
export function registerLocalCommands(program: Command): void {
  program
    .command('fields')
    .description('the field catalogue: which fields a subscription can select, per event')
    .argument('[event]', `only fields available for this event (${EVENTS.join(', ')})`)
    .option('--group <group>', 'only fields of one prefix group (order, orderProduct, subscriber, …)')
    .option('--search <text>', 'only fields whose name or label contains the text')
    .addHelpText(
      'after',
      examples('srhooks fields', 'srhooks fields order_confirm --search product', 'srhooks fields --json'),
    )
    .action(
      async (event: string | undefined, options: { group?: string; search?: string }, command: Command) => {
        await runLazily(command, async () => (await import('../commands/fields.js')).fieldsCommand, {
          ...options,
          ...(event ? { event } : {}),
        });
      },
    );

  program
    .command('url')
    .description('print the signed receiver URL for one shop and event')
    .option('--shop <name>', 'shop name (default: SRHOOKS_SHOP)')
    .addOption(eventOption('webhook event'))
    .option('--base <url>', "receiver's public base URL (default: SRHOOKS_PUBLIC_URL)")
    .option('--secret <secret>', 'signing secret (default: first entry of SRHOOKS_SECRETS)')
    .addHelpText(
      'after',
      examples(
        'srhooks url --shop demo --event order_confirm --base https://hooks.example.com',
        'SRHOOKS_SECRETS=$(openssl rand -hex 32) srhooks url --shop demo --event abandoned_cart --base https://hooks.example.com',
      ),
    )
    .action(async (options: Record<string, string | undefined>, command: Command) => {
      await runLazily(command, async () => (await import('../commands/url.js')).urlCommand, options);
    });

  program
    .command('trigger')
    .description('send one delivery to a URL exactly as a ShopRenter shop would')
    .argument('<event>', `webhook event (${EVENTS.join(', ')})`)
    .option('--to <url>', 'where to POST it (a signed receiver URL; default: SRHOOKS_TRIGGER_URL)')
    .addOption(
      new Option('--format <format>', 'document inside the multipart data field')
        .choices(['json', 'xml'])
        .default('json'),
    )
    .option(
      '--data <file>',
      'JSON payload to send instead of the built-in sample (envelope, one item or a list)',
    )
    .option(
      '--fields <names>',
      'send only these fields, as a subscription with fields does (comma-separated, repeatable)',
      collectList,
    )
    .option('--seed <seed>', 'seed of the built-in sample (same seed, same order); default random')
    .option(TIMEOUT_FLAG, 'give up on the delivery after this long, e.g. 10s (default 30s)', parseTimeout)
    .addHelpText(
      'after',
      examples(
        'srhooks trigger order_confirm --to "$(srhooks url --shop demo --event order_confirm --base http://127.0.0.1:4750)"',
        'srhooks trigger newsletter_subscribe --to http://127.0.0.1:4750/hooks/demo/newsletter_subscribe/TOKEN --format xml',
        'srhooks trigger order_status_change --to URL --data my-order.json --fields order_innerId,orderHistory_status,orderHistory_dateAdded',
      ),
    )
    .action(
      async (
        event: string,
        options: {
          to?: string;
          format?: string;
          data?: string;
          fields?: string[];
          seed?: string;
          timeout?: number;
        },
        command: Command,
      ) => {
        const { timeout, ...rest } = options;
        await runLazily(command, async () => (await import('../commands/trigger.js')).triggerCommand, {
          event,
          ...rest,
          ...(timeout ? { timeoutMs: timeout } : {}),
        });
      },
    );
}

import { type Command, Option } from 'commander';
import { storedEventOption } from '../event-name.js';
import {
  adminOptions,
  DELIVERY_STATUSES,
  EVENT_SOURCES,
  EVENT_STATUSES,
  erasedOption,
  limit,
  revealOption,
} from './admin-options.js';
import { examples } from './help-text.js';
import { runLazily } from './run-lazily.js';

/** `srhooks deliveries list|show|reprocess` through a receiver's admin API. */
export function registerDeliveries(program: Command): void {
  const deliveries = program
    .command('deliveries')
    .alias('delivery')
    .description(
      "a receiver's deliveries as received, quarantined ones included: list, show, reprocess (through its admin API)",
    );

  adminOptions(
    deliveries
      .command('list')
      .alias('ls')
      .description('deliveries, newest first, each with its events')
      .option('--shop <name>', 'only this shop')
      .addOption(storedEventOption('only this event'))
      .addOption(new Option('--status <status>', 'only deliveries in this status').choices(DELIVERY_STATUSES))
      .addOption(
        new Option('--event-status <status>', 'only deliveries with an event in this status').choices(
          EVENT_STATUSES,
        ),
      )
      .addOption(
        new Option('--source <source>', 'delivered by the shop, or read back by recovery').choices(
          EVENT_SOURCES,
        ),
      )
      .option('--handler <name>', 'only deliveries with a job of this handler')
      .addOption(
        new Option(
          '--jobs <state>',
          'waiting: only deliveries with a job waiting to run (not run yet, or waiting for a retry or a disabled handler)',
        ).choices(['waiting']),
      )
      .addOption(erasedOption('deliveries'))
      .option(
        '--search <text>',
        'order number, customer name, e-mail (or part) or phone number in any form (accent-insensitive)',
      )
      .option('--from <time>', 'received at or after (ISO 8601, e.g. 2025-12-01 or 2025-12-01T20:57Z)')
      .option('--to <time>', 'received before (ISO 8601)')
      .option('--limit <n>', 'at most n deliveries (1-500, default 50)', limit(500))
      .option('--cursor <cursor>', 'the next page (printed under the table)')
      .addOption(revealOption('customer names and decode errors')),
  )
    .addHelpText(
      'after',
      examples(
        'srhooks deliveries list --status quarantined',
        'srhooks deliveries list --shop my-shop --event-status dead --json',
        'srhooks deliveries list --erased yes',
      ),
    )
    .action(async (options: Record<string, unknown>, command: Command) => {
      await runLazily(
        command,
        async () => (await import('../commands/deliveries/list.js')).listDeliveriesCommand,
        options,
      );
    });

  adminOptions(
    deliveries
      .command('show')
      .description('one delivery as received: why it is quarantined, its events')
      .argument('<id>', 'delivery id (dlv_…)')
      .addOption(revealOption("the raw body, the events' payloads, customer names and the decode error")),
  )
    .addHelpText(
      'after',
      examples('srhooks deliveries show dlv_01k…', 'srhooks deliveries show dlv_01k… --reveal --json'),
    )
    .action(async (id: string, options: Record<string, unknown>, command: Command) => {
      await runLazily(
        command,
        async () => (await import('../commands/deliveries/show.js')).showDeliveryCommand,
        { ...options, id },
      );
    });

  adminOptions(
    deliveries
      .command('reprocess')
      .description(
        'decode a quarantined delivery again and store its events and handler jobs (a payment notification: file it again)',
      )
      .argument('<id>', 'delivery id (dlv_…)')
      .option(
        '--accept-shop-mismatch',
        "only for a Payment API notification quarantined shop_mismatch (it came under another shop than the one its charge is bound to): file it under the charge's shop anyway. Safe when you know it only came under the wrong shop (e.g. a wrong notificationUrl): it is filed under the charge's shop, never the URL's, where that shop's dedupe applies (a copy filed there already becomes a duplicate)",
      ),
  )
    .addHelpText(
      'after',
      examples(
        'srhooks deliveries list --status quarantined',
        'srhooks deliveries reprocess dlv_01k…',
        'srhooks deliveries reprocess dlv_01k… --accept-shop-mismatch',
      ),
    )
    .action(async (id: string, options: Record<string, unknown>, command: Command) => {
      await runLazily(
        command,
        async () => (await import('../commands/deliveries/reprocess.js')).reprocessDeliveryCommand,
        { ...options, id },
      );
    });
}

/** `srhooks handlers list|enable|disable` through a receiver's admin API. */
export function registerHandlers(program: Command): void {
  const handlers = program
    .command('handlers')
    .alias('handler')
    .description(
      "a receiver's configured handlers, enabled or disabled: list, enable, disable (through its admin API)",
    );

  adminOptions(
    handlers
      .command('list')
      .alias('ls')
      .description(
        'each handler with its type and state (a forward target that answered 410 Gone disables it)',
      ),
  )
    .addHelpText('after', examples('srhooks handlers list', 'srhooks handlers list --json'))
    .action(async (options: Record<string, unknown>, command: Command) => {
      await runLazily(
        command,
        async () => (await import('../commands/handlers/list.js')).listHandlersCommand,
        options,
      );
    });

  adminOptions(
    handlers
      .command('enable')
      .description('enable a disabled handler again (after fixing its target): its waiting jobs run')
      .argument('<name>', 'handler name, as srhooks handlers list prints it'),
  )
    .addHelpText('after', examples('srhooks handlers enable erp'))
    .action(async (name: string, options: Record<string, unknown>, command: Command) => {
      await runLazily(
        command,
        async () => (await import('../commands/handlers/enable.js')).enableHandlerCommand,
        { ...options, name },
      );
    });

  adminOptions(
    handlers
      .command('disable')
      .description(
        "pause a handler (e.g. its target's maintenance window): its jobs wait, not attempted; enable runs them",
      )
      .argument('<name>', 'handler name, as srhooks handlers list prints it'),
  )
    .addHelpText('after', examples('srhooks handlers disable erp', 'srhooks handlers disable erp --json'))
    .action(async (name: string, options: Record<string, unknown>, command: Command) => {
      await runLazily(
        command,
        async () => (await import('../commands/handlers/disable.js')).disableHandlerCommand,
        { ...options, name },
      );
    });
}

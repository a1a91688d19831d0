// The light subpath (no zod, no codec): this file is loaded for every command and `--help`.
import { DAYS_EXPECTED, DaysInputError, parseDays } from '@srhooks/contracts/days';
import { parseLookBack, parseTime, TIME_EXPECTED } from '@srhooks/contracts/time';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { EraseOptions } from '../commands/erase.js';
import type { BackfillOptions } from '../commands/events/backfill.js';
import type { PruneOptions } from '../commands/prune.js';
import type { RecoverOptions } from '../commands/recover.js';
import { storedEventOption } from '../event-name.js';
import type { FeedHistory } from '../live/admin-feed.js';
import { adminOptions, EVENT_STATUSES, erasedOption, limit, revealOption } from './admin-options.js';
import { registerDeliveries, registerHandlers } from './delivery-commands.js';
import { collectList, examples } from './help-text.js';
import { runLazily } from './run-lazily.js';

function port(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535)
    throw new InvalidArgumentError('must be a port number 0-65535');
  return Number(value);
}

/**
 * `srhooks listen`, and `events` / `deliveries` / `dead-letters` / `handlers` / `prune` / `erase` / `recover`
 * through a receiver's admin API.
 */
export function registerReceiverCommands(program: Command): void {
  registerListen(program);
  registerEvents(program);
  registerDeliveries(program);
  registerDeadLetters(program);
  registerHandlers(program);
  registerPrune(program);
  registerErase(program);
  registerRecover(program);
}

/**
 * `2d`, `12h`, `90m` (at least 1), or an ISO 8601 time in the past, read by contracts' parseLookBack and
 * parseTime as the receiver reads it (so what the receiver would refuse, `2025-02-30` say, is refused
 * here): a look-back of nothing (`0d`, a future time) would read no order. A time without a zone is
 * UTC, as the receiver reads it — not this machine's zone, which refused a time ten minutes ago as in
 * the future west of Greenwich.
 */
function since(value: string): string {
  const text = value.trim();
  const back = parseLookBack(text);
  if (back !== null) {
    if (back > 0) return text;
    throw new InvalidArgumentError('must reach back at least 1m, e.g. 2d, 12h or 90m');
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const at = parseTime(text);
    if (at === null) throw new InvalidArgumentError(`is not a valid ISO 8601 time: it ${TIME_EXPECTED}`);
    if (at.getTime() > Date.now())
      throw new InvalidArgumentError('is in the future; give a time in the past');
    return text;
  }
  throw new InvalidArgumentError(
    'must be a duration back from now such as 2d, 12h or 90m, or an ISO 8601 time',
  );
}

/**
 * `events tail --since`: {@link since}'s checks, then what tail's history starts from — a duration back
 * from the receiver's time, or the time itself (UTC when it names no zone, as for recover).
 */
function tailSince(value: string): FeedHistory {
  const text = since(value);
  const backMs = parseLookBack(text);
  if (backMs !== null) return { backMs };
  return { from: (parseTime(text) as Date).toISOString() };
}

function registerRecover(program: Command): void {
  adminOptions(
    program
      .command('recover')
      .description(
        "read a shop's orders changed since --since from its API and store the events the receiver missed (through its admin API)",
      )
      .requiredOption('--shop <name>', 'the shop, as configured on the receiver')
      .option(
        '--since <when>',
        "how far back: 2d, 12h, 90m or an ISO time (default: the shop's watermark)",
        since,
      )
      .option('--dry-run', 'only say what would be recovered'),
  )
    .addHelpText(
      'after',
      examples(
        'srhooks recover --shop my-shop --since 2d --dry-run',
        'srhooks recover --shop my-shop --since 2d --json',
      ),
    )
    .action(async (options: RecoverOptions, command: Command) => {
      await runLazily(command, async () => (await import('../commands/recover.js')).recoverCommand, options);
    });
}

/** `90` or `90d`: contracts' parseDays, the same as the receiver's SRHOOKS_RETENTION_DAYS. */
function days(value: string): number {
  try {
    return parseDays(value);
  } catch (error) {
    if (error instanceof DaysInputError) throw new InvalidArgumentError(DAYS_EXPECTED);
    throw error;
  }
}

function registerPrune(program: Command): void {
  adminOptions(
    program
      .command('prune')
      .description(
        "delete a receiver's deliveries older than N days now, with their events and jobs (through its admin API; unfinished work is kept)",
      )
      .requiredOption('--older-than <days>', 'age in days, e.g. 90 or 90d', days)
      .option('--dry-run', 'only count what would be deleted')
      .option('--include-dead-letters', 'delete old dead-lettered and quarantined deliveries too'),
  )
    .addHelpText(
      'after',
      examples(
        'srhooks prune --older-than 90d --dry-run',
        'srhooks prune --older-than 90 --receiver https://hooks.example.com',
      ),
    )
    // commander checked --older-than (required, parsed by days()).
    .action(async (options: PruneOptions, command: Command) => {
      await runLazily(command, async () => (await import('../commands/prune.js')).pruneCommand, options);
    });
}

function registerErase(program: Command): void {
  adminOptions(
    program
      .command('erase')
      .description(
        "erase one customer's personal data from a receiver on request (GDPR art. 17): payloads, raw bodies, search texts, handler error texts of the matching events and deliveries; ids, dedupe keys and job history stay (through its admin API)",
      )
      .option(
        '--email <address>',
        "the customer's or subscriber's e-mail address (exact match, ignoring case)",
      )
      .option(
        '--shop <name>',
        "only this shop (with --email); the order's or subscriber's shop (with --order-id, --subscriber-id)",
      )
      .option(
        '--order-id <innerId>',
        "an order's innerId (the order number the inspector shows); needs --shop",
      )
      .option(
        '--subscriber-id <id>',
        "a newsletter subscriber's id (its events, and deliveries without the address, such as an unsubscribe); needs --shop",
      )
      .requiredOption(
        '--reason <reference>',
        'a reference of the request, e.g. a ticket number (GDPR-2026-014): stored and shown with the erased rows, so never personal data',
      )
      .option('--dry-run', 'only show what would be erased (ids and counts; nothing is written)')
      .option(
        '--include-unfinished',
        "cancel the matching events' pending or running jobs (without it the erasure is refused while there are any)",
      ),
  )
    .addHelpText(
      'after',
      examples(
        'srhooks erase --email kovacs.eva@example.hu --reason GDPR-2026-014 --dry-run',
        'srhooks erase --email kovacs.eva@example.hu --reason GDPR-2026-014 --include-unfinished',
        'srhooks erase --shop my-shop --order-id 3001 --reason GDPR-2026-015 --json',
        'srhooks erase --shop my-shop --subscriber-id 77 --reason GDPR-2026-016',
      ),
    )
    .action(async (options: EraseOptions, command: Command) => {
      if (
        options.email === undefined &&
        options.orderId === undefined &&
        options.subscriberId === undefined
      ) {
        command.error(
          'error: say whose data: --email <address>, or --order-id <innerId> or --subscriber-id <id> with --shop <name>',
          {
            exitCode: 2,
            code: 'commander.eraseWhose',
          },
        );
      }
      if (options.orderId !== undefined && options.shop === undefined) {
        command.error('error: --order-id needs --shop <name>: the shop the order belongs to', {
          exitCode: 2,
          code: 'commander.eraseOrderShop',
        });
      }
      if (options.subscriberId !== undefined && options.shop === undefined) {
        command.error('error: --subscriber-id needs --shop <name>: the shop the subscriber belongs to', {
          exitCode: 2,
          code: 'commander.eraseSubscriberShop',
        });
      }
      await runLazily(command, async () => (await import('../commands/erase.js')).eraseCommand, options);
    });
}

function registerListen(program: Command): void {
  program
    .command('listen')
    .description('run a local receiver, print its signed URLs, then one line per delivery as it arrives')
    .option('--port <port>', 'port (default 4750; 0 = any free port)', port)
    .option('--host <host>', 'interface (default 127.0.0.1)')
    .option(
      '--shop <names>',
      'shops to print URLs for, comma-separated (default: SRHOOKS_SHOP, the stored shops, or demo)',
      collectList,
    )
    .option('--events <names>', 'only these events, comma-separated (default: all six)', collectList)
    .option(
      '--forward-to <url>',
      'forward every event, signed (Standard Webhooks), to this URL and show its answer',
    )
    .option(
      '--no-console',
      'without --forward-to: store only, no console handler (by default every event is handled by a console handler whose outcome is printed, so events replay shows something)',
    )
    .option('--db <file>', 'SQLite file (default: listen.db in the config dir)')
    .option(
      '--body-limit <size>',
      'largest delivery body decoded as it arrives, e.g. 8mb (default 2mb, at most 64mb; as SRHOOKS_BODY_LIMIT); a larger one is stored raw, quarantined too_large',
    )
    .option('--public-url <url>', 'base of the printed URLs when the shop reaches you through a tunnel')
    .option(
      '--secret <secret>',
      'URL signing secret (default: SRHOOKS_SECRETS, else one kept in the config dir)',
    )
    .addOption(
      revealOption(
        "a quarantined delivery's decode error (the sender's quoted values) and handler error texts (a forward target's answer body, a module handler's message)",
      ),
    )
    .addHelpText(
      'after',
      examples(
        'srhooks listen',
        'srhooks listen --forward-to http://localhost:3000/webhooks --events order_confirm,order_status_change',
        'srhooks listen --public-url https://abc123.tunnel.example --shop my-shop --json',
      ),
    )
    .action(async (options: Record<string, unknown>, command: Command) => {
      await runLazily(command, async () => (await import('../commands/listen.js')).listenCommand, options);
    });
}

function registerEvents(program: Command): void {
  const events = program
    .command('events')
    .alias('event')
    .description(
      "a receiver's stored events: list, show, replay, release, backfill, tail (through its admin API)",
    );

  adminOptions(
    events
      .command('list')
      .alias('ls')
      .description('stored events, newest first')
      .option('--shop <name>', 'only this shop')
      .addOption(storedEventOption('only this event'))
      .addOption(new Option('--status <status>', 'only events in this status').choices(EVENT_STATUSES))
      .option('--delivery <id>', 'only the events of this delivery (dlv_…)')
      .option('--handler <name>', 'only events with a job of this handler')
      .addOption(erasedOption('events'))
      .option(
        '--search <text>',
        'order number, customer name, e-mail (or part) or phone number in any form (accent-insensitive)',
      )
      .option('--from <time>', 'received at or after (ISO 8601, e.g. 2025-12-01 or 2025-12-01T20:57Z)')
      .option('--to <time>', 'received before (ISO 8601)')
      .option('--limit <n>', 'at most n events (1-500, default 50)', limit(500))
      .option('--cursor <cursor>', 'the next page (printed under the table)')
      .addOption(revealOption('customer names (in --json; the table shows none)')),
  )
    .addHelpText(
      'after',
      examples(
        'srhooks events list',
        'srhooks events list --status dead --shop my-shop --receiver https://hooks.example.com',
        'srhooks events list --search kovacs --from 2025-12-01 --json',
        'srhooks events list --handler erp --status dead',
        'srhooks events list --erased yes --json',
      ),
    )
    .action(async (options: Record<string, unknown>, command: Command) => {
      await runLazily(
        command,
        async () => (await import('../commands/events/list.js')).listEventsCommand,
        options,
      );
    });

  adminOptions(
    events
      .command('show')
      .description('one event with its handler jobs and every attempt')
      .argument('<id>', 'event id (evt_…)')
      .addOption(
        revealOption("the delivered item (payload), the customer name and the handlers' error texts"),
      )
      .option('--payload', 'deprecated: the same as --reveal (prints a warning)'),
  )
    .addHelpText(
      'after',
      examples('srhooks events show evt_01k…', 'srhooks events show evt_01k… --reveal --json'),
    )
    .action(async (id: string, options: Record<string, unknown>, command: Command) => {
      await runLazily(command, async () => (await import('../commands/events/show.js')).showEventCommand, {
        ...options,
        id,
      });
    });

  adminOptions(
    events
      .command('replay')
      .description("run an event's handlers again now")
      .argument('<id>', 'event id (evt_…)')
      .option('--handler <name>', 'only this handler')
      .addOption(revealOption("the queued jobs' last errors (in --json)")),
  )
    .addHelpText(
      'after',
      examples('srhooks events replay evt_01k…', 'srhooks events replay evt_01k… --handler erp'),
    )
    .action(async (id: string, options: Record<string, unknown>, command: Command) => {
      await runLazily(
        command,
        async () => (await import('../commands/events/replay.js')).replayEventCommand,
        {
          ...options,
          id,
        },
      );
    });

  registerRelease(events);
  registerBackfill(events);
  registerTail(events);
}

function registerTail(events: Command): void {
  adminOptions(
    events
      .command('tail')
      .description(
        'follow a running receiver: one line per delivery and per handler outcome as it stores them, as listen prints them; reconnects when the connection drops and prints what arrived meanwhile',
      )
      .option('--shop <name>', 'only this shop')
      .addOption(storedEventOption('only this event'))
      .option(
        '--since <when>',
        'first print what the receiver stored or handled since then: 2d, 12h, 90m or an ISO time (UTC without a zone); default: only what comes from now on',
        tailSince,
      )
      .addOption(
        revealOption(
          "a quarantined delivery's decode error (the sender's quoted values) and handler error texts (a forward target's answer body, a module handler's message)",
        ),
      ),
  )
    .addHelpText(
      'after',
      examples(
        'srhooks events tail --receiver https://hooks.example.com',
        'srhooks events tail --since 1h',
        'srhooks events tail --shop my-shop --event order_confirm',
        'srhooks events tail --json | jq -c \'select(.type == "outcome")\'',
      ),
    )
    .action(async (options: Record<string, unknown>, command: Command) => {
      await runLazily(
        command,
        async () => (await import('../commands/events/tail.js')).tailEventsCommand,
        options,
      );
    });
}

function registerBackfill(events: Command): void {
  adminOptions(
    events
      .command('backfill')
      .description(
        'replay the events received in a time window to one handler: one it did not exist for yet (--missing-only), or one whose target lost them',
      )
      .requiredOption('--handler <name>', 'the handler to replay them to')
      .requiredOption(
        '--from <time>',
        'received at or after (ISO 8601, e.g. 2025-12-01 or 2025-12-01T20:57Z)',
      )
      .option('--to <time>', 'received before (ISO 8601; default: now)')
      .option('--shop <name>', 'only this shop')
      .addOption(storedEventOption('only this event'))
      .option('--missing-only', 'only events that have no job of the handler yet')
      .option('--dry-run', 'only count what would be replayed'),
  )
    .addHelpText(
      'after',
      examples(
        'srhooks events backfill --handler erp --from 2025-11-01 --missing-only --dry-run',
        'srhooks events backfill --handler erp --from 2025-12-01T08:00Z --to 2025-12-01T12:00Z --shop my-shop',
      ),
    )
    // commander checked --handler and --from (required); the receiver checks their values.
    .action(async (options: BackfillOptions, command: Command) => {
      await runLazily(
        command,
        async () => (await import('../commands/events/backfill.js')).backfillCommand,
        options,
      );
    });
}

function registerRelease(events: Command): void {
  adminOptions(
    events
      .command('release')
      .description(
        "let a held event's handlers run: an event is held when the receiver's verify step found the shop's order different or missing",
      )
      .argument('<id>', 'event id (evt_…)')
      .addOption(revealOption("the queued jobs' last errors (in --json)")),
  )
    .addHelpText('after', examples('srhooks events release evt_01k…', 'srhooks events list --status held'))
    .action(async (id: string, options: Record<string, unknown>, command: Command) => {
      await runLazily(
        command,
        async () => (await import('../commands/events/release.js')).releaseEventCommand,
        { ...options, id },
      );
    });
}

function registerDeadLetters(program: Command): void {
  const deadLetters = program
    .command('dead-letters')
    .description("a receiver's dead-lettered handler jobs: list, retry (through its admin API)");

  adminOptions(
    deadLetters
      .command('list')
      .alias('ls')
      .description('dead-lettered jobs, newest first')
      .option('--handler <name>', 'only this handler')
      .option('--from <time>', 'dead-lettered at or after (ISO 8601)')
      .option('--to <time>', 'dead-lettered before (ISO 8601)')
      .option('--limit <n>', 'at most n dead letters (1-500, default 50)', limit(500))
      .option('--cursor <cursor>', 'the next page (printed under the table)')
      .addOption(revealOption("the last errors (they quote the target's answer) and customer names")),
  )
    .addHelpText(
      'after',
      examples('srhooks dead-letters list', 'srhooks dead-letters list --handler erp --json'),
    )
    .action(async (options: Record<string, unknown>, command: Command) => {
      await runLazily(
        command,
        async () => (await import('../commands/dead-letters/list.js')).listDeadLettersCommand,
        options,
      );
    });

  adminOptions(
    deadLetters
      .command('retry')
      .description('run the dead letters again now (all, or those of one handler / time window)')
      .option('--handler <name>', 'only this handler')
      .option('--from <time>', 'dead-lettered at or after (ISO 8601)')
      .option('--to <time>', 'dead-lettered before (ISO 8601)')
      .addOption(revealOption("the queued jobs' last errors (in --json)")),
  )
    .addHelpText(
      'after',
      examples('srhooks dead-letters retry', 'srhooks dead-letters retry --handler erp --from 2025-12-01'),
    )
    .action(async (options: Record<string, unknown>, command: Command) => {
      await runLazily(
        command,
        async () => (await import('../commands/dead-letters/retry.js')).retryDeadLettersCommand,
        options,
      );
    });
}

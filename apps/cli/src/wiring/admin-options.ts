/**
 * Flags shared by the commands that call a receiver's admin API. No heavy imports: this file is
 * loaded for `--help` (admin-types.js brings only `everyOf`; its receiver imports are types; the
 * receiver's admin-values export is three lists).
 */
import {
  DELIVERY_STATUSES as RECEIVER_DELIVERY_STATUSES,
  EVENT_SOURCES as RECEIVER_EVENT_SOURCES,
  EVENT_STATUSES as RECEIVER_EVENT_STATUSES,
} from '@srhooks/receiver/admin-values';
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  type DeliveryStatus,
  type EventSource,
  type EventStatus,
  everyOf,
} from '../admin-api/admin-types.js';
import { requestTimeoutOption } from './timeout-option.js';

/**
 * The receiver's own lists (its light export: nothing else of it loads), each checked at compile time
 * to name every value of the receiver's store type.
 */
export const EVENT_STATUSES = everyOf<EventStatus>()(RECEIVER_EVENT_STATUSES);
export const DELIVERY_STATUSES = everyOf<DeliveryStatus>()(RECEIVER_DELIVERY_STATUSES);
export const EVENT_SOURCES = everyOf<EventSource>()(RECEIVER_EVENT_SOURCES);

/** `--limit n`: a whole number from 1 to max. */
export function limit(max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
      throw new InvalidArgumentError(`must be a whole number from 1 to ${max}`);
    }
    return Number(value);
  };
}

/**
 * `--erased yes|no` of `events list` and `deliveries list`: only the rows whose personal data was erased
 * on request (`srhooks erase`), or only the others (the admin API's `erased=true|false`).
 */
export function erasedOption(what: string): Option {
  return new Option(
    '--erased <yes|no>',
    `yes: only ${what} whose personal data was erased on request (srhooks erase); no: only the others`,
  ).choices(['yes', 'no']);
}

/**
 * `--receiver`, `--admin-token` and `--timeout` (each request's time limit) of every admin API command;
 * `timeoutTo` names whom the requests go to in `--timeout`'s help (`app install`: the sandbox too).
 */
export function adminOptions(command: Command, timeoutTo = 'the receiver'): Command {
  return command
    .hook('preAction', async (_command, action) => {
      // A --shop (events list|tail|backfill, deliveries list, recover, erase) is checked as every
      // command checks one, before anything is sent: the receiver would refuse it without the name meant.
      const shop: unknown = action.opts().shop;
      if (typeof shop !== 'string') return;
      const { assertShopName } = await import('../config/shop-name.js');
      assertShopName(shop);
    })
    .option(
      '--receiver <url>',
      "the receiver (default: SRHOOKS_RECEIVER_URL, else this config directory's running srhooks listen, on any port, else http://127.0.0.1:4750 with --admin-token or SRHOOKS_ADMIN_TOKEN)",
    )
    .option(
      '--admin-token <token>',
      "its admin token (default: the running srhooks listen's own when it is the receiver found by itself, else SRHOOKS_ADMIN_TOKEN, else listen's for a receiver named by --receiver or SRHOOKS_RECEIVER_URL)",
    )
    .addOption(requestTimeoutOption(timeoutTo));
}

/** `--reveal`: personal data unmasked, in the human output and in `--json`. */
export function revealOption(what: string): Option {
  return new Option('--reveal', `show ${what} unmasked (personal data; masked by default, also in --json)`);
}

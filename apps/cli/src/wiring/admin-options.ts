/**
 * Flags shared by the commands that call a receiver's admin API. No heavy imports: this file is
 * loaded for `--help` (admin-types.js brings only `everyOf`; its receiver imports are types).
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  type DeliveryStatus,
  type EventSource,
  type EventStatus,
  everyOf,
} from '../admin-api/admin-types.js';

/** The receiver's status and source values, checked at compile time against its store types. */
export const EVENT_STATUSES = everyOf<EventStatus>()([
  'stored',
  'pending',
  'retrying',
  'succeeded',
  'dead',
  'duplicate',
  'held',
]);
export const DELIVERY_STATUSES = everyOf<DeliveryStatus>()(['stored', 'quarantined', 'reprocessed']);
export const EVENT_SOURCES = everyOf<EventSource>()(['webhook', 'recovery']);

/** `--limit n`: a whole number from 1 to max. */
export function limit(max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
      throw new InvalidArgumentError(`must be a whole number from 1 to ${max}`);
    }
    return Number(value);
  };
}

/** `--receiver` and `--admin-token` of every admin API command. */
export function adminOptions(command: Command): Command {
  return command
    .option(
      '--receiver <url>',
      'the receiver (default: SRHOOKS_RECEIVER_URL, else the running srhooks listen, on any port, else http://127.0.0.1:4750)',
    )
    .option(
      '--admin-token <token>',
      "its admin token (default: SRHOOKS_ADMIN_TOKEN, else the local srhooks listen's)",
    );
}

/** `--reveal`: personal data unmasked, in the human output and in `--json`. */
export function revealOption(what: string): Option {
  return new Option('--reveal', `show ${what} unmasked (personal data; masked by default, also in --json)`);
}

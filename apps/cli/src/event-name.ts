/**
 * Event names as every command takes them: one list (checked against contracts' WEBHOOK_EVENTS by
 * event-name.test.ts), one parser, one error wording and exit code (2, `invalid_event`) — for
 * options and arguments checked by commander as much as for names read from flags in actions.
 * No heavy imports: this file is loaded for `--help`.
 */
import { Option } from 'commander';
import { type CliError, usageError } from './cli-error.js';

export const EVENTS = [
  'order_confirm',
  'order_status_change',
  'abandoned_cart',
  'newsletter_subscribe',
  'newsletter_unsubscribe',
  'newsletter_update_subscriber',
] as const;

export type EventName = (typeof EVENTS)[number];

export function isEventName(value: string): value is EventName {
  return (EVENTS as readonly string[]).includes(value);
}

/** The one "unknown event" error of the CLI. */
export function unknownEventError(value: string): CliError {
  return usageError(`unknown event "${value}"`, `use one of: ${EVENTS.join(', ')}`, 'invalid_event');
}

/** Checks one event name (a commander argParser too: the CliError passes through commander). */
export function parseEventName(value: string): EventName {
  if (!isEventName(value)) throw unknownEventError(value);
  return value;
}

/** `--event <event>` checked by {@link parseEventName}, listing the names in its help. */
export function eventOption(description: string): Option {
  return new Option('--event <event>', `${description} (${EVENTS.join(', ')})`).argParser(parseEventName);
}

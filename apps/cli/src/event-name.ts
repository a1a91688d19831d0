/**
 * Event names as every command takes them: one list (checked against contracts' WEBHOOK_EVENTS by
 * event-name.test.ts), one parser, one error wording and exit code (2, `invalid_event`) — for
 * options and arguments checked by commander as much as for names read from flags in actions.
 * No heavy imports: this file is loaded for `--help`.
 */

import { meantName } from '@srhooks/contracts/meant-name';
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

/**
 * Every event a receiver stores, as its lists filter them: the six webhook events and app mode's
 * (contracts' APP_EVENTS, checked by event-name.test.ts like EVENTS; no contracts import here).
 */
export const STORED_EVENTS = [...EVENTS, 'app_uninstalled', 'payment_status', 'payment_card_change'] as const;

export type StoredEventName = (typeof STORED_EVENTS)[number];

export function isEventName(value: string): value is EventName {
  return (EVENTS as readonly string[]).includes(value);
}

/** The one "unknown event" error of the CLI. */
export function unknownEventError(value: string, events: readonly string[] = EVENTS): CliError {
  const nearest = meantName(value, events);
  return usageError(
    `unknown event "${value}"${nearest ? ` (did you mean ${nearest}?)` : ''}`,
    `use one of: ${events.join(', ')}`,
    'invalid_event',
  );
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

/** Checks an event name a receiver's list filters by: a webhook event or an app event. */
export function parseStoredEventName(value: string): StoredEventName {
  if (!(STORED_EVENTS as readonly string[]).includes(value)) throw unknownEventError(value, STORED_EVENTS);
  return value as StoredEventName;
}

/** `--event <event>` of a receiver's list (deliveries, events): app events too, {@link parseStoredEventName}. */
export function storedEventOption(description: string): Option {
  return new Option('--event <event>', `${description} (${STORED_EVENTS.join(', ')})`).argParser(
    parseStoredEventName,
  );
}

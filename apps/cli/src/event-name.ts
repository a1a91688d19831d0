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

/** Edit distance (insertions, deletions, substitutions) between two short strings. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The event a typo most likely meant (at most 3 edits away), like commander's "Did you mean". */
function nearestEvent(value: string): EventName | null {
  let best: EventName | null = null;
  let bestDistance = 4;
  for (const event of EVENTS) {
    const d = distance(value.toLowerCase(), event);
    if (d < bestDistance) {
      best = event;
      bestDistance = d;
    }
  }
  return best;
}

/** The one "unknown event" error of the CLI. */
export function unknownEventError(value: string): CliError {
  const nearest = nearestEvent(value);
  return usageError(
    `unknown event "${value}"${nearest ? ` (did you mean ${nearest}?)` : ''}`,
    `use one of: ${EVENTS.join(', ')}`,
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

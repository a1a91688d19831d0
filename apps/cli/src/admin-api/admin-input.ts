import { usageError } from '../cli-error.js';
import type { AdminApi } from './admin-api-client.js';

/**
 * Checks of the admin commands' own input that the receiver cannot phrase for a command line: an
 * event id (its API answers any malformed id with a delivery id example), a handler name a filter
 * matched nothing for.
 */

const EVENT_ID = /^evt_[0-9a-z]{1,64}$/;

/** `events show|replay ID`: ids look like `evt_01k…` (srhooks events list prints them). */
export function checkEventId(id: string): string {
  if (EVENT_ID.test(id)) return id;
  throw usageError(
    `"${id}" is not an event id: event ids look like evt_01k…`,
    'list them with srhooks events list',
    'invalid_event_id',
  );
}

/**
 * After a `--handler` filter matched nothing: an error when no handler of that name is configured
 * on the receiver (a handler removed from the config still has its old dead letters listed, so the
 * name is only refused when it matched nothing).
 */
export async function checkHandlerKnown(api: AdminApi, handler: string): Promise<void> {
  const { items } = await api.get<{ items: { name: string }[] }>('/handlers');
  const names = items.map((item) => item.name);
  if (names.includes(handler)) return;
  throw usageError(
    `unknown handler "${handler}": not configured on ${api.receiverUrl}`,
    names.length > 0 ? `its handlers: ${names.join(', ')}` : 'this receiver has no handlers configured',
    'unknown_handler',
  );
}

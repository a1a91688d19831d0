import { usageError } from '../cli-error.js';
import { AdminAnswerError, type AdminApi } from './admin-api-client.js';
import type { DisabledHandlerJson, HandlerOverviewJson } from './admin-types.js';
import { handlerMeant } from './handler-names.js';

/**
 * Checks of the admin commands' own input that the receiver cannot phrase for a command line: an
 * event or delivery id (its API answers any malformed id with a delivery id example), a handler name
 * that is not configured, a shop that is not served.
 */

/** The ids the admin commands take: how they look and which command lists them. */
export const ID_KINDS = {
  event: { prefix: 'evt', listedBy: 'srhooks events list' },
  delivery: { prefix: 'dlv', listedBy: 'srhooks deliveries list' },
} as const;

function checkId(kind: keyof typeof ID_KINDS, id: string): string {
  const { prefix, listedBy } = ID_KINDS[kind];
  if (new RegExp(`^${prefix}_[0-9a-z]{1,64}$`).test(id)) return id;
  throw usageError(
    `"${id}" is not ${kind === 'event' ? 'an event' : 'a delivery'} id: ${kind} ids look like ${prefix}_01k…`,
    `list them with ${listedBy}`,
    `invalid_${kind}_id`,
  );
}

/** `events show|replay|release ID`: ids look like `evt_01k…` (srhooks events list prints them). */
export function checkEventId(id: string): string {
  return checkId('event', id);
}

/** `deliveries show|reprocess ID`: ids look like `dlv_01k…` (srhooks deliveries list prints them). */
export function checkDeliveryId(id: string): string {
  return checkId('delivery', id);
}

/**
 * The receiver's handler of that name with its state (`GET /handlers`), or an error saying that no
 * handler of that name is configured on the receiver, naming those that are — first the one a typo
 * meant (`did you mean --handler erp?`; `flag`: where the name was given, '' for a positional argument).
 */
export async function findHandler(
  api: AdminApi,
  handler: string,
  flag = '--handler',
): Promise<HandlerOverviewJson> {
  const { items } = await api.get<{ items: HandlerOverviewJson[] }>('/handlers');
  const found = items.find((item) => item.name === handler);
  if (found) return found;
  const names = items.map((item) => item.name);
  const meant = handlerMeant(handler, names, flag);
  throw usageError(
    `unknown handler "${handler}": not configured on ${api.receiverUrl}`,
    names.length > 0
      ? `${meant ? `${meant} ` : ''}its handlers: ${names.join(', ')}`
      : 'this receiver has no handlers configured',
    'unknown_handler',
  );
}

/**
 * After a `--handler` filter of a list matched nothing: an error when no handler of that name is
 * configured on the receiver (a handler removed from the config still has its old dead letters listed,
 * so the name is only refused when it matched nothing; replaying them is refused by the receiver).
 */
export async function checkHandlerKnown(api: AdminApi, handler: string): Promise<void> {
  await findHandler(api, handler, '--handler');
}

/**
 * The handlers of `jobs` that are disabled on the receiver (a forward target answered 410 Gone, or an
 * operator disabled it), each with who disabled it: their jobs were queued but wait, unclaimed, until
 * the handler is enabled again.
 */
export async function disabledHandlersOf(
  api: AdminApi,
  jobs: readonly { handler: string }[],
): Promise<DisabledHandlerJson[]> {
  if (jobs.length === 0) return [];
  const { items } = await api.get<{ items: HandlerOverviewJson[] }>('/handlers');
  const disabled = new Map(items.filter((item) => item.disabled).map((item) => [item.name, item]));
  return [...new Set(jobs.map((job) => job.handler))].flatMap((handler) => {
    const state = disabled.get(handler);
    return state ? [{ handler, disabledBy: state.disabledBy }] : [];
  });
}

/**
 * After a `--shop` filter of a list (`path`: `/events`, `/deliveries`) matched nothing: an error when
 * the receiver serves no shop of that name (`GET /shops`: its config shops and app installs) and stores
 * nothing of it (one row of `path` for that shop alone, whatever the other filters), naming the shops it
 * serves — a typo is not an empty list. A shop it no longer serves keeps its old rows, listed as before.
 * A receiver without the shops route (older) is not asked.
 */
export async function checkShopKnown(api: AdminApi, shop: string, path: string): Promise<void> {
  const answer = await api.get<{ items: { name: string }[] }>('/shops').catch((error: unknown) => {
    if (error instanceof AdminAnswerError && error.status === 404) return null;
    throw error;
  });
  if (answer === null || answer.items.some((item) => item.name === shop)) return;
  const stored = await api.get<{ items: unknown[] }>(path, { shop, limit: 1 });
  if (stored.items.length > 0) return;
  const names = answer.items.map((item) => item.name);
  throw usageError(
    `unknown shop "${shop}": not served by ${api.receiverUrl}, and nothing of it is stored there`,
    names.length > 0 ? `its shops: ${names.join(', ')}` : 'this receiver serves no shops yet',
    'unknown_shop',
  );
}

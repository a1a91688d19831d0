/**
 * The spool folder (SRHOOKS_SPOOL_DIR) during an erasure: deliveries acknowledged while the store was
 * unavailable wait there as files until the drainer stores them. An erasure does not change them (a file
 * is one whole delivery, possibly of several orders, that the shop will not send again): it finds those
 * holding the person's data and says so, so the operator erases again once they are drained. Found as in
 * the store: by the address or the order asked for, and by the orders and newsletter subscribers the
 * store's erasure found by the address (a status change or an unsubscribe spooled without the address
 * still names the person); such a file names the orders (`orders`) or subscribers (`subscribers`) it was
 * found by, since the address will not find it once drained (the events that held it are erased by then).
 * Files in `unreadable/` (damaged, moved aside; never drained) are counted too: only an operator can
 * remove them.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isNewsletterEvent, isOrderEvent, type WebhookEvent } from '@srhooks/contracts';
import { decodeSpoolFile } from '../spool/spool-format.js';
import { UNREADABLE_DIR } from '../spool/spool-reader.js';
import { SPOOL_FILE_SUFFIX } from '../spool/spool-writer.js';
import { normalisedEmail, rawBodyHasEmail } from '../store/email-match.js';
import { rawBodyHasOrder, rawBodyHasSubscriber } from '../store/raw-body-order.js';

export interface SpoolMatch {
  /** The spooled delivery's id (the one it was acknowledged with), or the file's name when it cannot be read. */
  id: string;
  shop: string | null;
  event: string | null;
  /** `unreadable/`: moved aside as damaged, never drained. */
  unreadable: boolean;
  /**
   * Found by these orders (innerIds) of the erasure, not by the address or the order asked for: once
   * drained, erase by the order (the address no longer finds it). Absent otherwise.
   */
  orders?: string[];
  /** Found by these newsletter subscribers (ids) of the erasure, not by the address. Absent otherwise. */
  subscribers?: string[];
}

export interface SpoolCriteria {
  email?: string;
  shop?: string;
  order?: { shop: string; innerId: string };
  /** The newsletter subscriber asked for (shop and id). */
  subscriber?: { shop: string; id: string };
  /** The orders the store's erasure found by the address (ErasureResult.orders). */
  orders?: ReadonlyArray<{ shop: string; innerId: string }>;
  /** The newsletter subscribers the store's erasure found by the address (ErasureResult.subscribers). */
  subscribers?: ReadonlyArray<{ shop: string; id: string }>;
}

async function namesIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

type Found = Pick<SpoolMatch, 'orders' | 'subscribers'>;

/**
 * Whether the file holds the person's data: `{}` when it holds the address, the order or the subscriber
 * asked for; the erasure's orders or subscribers it holds otherwise; null when none. `shop` and `event` are null for a
 * file that does not read (its bytes are searched as they are: any shop, an order or a newsletter event).
 */
function matches(
  criteria: SpoolCriteria,
  shop: string | null,
  event: string | null,
  body: Buffer,
): Found | null {
  if (
    criteria.email !== undefined &&
    (criteria.shop === undefined || shop === null || shop === criteria.shop)
  ) {
    if (rawBodyHasEmail(body, normalisedEmail(criteria.email))) return {};
  }
  const order = criteria.order;
  if (order !== undefined && (shop === null || shop === order.shop) && rawBodyHasOrder(body, order.innerId)) {
    return {};
  }
  const ofShop = (found: { shop: string }) => shop === null || shop === found.shop;
  // A newsletter item's only `id` is the subscriber's (an order body has its products' ids too).
  const newsletter = event === null ? body.includes('newsletter') : isNewsletterEvent(event as WebhookEvent);
  const subscriber = criteria.subscriber;
  if (
    subscriber !== undefined &&
    newsletter &&
    ofShop(subscriber) &&
    rawBodyHasSubscriber(body, subscriber.id)
  ) {
    return {};
  }
  const orders =
    event === null || isOrderEvent(event as WebhookEvent)
      ? (criteria.orders ?? []).filter((found) => ofShop(found) && rawBodyHasOrder(body, found.innerId))
      : [];
  const subscribers = newsletter
    ? (criteria.subscribers ?? []).filter((found) => ofShop(found) && rawBodyHasSubscriber(body, found.id))
    : [];
  if (orders.length === 0 && subscribers.length === 0) return null;
  return {
    ...(orders.length === 0 ? {} : { orders: [...new Set(orders.map((found) => found.innerId))] }),
    ...(subscribers.length === 0 ? {} : { subscribers: [...new Set(subscribers.map((found) => found.id))] }),
  };
}

/** The spool files (waiting, and moved aside as unreadable) that hold the person's data. */
export async function findInSpool(dir: string, criteria: SpoolCriteria): Promise<SpoolMatch[]> {
  const found: SpoolMatch[] = [];
  for (const name of await namesIn(dir)) {
    if (!name.endsWith(SPOOL_FILE_SUFFIX)) continue;
    const file = await readFile(join(dir, name)).catch(() => null);
    if (file === null) continue; // drained meanwhile
    let entry: ReturnType<typeof decodeSpoolFile> | null = null;
    try {
      entry = decodeSpoolFile(file);
    } catch {
      // the drainer moves it aside; its bytes are searched as they are
    }
    const { shop, event, id, body } =
      entry === null
        ? { shop: null, event: null, id: name, body: file }
        : {
            shop: entry.delivery.shop,
            event: entry.delivery.event,
            id: entry.delivery.id,
            body: entry.delivery.rawBody,
          };
    const match = matches(criteria, shop, event, body);
    if (match !== null) found.push({ id, shop, event, unreadable: false, ...match });
  }
  const aside = join(dir, UNREADABLE_DIR);
  for (const name of await namesIn(aside)) {
    const file = await readFile(join(aside, name)).catch(() => null);
    if (file === null) continue;
    const match = matches(criteria, null, null, file);
    if (match !== null) found.push({ id: name, shop: null, event: null, unreadable: true, ...match });
  }
  return found;
}

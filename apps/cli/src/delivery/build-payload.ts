import type { DeliveryPayload } from '@srhooks/contracts';
import { projectItem } from '@srhooks/contracts/catalogue';
import { isOrderEvent, type WebhookEvent } from '@srhooks/contracts/events';
import { samplePayload } from '@srhooks/contracts/samples';
import { usageError } from '../cli-error.js';
import { readInputFile } from '../input-file.js';
import { parseJsonInput } from '../json-input.js';

export interface PayloadSource {
  event: WebhookEvent;
  /** A JSON file: a whole envelope, one item, or a list of items. */
  dataFile?: string;
  /** Seed of the built-in sample (ignored with `dataFile`). */
  seed: string;
  /** Selected fields: every item is cut down to them, as the shop does for a subscription with `fields`. */
  fields?: string[];
}

export interface BuiltPayload {
  payload: DeliveryPayload;
  items: number;
}

type Item = Record<string, unknown>;

function isItem(value: unknown): value is Item {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

async function readJsonFile(path: string): Promise<unknown> {
  const text = await readInputFile(
    `--data ${path}`,
    path,
    'check the path, or leave --data out to send the built-in sample',
  );
  return parseJsonInput(text, {
    source: `--data ${path}`,
    hint: 'or leave --data out to send the built-in sample',
  });
}

/** The fix of a --data file whose JSON is no payload, as for one that is not JSON. */
const FIX_FILE = 'fix the file, or leave --data out to send the built-in sample';

/** The items of a file: `{orders:{order:[…]}}` / `{newsletter:{subscriber:[…]}}`, `[item, …]` or `item`. */
function itemsOf(event: WebhookEvent, document: unknown, path: string): Item[] {
  const order = isOrderEvent(event);
  const [outer, inner] = order ? ['orders', 'order'] : ['newsletter', 'subscriber'];
  if (isItem(document) && outer in document) {
    const wrapper = document[outer];
    const list = isItem(wrapper) ? wrapper[inner] : undefined;
    const items = Array.isArray(list) ? list : isItem(list) ? [list] : undefined;
    if (!items?.every(isItem)) {
      throw usageError(`--data ${path}: expected {"${outer}":{"${inner}":[{…}]}} for ${event}`, FIX_FILE);
    }
    return items;
  }
  const wrongOuter = order ? 'newsletter' : 'orders';
  if (isItem(document) && wrongOuter in document) {
    throw usageError(
      `--data ${path} holds ${wrongOuter === 'orders' ? 'an order' : 'a newsletter'} payload, but ${event} delivers ${outer}`,
      order
        ? 'send it as a newsletter event (newsletter_subscribe, newsletter_unsubscribe, newsletter_update_subscriber), or give a file of orders ({"orders":{"order":[…]}})'
        : 'send it as an order event (order_confirm, order_status_change, abandoned_cart), or give a file of subscribers ({"newsletter":{"subscriber":[…]}})',
    );
  }
  if (Array.isArray(document) && document.length > 0 && document.every(isItem)) return document;
  if (isItem(document)) return [document];
  throw usageError(
    `--data ${path}: expected a payload envelope, one ${inner} object or a list of them`,
    FIX_FILE,
  );
}

/** The payload `trigger` sends: the built-in sample or the file's items, projected onto `fields`. */
export async function buildPayload(source: PayloadSource): Promise<BuiltPayload> {
  const { event } = source;
  let items: Item[];
  if (source.dataFile) {
    items = itemsOf(event, await readJsonFile(source.dataFile), source.dataFile);
  } else {
    const sample = samplePayload(event, source.seed) as unknown as Item;
    items = itemsOf(event, sample, 'sample');
  }
  if (source.fields && source.fields.length > 0) {
    const fields = source.fields;
    items = items.map((item) => projectItem(event, item, fields));
  }
  const payload = (
    isOrderEvent(event) ? { orders: { order: items } } : { newsletter: { subscriber: items } }
  ) as DeliveryPayload;
  return { payload, items: items.length };
}

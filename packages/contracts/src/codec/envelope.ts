/** The top-level shape every delivery must have, per event kind (shared FACTS.md §4). */
import { type DeliveryFormat, isOrderEvent, type WebhookEvent } from '../events.js';

export interface EnvelopeKeys {
  /** `orders` or `newsletter`. */
  readonly root: 'orders' | 'newsletter';
  /** `order` or `subscriber`. */
  readonly list: 'order' | 'subscriber';
}

export const ORDERS_ENVELOPE: EnvelopeKeys = { root: 'orders', list: 'order' };
export const NEWSLETTER_ENVELOPE: EnvelopeKeys = { root: 'newsletter', list: 'subscriber' };

export function envelopeKeysFor(event: WebhookEvent): EnvelopeKeys {
  return isOrderEvent(event) ? ORDERS_ENVELOPE : NEWSLETTER_ENVELOPE;
}

function expectedShape(keys: EnvelopeKeys, format: DeliveryFormat): string {
  return format === 'xml'
    ? `<${keys.root}><${keys.list}>…</${keys.list}></${keys.root}>`
    : `{"${keys.root}":{"${keys.list}":[…]}}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A key as a message names it: what the sender sent, so cut like the codec's other quotes of it. */
const KEY_SHOWN = 40;

/**
 * What the document is, for a message: at most 8 keys of at most 40 characters each, so a message never
 * carries a body (a single 2 MB key was named whole, in the 400 and in every view of the delivery). Each
 * key is quoted as JSON: a key is the sender's text (a form post's field name can be a name or an
 * e-mail), and a masked view hides quoted text.
 */
function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') {
    const keys = Object.keys(value)
      .slice(0, 8)
      .map((key) => JSON.stringify(key.length > KEY_SHOWN ? `${key.slice(0, KEY_SHOWN)}…` : key));
    return keys.length === 0 ? 'an empty object' : `an object with keys ${keys.join(', ')}`;
  }
  return `a ${typeof value}`;
}

export interface EnvelopeProblem {
  readonly message: string;
  /** What was found instead (key names or a type), for the error's `value`. */
  readonly found: unknown;
}

/**
 * `null` when `document` has the envelope of `event`'s kind; otherwise what is wrong. The list
 * itself may be a list, a single object (one item), `null` or `""` (no items).
 */
export function envelopeShapeOf(
  event: WebhookEvent,
  document: unknown,
  format: DeliveryFormat,
): EnvelopeProblem | null {
  const keys = envelopeKeysFor(event);
  // The common case first, without building any message.
  if (isPlainObject(document) && Object.hasOwn(document, keys.root)) {
    const container = document[keys.root];
    if (isPlainObject(container) && Object.hasOwn(container, keys.list)) {
      const list = container[keys.list];
      if (list === null || list === '' || Array.isArray(list) || isPlainObject(list)) return null;
    }
  }
  return envelopeProblem(event, keys, document, format);
}

/** What is wrong with a document that does not have the envelope. */
function envelopeProblem(
  event: WebhookEvent,
  keys: EnvelopeKeys,
  document: unknown,
  format: DeliveryFormat,
): EnvelopeProblem | null {
  const other = keys === ORDERS_ENVELOPE ? NEWSLETTER_ENVELOPE : ORDERS_ENVELOPE;
  const expected = expectedShape(keys, format);
  if (!isPlainObject(document)) {
    return {
      message: `Event ${event} expects ${expected}, got ${describe(document)}.`,
      found: describe(document),
    };
  }
  const rootKeys = Object.keys(document);
  if (!Object.hasOwn(document, keys.root)) {
    if (Object.hasOwn(document, other.root)) {
      return {
        message:
          `This is ${other === ORDERS_ENVELOPE ? 'an order' : 'a newsletter'} delivery (${expectedShape(other, format)}) but event ${event} expects ${expected}; ` +
          'check that the webhook URL was registered for the right event.',
        found: rootKeys,
      };
    }
    return {
      message: `Event ${event} expects ${expected}, got ${describe(document)}.`,
      found: rootKeys,
    };
  }
  const container = document[keys.root];
  if (!isPlainObject(container) || !Object.hasOwn(container, keys.list)) {
    return {
      message: `Event ${event} expects ${expected}, but "${keys.root}" is ${describe(container)}.`,
      found: isPlainObject(container) ? Object.keys(container) : describe(container),
    };
  }
  const list = container[keys.list];
  if (list === null || list === '' || Array.isArray(list) || isPlainObject(list)) return null;
  return {
    message: `Event ${event} expects ${expected}, but "${keys.root}.${keys.list}" is ${describe(list)}.`,
    found: describe(list),
  };
}

/**
 * The fast path must give exactly zod's result (same values, same key order, same keys present with
 * `undefined`), and must never give a result where zod reports an error. Checked on the captured
 * deliveries, the shared API fixtures, generated samples (JSON and XML), and thousands of seeded
 * mutations of them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { WEBHOOK_EVENTS, type WebhookEvent } from '../events.js';
import { samplePayload } from '../samples/index.js';
import { seededRandom } from '../samples/seeded-random.js';
import { BatchResponseSchema } from '../schemas/batch.js';
import {
  NewsletterEnvelopeSchema,
  OrderItemSchema,
  OrderProductSchema,
  OrdersEnvelopeSchema,
  SubscriberSchema,
} from '../schemas/delivery.js';
import { LooseNumberSchema, LooseStringSchema } from '../schemas/loose.js';
import { OrderSchema } from '../schemas/order.js';
import { WebhookCollectionSchema, WebhookRawSchema, WebhookResponseSchema } from '../schemas/webhook.js';
import { decodeDelivery } from './decode-delivery.js';
import { encodeDelivery } from './encode-delivery.js';
import { compileFastParse } from './fast-schema-parse.js';
import { readCapturedRequest, readSamplePayload } from './test-support/captured-deliveries.js';
import { readXmlDocument } from './xml.js';

const FIXTURES = new URL('../../fixtures/shoprenter/api/', import.meta.url);

/** A description that differs whenever values, key order, or keys present with `undefined` differ. */
function exact(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item === undefined) return '<undefined>';
    if (typeof item === 'number' && !Number.isFinite(item)) return `<number ${item}>`;
    if (Object.is(item, -0)) return '<-0>';
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
      // Own keys in order, including `__proto__` and keys holding undefined (JSON.stringify keeps both),
      // and the prototype (an assignment to "__proto__" would replace it).
      const entries = Object.keys(item).map((key) => [` ${key}`, (item as Record<string, unknown>)[key]]);
      const prototype = Object.getPrototypeOf(item) === Object.prototype ? 'Object' : 'other';
      return Object.fromEntries([['<prototype>', prototype], ...entries]);
    }
    return item;
  });
}

/** Runs both; returns what happened, failing the test on any disagreement. */
function compare(
  schema: z.ZodType,
  fast: ReturnType<typeof compileFastParse>,
  input: unknown,
  label: string,
) {
  const reference = schema.safeParse(input);
  const quick = fast(input);
  if (!reference.success) {
    expect(quick, `${label}: the fast path returned a value zod refuses`).toBeNull();
    return 'refused';
  }
  if (quick === null) return 'fell back';
  expect(exact(quick.value), label).toBe(exact(reference.data));
  return 'same';
}

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

function readJson(url: URL): unknown {
  return JSON.parse(readFileSync(url, 'utf8'));
}

/** A sample delivery document as the wire carries it: PHP's JSON, and XML read back as our reader does. */
function wireTrees(event: WebhookEvent, seed: number): unknown[] {
  const payload = samplePayload(event, seed);
  const json = encodeDelivery(event, payload, { format: 'json' });
  const xml = encodeDelivery(event, payload, { format: 'xml' });
  const dataOf = (body: Buffer) => {
    const text = body.toString('utf8');
    return text.slice(text.indexOf('\r\n\r\n') + 4, text.lastIndexOf('\r\n--'));
  };
  return [
    payload,
    JSON.parse(dataOf(json.body)),
    readXmlDocument(dataOf(xml.body).trimStart(), { maxDepth: 64 }),
  ];
}

/** Values a mutation puts somewhere: every JSON type, numeric strings, PHP and XML quirks. */
const REPLACEMENTS: readonly unknown[] = [
  null,
  '',
  ' ',
  'abc',
  '12',
  ' 12 ',
  '27,5',
  '-0',
  '1e3',
  '0x10',
  'Infinity',
  'NaN',
  0,
  -0,
  1.5,
  -42,
  1e21,
  Number.POSITIVE_INFINITY,
  Number.NaN,
  true,
  false,
  [],
  [1, 'a'],
  [null],
  {},
  { unit: 'kg' },
  { nested: { deeper: ['x'] } },
  JSON.parse('{"__proto__": {"polluted": true}, "x": 1}'),
];

type Path = Array<string | number>;

/** Every path to a value inside `tree` (root excluded). */
function paths(tree: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (tree !== null && typeof tree === 'object') {
    for (const [key, child] of Object.entries(tree)) {
      const path = [...prefix, Array.isArray(tree) ? Number(key) : key];
      out.push(path);
      paths(child, path, out);
    }
  }
  return out;
}

/** A copy of `tree` with one seeded change at a seeded place. */
function mutate(tree: unknown, seed: string): unknown {
  const random = seededRandom(seed);
  const copy = structuredClone(tree);
  const all = paths(copy);
  if (all.length === 0) return random.pick(REPLACEMENTS);
  const path = random.pick(all);
  let parent = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const key = path.at(-1) as string | number;
  const current = parent[key];
  switch (random.int(0, 6)) {
    case 0:
      delete parent[key];
      break;
    case 1: // a list that arrives as its single item, or an item that arrives as a list
      parent[key] = Array.isArray(current) ? current[0] : [current];
      break;
    case 2: // an unknown key next to the known ones
      if (!Array.isArray(parent)) parent[`extra_${random.int(0, 99)}`] = random.pick(REPLACEMENTS);
      break;
    case 3: // a number sent as a string, or the other way round
      parent[key] =
        typeof current === 'number'
          ? String(current)
          : typeof current === 'string'
            ? Number(current)
            : current;
      break;
    case 4: // an own "__proto__" key, as JSON.parse makes it
      if (!Array.isArray(parent))
        Object.defineProperty(parent, '__proto__', {
          value: random.pick(REPLACEMENTS),
          enumerable: true,
          configurable: true,
          writable: true,
        });
      break;
    default:
      parent[key] = structuredClone(random.pick(REPLACEMENTS));
  }
  return copy;
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

const ORDERS = compileFastParse(OrdersEnvelopeSchema);
const NEWSLETTER = compileFastParse(NewsletterEnvelopeSchema);

describe('compileFastParse', () => {
  it('gives zod’s exact result for the captured deliveries, without falling back', () => {
    const order = readSamplePayload('order_confirm.json');
    const subscriber = readSamplePayload('newsletter_subscribe.json');
    expect(compare(OrdersEnvelopeSchema, ORDERS, order, 'order_confirm.json')).toBe('same');
    expect(compare(NewsletterEnvelopeSchema, NEWSLETTER, subscriber, 'newsletter_subscribe.json')).toBe(
      'same',
    );
  });

  it('gives zod’s exact result for generated samples of every event, as JSON and as XML', () => {
    for (const event of WEBHOOK_EVENTS) {
      const [schema, fast] = event.startsWith('newsletter')
        ? [NewsletterEnvelopeSchema, NEWSLETTER]
        : [OrdersEnvelopeSchema, ORDERS];
      for (let seed = 1; seed <= 25; seed++) {
        for (const tree of wireTrees(event, seed)) {
          expect(compare(schema, fast, tree, `${event} #${seed}`)).toBe('same');
        }
      }
    }
  });

  it('agrees with zod on thousands of mutated deliveries: same result, or no result where zod refuses', () => {
    const bases = [
      { schema: OrdersEnvelopeSchema, fast: ORDERS, tree: readSamplePayload('order_confirm.json') },
      {
        schema: NewsletterEnvelopeSchema,
        fast: NEWSLETTER,
        tree: readSamplePayload('newsletter_subscribe.json'),
      },
      ...wireTrees('order_status_change', 7).map((tree) => ({
        schema: OrdersEnvelopeSchema,
        fast: ORDERS,
        tree,
      })),
      ...wireTrees('newsletter_unsubscribe', 3).map((tree) => ({
        schema: NewsletterEnvelopeSchema,
        fast: NEWSLETTER,
        tree,
      })),
    ];
    const tally = { same: 0, refused: 0, 'fell back': 0 };
    for (const [index, { schema, fast, tree }] of bases.entries()) {
      for (let round = 0; round < 600; round++) {
        // One to three changes on top of each other.
        let input = tree;
        const changes = 1 + (round % 3);
        for (let change = 0; change < changes; change++) input = mutate(input, `${index}:${round}:${change}`);
        tally[compare(schema, fast, input, `base ${index}, round ${round}`)] += 1;
      }
    }
    // Both outcomes are exercised: most mutations stay valid (loose schemas), many do not.
    expect(tally.same).toBeGreaterThan(1000);
    expect(tally.refused).toBeGreaterThan(100);
  });

  it('agrees with zod on the item schemas and the loose building blocks, one value at a time', () => {
    const order = (readSamplePayload('order_confirm.json') as { orders: { order: unknown[] } }).orders
      .order[0];
    const cases: Array<[string, z.ZodType, unknown]> = [
      ['OrderItemSchema', OrderItemSchema, order],
      [
        'OrderProductSchema',
        OrderProductSchema,
        (order as { orderProducts: { orderProduct: unknown[] } }).orderProducts.orderProduct[0],
      ],
      [
        'SubscriberSchema',
        SubscriberSchema,
        (readSamplePayload('newsletter_subscribe.json') as { newsletter: { subscriber: unknown[] } })
          .newsletter.subscriber[0],
      ],
    ];
    for (const [name, schema, tree] of cases) {
      const fast = compileFastParse(schema);
      expect(compare(schema, fast, tree, name)).toBe('same');
      for (let round = 0; round < 300; round++)
        compare(schema, fast, mutate(tree, `${name}:${round}`), `${name} #${round}`);
    }
    for (const schema of [LooseNumberSchema, LooseStringSchema]) {
      const fast = compileFastParse(schema);
      for (const value of [...REPLACEMENTS, undefined, '  7,25 ', '1.5e3', '12abc', 'kg']) {
        compare(schema, fast, value, `${String(value)}`);
      }
    }
  });

  it('agrees with zod on other contracts schemas and the shared API fixtures (transforms, strict objects)', () => {
    const cases: Array<[string, z.ZodType, string]> = [
      ['OrderSchema', OrderSchema, 'order/response_json_get_id.json'],
      ['WebhookRawSchema', WebhookRawSchema, 'webhook/response_json_get_id.json'],
      ['WebhookResponseSchema', WebhookResponseSchema, 'webhook/response_json_get_id.json'],
      ['WebhookCollectionSchema', WebhookCollectionSchema, 'webhook/response_json_get_page.json'],
      ['BatchResponseSchema', BatchResponseSchema, 'webhook/response_json_get_page.json'],
    ];
    for (const [name, schema, fixture] of cases) {
      const tree = readJson(new URL(fixture, FIXTURES));
      const fast = compileFastParse(schema);
      compare(schema, fast, tree, name);
      for (let round = 0; round < 200; round++)
        compare(schema, fast, mutate(tree, `${name}:${round}`), `${name} #${round}`);
    }
  });
});

describe('decodeDelivery with the fast path', () => {
  it('returns what zod makes of the document, for the captured multipart delivery', () => {
    const { headers, body } = readCapturedRequest('order_confirm.multipart.http');
    const decoded = decodeDelivery({ event: 'order_confirm', contentType: headers['content-type'], body });
    const reference = OrdersEnvelopeSchema.parse(JSON.parse(decoded.data));
    expect(exact(decoded.orders)).toBe(exact(reference.orders.order));
  });

  it('still reports zod’s error, path and value when a field is wrong', () => {
    const order = readSamplePayload('order_confirm.json') as {
      orders: { order: Array<Record<string, unknown>> };
    };
    const broken = structuredClone(order);
    (broken.orders.order[0] as Record<string, unknown>).totalGross = 'lots';
    expect(() =>
      decodeDelivery({
        event: 'order_confirm',
        contentType: 'application/json',
        body: JSON.stringify(broken),
      }),
    ).toThrow(
      expect.objectContaining({ code: 'invalid_field', path: 'orders.order[0].totalGross', value: 'lots' }),
    );
  });
});

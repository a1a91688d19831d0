import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { FIELD_CATALOGUE } from './catalogue/index.js';
import { DELAY_UNITS, NEWSLETTER_EVENTS, ORDER_EVENTS, WEBHOOK_EVENTS } from './events.js';
import {
  ApiErrorBodySchema,
  BatchRequestSchema,
  BatchResponseSchema,
  CurrencySchema,
  INNER_ERROR_CODES,
  isDocumentedErrorText,
  OrderProductCollectionSchema,
  TokenErrorBodySchema,
  TokenRequestSchema,
  TokenResponseSchema,
  WebhookCollectionSchema,
  WebhookInputSchema,
  WebhookRawSchema,
  WebhookUpdateInputSchema,
} from './schemas/index.js';
import { readFixtureJson } from './test-support/shoprenter-fixtures.js';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const openapiFile = fileURLToPath(new URL('../openapi/shoprenter.yaml', import.meta.url));
const redocly = fileURLToPath(new URL('../node_modules/.bin/redocly', import.meta.url));

// A loosely typed view of the parsed document; each test asserts the parts it reads.
// biome-ignore lint/suspicious/noExplicitAny: walking an arbitrary parsed YAML tree
type Node = any;

let doc: Node;
let tmpDir: string;

beforeAll(async () => {
  doc = parse(await readFile(openapiFile, 'utf8'));
  tmpDir = await mkdtemp(join(tmpdir(), 'srhooks-openapi-'));
});

afterAll(async () => {
  await rm(tmpDir, { recursive: true, force: true });
});

/** Follows one local `$ref` (`#/components/...`). */
function deref(node: Node): Node {
  if (node && typeof node.$ref === 'string') {
    const ref: string = node.$ref;
    if (!ref.startsWith('#/')) throw new Error(`only local $refs are expected, got ${ref}`);
    return deref(
      ref
        .slice(2)
        .split('/')
        .reduce((current: Node, key) => current?.[key], doc),
    );
  }
  return node;
}

function schema(name: string): Node {
  const found = doc.components.schemas[name];
  if (!found) throw new Error(`components.schemas.${name} is missing`);
  return found;
}

/** The schema of property `key` of an object schema, looking through `$ref`s and array `items`. */
function property(node: Node, key: string): Node {
  let current = deref(node);
  if (current?.type === 'array') current = deref(current.items);
  return current?.properties?.[key];
}

function operation(path: string, method: string): Node {
  const op = doc.paths[path]?.[method];
  if (!op) throw new Error(`${method.toUpperCase()} ${path} is missing`);
  return op;
}

function statusCodes(op: Node): string[] {
  return Object.keys(op.responses).sort();
}

function jsonExample(mediaParent: Node): unknown {
  return deref(mediaParent).content['application/json'].example;
}

async function lint(file: string): Promise<{ code: number; output: string }> {
  const env = {
    ...process.env,
    REDOCLY_TELEMETRY: 'off',
    REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
    NO_COLOR: '1',
  };
  try {
    const { stdout, stderr } = await run(redocly, ['lint', file], { cwd: packageDir, env });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: (failed.stdout ?? '') + (failed.stderr ?? '') };
  }
}

describe('openapi/shoprenter.yaml: structure', () => {
  test('is OpenAPI 3.1 with the API2 and legacy servers, both with a {shop} variable', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.servers.map((server: Node) => server.url)).toEqual([
      'https://{shop}.api2.myshoprenter.hu/api',
      'https://{shop}.api.myshoprenter.hu',
    ]);
    for (const server of doc.servers) expect(server.variables.shop.default).toBe('demo');
  });

  test('has exactly the operations srhooks uses', () => {
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item as object)
        .filter((key) => ['get', 'put', 'post', 'delete', 'patch'].includes(key))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        'POST /{shop}/app/token',
        'GET /webHooks',
        'POST /webHooks',
        'POST /webHooks/{id}',
        'GET /webHooks/{id}',
        'PUT /webHooks/{id}',
        'DELETE /webHooks/{id}',
        'GET /orders/{id}',
        'GET /orders',
        'GET /orderHistories',
        'GET /orderProducts',
        'GET /currencies/{id}',
        'GET /newsletterSubscribers',
        'POST /batch',
      ].sort(),
    );
  });

  test('the token endpoint lives on the OAuth server, needs no auth and documents 200/400/401', () => {
    expect(doc.paths['/{shop}/app/token'].servers.map((server: Node) => server.url)).toEqual([
      'https://oauth.app.shoprenter.net',
    ]);
    const op = operation('/{shop}/app/token', 'post');
    expect(op.security).toEqual([]);
    expect(statusCodes(op)).toEqual(['200', '400', '401']);
    expect(TokenRequestSchema.parse(op.requestBody.content['application/json'].example)).toMatchObject({
      grant_type: 'client_credentials',
    });
    expect(TokenResponseSchema.parse(jsonExample(op.responses['200']))).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3600,
    });
    expect(TokenErrorBodySchema.parse(jsonExample(op.responses['401'])).error).toBe('invalid_client');
    const badRequest = TokenErrorBodySchema.parse(jsonExample(op.responses['400']));
    expect(badRequest.error).toBe('invalid_request');
    expect(badRequest.hint).toBe('Check the `client_id` parameter');
  });

  test('webHooks: documented status codes of each operation', () => {
    expect(statusCodes(operation('/webHooks', 'post'))).toEqual(
      ['200', '201', '400', '401', '403', '409', '429', '500', '503', '504'].sort(),
    );
    for (const method of ['put', 'post']) {
      expect(statusCodes(operation('/webHooks/{id}', method))).toEqual(
        ['200', '201', '400', '401', '403', '404', '409', '429', '500', '503', '504'].sort(),
      );
    }
    const deleteCodes = statusCodes(operation('/webHooks/{id}', 'delete'));
    expect(deleteCodes).toContain('204');
    expect(deleteCodes).toContain('404');
    expect(deleteCodes.filter((code) => code.startsWith('2'))).toEqual(['204']);
    expect(statusCodes(operation('/webHooks/{id}', 'get'))).toContain('404');
  });

  test('webHooks collection: page >= 0, limit 1..200 default 25, full 0/1', () => {
    const params = Object.fromEntries(
      operation('/webHooks', 'get').parameters.map((param: Node) => [param.name, param]),
    );
    expect(Object.keys(params).sort()).toEqual(['full', 'limit', 'page']);
    expect(params.page.schema).toMatchObject({ type: 'integer', minimum: 0, default: 0 });
    expect(params.limit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 200, default: 25 });
    expect(params.full.schema).toMatchObject({ type: 'integer', enum: [0, 1], default: 0 });
  });

  test('scopes: webHooks read/write, orders read; legacy basic auth as the alternative', () => {
    const scopes = (path: string, method: string) => operation(path, method).security;
    expect(scopes('/webHooks', 'get')).toEqual([
      { bearerAuth: ['store.webhook:read'] },
      { legacyBasicAuth: [] },
    ]);
    expect(scopes('/webHooks/{id}', 'get')).toEqual([
      { bearerAuth: ['store.webhook:read'] },
      { legacyBasicAuth: [] },
    ]);
    for (const [path, method] of [
      ['/webHooks', 'post'],
      ['/webHooks/{id}', 'post'],
      ['/webHooks/{id}', 'put'],
      ['/webHooks/{id}', 'delete'],
    ] as const) {
      expect(scopes(path, method)).toEqual([
        { bearerAuth: ['store.webhook:write'] },
        { legacyBasicAuth: [] },
      ]);
    }
    // `/orderProducts`: assumed order.order:read (A52; the scope table does not list the resource).
    for (const path of ['/orders/{id}', '/orders', '/orderHistories', '/orderProducts']) {
      expect(scopes(path, 'get')).toEqual([{ bearerAuth: ['order.order:read'] }, { legacyBasicAuth: [] }]);
    }
    // Batch: scopes apply per inner request, so the call itself asks for none (any valid token).
    expect(scopes('/batch', 'post')).toEqual([{ bearerAuth: [] }, { legacyBasicAuth: [] }]);
    expect(operation('/batch', 'post').description.replace(/\s+/g, ' ')).toContain(
      'each inner request needs the scope of the resource and method it touches',
    );
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    expect(doc.components.securitySchemes.legacyBasicAuth).toMatchObject({ type: 'http', scheme: 'basic' });
  });

  test('every API error status has a response with the error body (message, inner code optional)', () => {
    const responses = doc.components.responses;
    const byStatus: Record<string, string> = {
      400: 'BadRequest',
      401: 'Unauthorized',
      403: 'Forbidden',
      404: 'NotFound',
      409: 'Conflict',
      429: 'TooManyRequests',
      500: 'InternalServerError',
      503: 'ServiceUnavailable',
      504: 'GatewayTimeout',
    };
    for (const name of Object.values(byStatus)) {
      expect(responses[name].content['application/json'].schema.$ref, name).toBe(
        '#/components/schemas/ApiErrorBody',
      );
    }
    const used = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      if (path === '/{shop}/app/token') continue;
      for (const [method, op] of Object.entries(item as Record<string, Node>)) {
        if (!['get', 'put', 'post', 'delete'].includes(method)) continue;
        for (const [status, response] of Object.entries(op.responses as Record<string, Node>)) {
          const name = byStatus[status];
          if (name === undefined) continue;
          used.add(status);
          expect(response.$ref, `${method} ${path} ${status}`).toBe(`#/components/responses/${name}`);
        }
      }
    }
    expect([...used].sort()).toEqual(Object.keys(byStatus).sort());
    // The documented body is message-only; `error` (the inner code) is the assumption.
    expect(schema('ApiErrorBody').required).toEqual(['message']);
  });

  test('InnerErrorCode lists every documented inner code with its documented texts', () => {
    const inner = schema('InnerErrorCode');
    const documented = Object.keys(INNER_ERROR_CODES).map(Number);
    expect(inner.type).toBe('integer');
    expect([...inner.enum].sort()).toEqual([...documented].sort());
    expect([...inner.enum].sort()).toEqual(
      [
        40001, 40002, 40003, 40004, 40005, 40006, 40007, 40008, 40009, 40010, 40011, 40012, 40013, 40014,
        40015, 40016, 40017, 40018, 40021, 40022, 40023, 40024, 40025, 40032, 40033, 40101, 40401, 40901,
      ].sort(),
    );
    expect(Object.keys(inner['x-enumDescriptions']).map(Number).sort()).toEqual([...documented].sort());
    for (const [code, { status, texts }] of Object.entries(INNER_ERROR_CODES)) {
      for (const text of texts) expect(inner.description).toContain(`| ${code} | ${status} | ${text} |`);
      expect(inner['x-enumDescriptions'][code]).toBe(texts.join(' / '));
    }
  });

  test('order total: the API order says gross, the delivery says net (documented, both)', () => {
    expect(schema('Order').properties.total.description).toMatch(/^Gross total/);
    expect(schema('Order').properties.total.description).toContain('"Order gross price"');
    expect(operation('/webHooks/{id}', 'put').summary).toBe('Modify a webhook subscription');
    expect(operation('/webHooks/{id}', 'put').description).toMatch(/^Modification only/);
    expect(doc.components.parameters.EmptyBody.description).toContain('`[]`');
    expect(schema('WebhookInput').properties.id.$ref).toBe('#/components/schemas/OuterId');
    expect(schema('BatchRequest').properties.data.properties.requests.maxItems).toBeUndefined();
  });

  test('enumerations agree with the runtime lists', () => {
    expect(schema('WebhookEvent').enum).toEqual([...WEBHOOK_EVENTS]);
    expect(schema('DelayUnit').enum).toEqual([...DELAY_UNITS]);
    expect(schema('WebhookStatus').enum).toEqual(['0', '1']);
  });
});

describe('openapi/shoprenter.yaml: examples parse with the zod schemas', () => {
  test('webHooks item, collection, POST and PUT bodies', () => {
    const item = WebhookRawSchema.parse(jsonExample(doc.components.responses.WebhookItem));
    expect(item.webHookParameters).toHaveLength(1);
    expect(item.webHookParameters[0]?.fields).toHaveLength(6);
    expect(item.webHookDelay).toEqual([expect.objectContaining({ delay: 10, delayUnit: 'day' })]);
    const page = WebhookCollectionSchema.parse(jsonExample(operation('/webHooks', 'get').responses['200']));
    expect(page.page).toBe(0);
    expect(page.items).toHaveLength(2);
    expect(WebhookInputSchema.parse(jsonExample(doc.components.requestBodies.WebhookInput)).status).toBe('1');
    expect(
      WebhookUpdateInputSchema.parse(jsonExample(doc.components.requestBodies.WebhookUpdateInput)),
    ).toEqual({
      status: '0',
    });
  });

  test('orderProducts page (assumed item fields, A52)', () => {
    const page = OrderProductCollectionSchema.parse(
      jsonExample(operation('/orderProducts', 'get').responses['200']),
    );
    expect(page.items).toEqual([
      expect.objectContaining({ innerId: '608', sku: '996000004', price: 945, quantity: 1, currency: 'HUF' }),
    ]);
  });

  test('currency (assumed code field, A53)', () => {
    const currency = CurrencySchema.parse(jsonExample(operation('/currencies/{id}', 'get').responses['200']));
    expect(currency).toMatchObject({ id: 'Y3VycmVuY3ktY3VycmVuY3lfaWQ9NA==', code: 'HUF' });
  });

  test('batch request and answer, API errors', () => {
    const batch = operation('/batch', 'post');
    expect(
      BatchRequestSchema.parse(batch.requestBody.content['application/json'].example).data.requests,
    ).toHaveLength(3);
    const answer = BatchResponseSchema.parse(jsonExample(batch.responses['200']));
    expect(answer.requests.request.map((inner) => inner.response.header.statusCode)).toEqual([200, 204, 404]);
    // The documented message-only body of an inner request to a URI that names no resource.
    expect(answer.requests.request[2]?.response.body).toEqual({
      message: 'Resource matching URI "/webHook/d2ViSG9vay1ub3RpZmljYXRpb25faWQ9MTM1" not found',
    });
    for (const name of ['BadRequest', 'Unauthorized', 'NotFound']) {
      const body = ApiErrorBodySchema.parse(jsonExample(doc.components.responses[name]));
      const code = body.error as keyof typeof INNER_ERROR_CODES;
      expect(Object.keys(INNER_ERROR_CODES).map(Number)).toContain(code);
      // Every example message is one of its code's documented texts, placeholders filled in.
      expect(isDocumentedErrorText(code, body.message ?? ''), name).toBe(true);
    }
    expect(jsonExample(doc.components.responses.Forbidden)).toEqual({ message: 'Forbidden' });
  });
});

describe('openapi/shoprenter.yaml: delivery payloads', () => {
  test('the webhooks section has the six events with the envelope of their kind (and the Payment API notification)', () => {
    expect(Object.keys(doc.webhooks)).toEqual([...WEBHOOK_EVENTS, 'payment_notification']);
    const envelopeOf = (event: string) =>
      deref(doc.webhooks[event].post.requestBody).content['application/json'].schema.$ref;
    for (const event of ORDER_EVENTS) expect(envelopeOf(event)).toBe('#/components/schemas/OrdersEnvelope');
    for (const event of NEWSLETTER_EVENTS)
      expect(envelopeOf(event)).toBe('#/components/schemas/NewsletterEnvelope');
  });

  test('the wire form is multipart/form-data with one required field `data`', () => {
    for (const event of WEBHOOK_EVENTS) {
      const multipart = deref(doc.webhooks[event].post.requestBody).content['multipart/form-data'];
      const form = deref(multipart.schema);
      expect(form.required).toEqual(['data']);
      expect(Object.keys(form.properties)).toEqual(['data']);
      expect(form.properties.data.type).toBe('string');
      expect(multipart.encoding.data.contentType).toBe('application/json, application/xml');
    }
  });

  test('OrderItem documents every field of the captured order_confirm delivery', () => {
    const delivery = readFixtureJson<Node>('deliveries/order_confirm.json');
    const order = delivery.orders.order[0];
    const item = schema('OrderItem');
    expect(item.additionalProperties).toBe(true);
    const missing: string[] = [];
    const check = (value: Node, node: Node, path: string) => {
      for (const [key, child] of Object.entries(value)) {
        const childSchema = property(node, key);
        if (!childSchema) {
          missing.push(`${path}${key}`);
          continue;
        }
        const nested = Array.isArray(child) ? child[0] : child;
        if (nested && typeof nested === 'object') check(nested, childSchema, `${path}${key}.`);
      }
    };
    check(order, item, '');
    expect(missing).toEqual([]);
    expect(Object.keys(order).length).toBeGreaterThan(40);
  });

  test('loose values: numbers, numeric strings and null are all allowed where the shop mixes them', () => {
    expect(schema('LooseNumber').type).toEqual(['string', 'number', 'null']);
    expect(schema('LooseValue').type).toEqual(['string', 'number', 'null']);
    expect(property(schema('OrderItem'), 'shippingNetPrice').$ref).toBe('#/components/schemas/LooseNumber');
    expect(property(schema('OrderItem'), 'couponGrossPrice').$ref).toBe('#/components/schemas/LooseNumber');
    expect(property(schema('OrderProduct'), 'taxRate').$ref).toBe('#/components/schemas/LooseNumber');
  });

  test('Subscriber documents every field of the captured newsletter delivery', () => {
    const delivery = readFixtureJson<Node>('deliveries/newsletter_subscribe.json');
    const subscriber = delivery.newsletter.subscriber[0];
    const documented = Object.keys(schema('Subscriber').properties);
    expect(Object.keys(subscriber).filter((key) => !documented.includes(key))).toEqual([]);
    expect(schema('Subscriber').additionalProperties).toBe(true);
  });

  test('every selectable field of the catalogue lands on a documented payload property', () => {
    const unresolved = FIELD_CATALOGUE.filter((info) => {
      const root = schema(info.group === 'subscriber' ? 'Subscriber' : 'OrderItem');
      const target = info.payloadPath
        .split('.')
        .reduce(
          (node: Node, segment) => (node ? property(node, segment.replace('[]', '')) : undefined),
          root,
        );
      return target === undefined;
    }).map((info) => `${info.field} -> ${info.payloadPath}`);
    expect(FIELD_CATALOGUE).toHaveLength(106);
    expect(unresolved).toEqual([]);
  });
});

describe('redocly lint', () => {
  test('openapi/shoprenter.yaml passes with no problems (recommended-strict)', async () => {
    const result = await lint(openapiFile);
    expect(result.output).toContain('Your API description is valid');
    expect(result.code).toBe(0);
  });

  test('a broken copy fails, so the check above can fail', async () => {
    const original = await readFile(openapiFile, 'utf8');
    const broken = original.replace(
      /(\$ref: ["'])#\/components\/schemas\/OrderHistory(["'])/,
      '$1#/components/schemas/NoSuchSchema$2',
    );
    expect(broken).not.toBe(original);
    const file = join(tmpDir, 'broken.yaml');
    await writeFile(file, broken);
    const result = await lint(file);
    expect(result.code).toBe(1);
    expect(result.output).toContain('NoSuchSchema');
  });
});

import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShopRenterApiError, ShopRenterError } from './errors.js';
import { webhookRequests } from './resources/webhook-batch-requests.js';
import { DEMO_CLIENT, startTestSandbox, type TestSandbox } from './test-support/sandbox.js';

// A 2xx answer whose body is not JSON (a proxy's HTML page, a cut-off body) must be a typed
// `unexpected_response` error, like an empty 200, never a bare SyntaxError. The token comes from
// the sandbox; the API is a real HTTP server answering what the test says.

let t: TestSandbox;
let server: Server;
let answer: { contentType: string; body: string } = { contentType: 'text/html', body: '<html>hi</html>' };
let apiUrl = '';

beforeAll(async () => {
  t = await startTestSandbox({ rateLimit: false });
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': answer.contentType });
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/{shop}/api`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

function client() {
  return t.client({
    apiUrl,
    auth: { clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret },
    rateLimit: false,
    retry: { baseDelayMs: 1, maxDelayMs: 2 },
  });
}

const calls: [string, (c: ReturnType<typeof client>) => Promise<unknown>][] = [
  ['webhooks.list()', (c) => c.webhooks.list()],
  ['webhooks.get(id)', (c) => c.webhooks.get('abc')],
  [
    'webhooks.create()',
    (c) => c.webhooks.create({ event: 'order_confirm', url: 'https://hooks.example.com/x' }),
  ],
  ['webhooks.delete(id)', (c) => c.webhooks.delete('abc')],
  ['orders.search({})', (c) => c.orders.search({})],
  ['batch([...])', (c) => c.batch([webhookRequests.get('abc')])],
];

describe.each([
  ['an HTML page', 'text/html', '<html>hi</html>'],
  ['cut-off JSON', 'application/json', '{"a":'],
])('a 200 with %s', (_name, contentType, body) => {
  it.each(calls)('%s throws ShopRenterApiError unexpected_response', async (_call, run) => {
    answer = { contentType, body };
    const error = await run(client()).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ShopRenterError);
    expect(error).toBeInstanceOf(ShopRenterApiError);
    const apiError = error as ShopRenterApiError;
    expect(apiError.code).toBe('unexpected_response');
    expect(apiError.status).toBe(200);
    expect(apiError.message).toMatch(/not JSON/);
    expect(apiError.message).toContain(contentType);
    expect(apiError.message).toMatch(/API URL/);
  });
});

it('a DELETE answered 200 with an empty body still succeeds', async () => {
  answer = { contentType: 'application/json', body: '' };
  await expect(client().webhooks.delete('abc')).resolves.toBeUndefined();
});

// The XML reader is loaded only when an answer is XML (the middleware imports it then): such an
// answer is still read into the same model as its JSON form.
it('a 200 with an XML body is read as the same webhook as its JSON form', async () => {
  const fixtures = new URL('../../../packages/contracts/fixtures/shoprenter/api/webhook/', import.meta.url);
  const fixture = (name: string) => readFileSync(new URL(name, fixtures), 'utf8');
  answer = { contentType: 'application/xml; charset=utf-8', body: fixture('response_xml_get_id.xml') };
  const fromXml = await client().webhooks.get('abc');
  answer = { contentType: 'application/json', body: fixture('response_json_get_id.json') };
  const fromJson = await client().webhooks.get('abc');
  expect(fromXml).toEqual(fromJson);
  expect(fromXml.event).toBeTruthy();
});

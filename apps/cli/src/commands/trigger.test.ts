import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  decodeDelivery,
  encodeDelivery,
  encodePhpJson,
  samplePayload,
  signDeliveryUrl,
  WEBHOOK_EVENTS,
  type WebhookEvent,
} from '@srhooks/contracts';
import { freePort } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaptureServer, startCaptureServer } from '../test-support/capture-server.js';
import { runCli, tempConfigDir } from '../test-support/run-cli.js';

const config = tempConfigDir();
let server: CaptureServer;

beforeAll(async () => {
  server = await startCaptureServer((request) =>
    request.url.startsWith('/fail') ? { status: 500, body: 'store down' } : { status: 200, body: 'stored' },
  );
});
afterAll(async () => {
  await server.close();
  config.cleanup();
});

const fixture = (name: string) =>
  readFileSync(
    new URL(`../../../../packages/contracts/fixtures/shoprenter/deliveries/${name}`, import.meta.url),
    'latin1',
  );

function header(request: { rawHeaders: [string, string][] }, name: string): string | undefined {
  return request.rawHeaders.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
}

type CapturedRequest = CaptureServer['requests'][number];

/** Runs `srhooks trigger …args`, expects success, and returns the CLI's output and the request that arrived. */
async function triggerOnce(args: string[]): Promise<{ stdout: string; request: CapturedRequest }> {
  const before = server.requests.length;
  const run = await runCli(config.dir, ['trigger', ...args]);
  expect(run.code).toBe(0);
  const request = server.requests[before];
  if (!request) throw new Error('nothing arrived');
  return { stdout: run.stdout, request };
}

/** What the receiver's codec reads from a request `trigger` sent. */
function decodeSent(event: WebhookEvent, request: CapturedRequest) {
  return decodeDelivery({ event, contentType: header(request, 'content-type') ?? '', body: request.body });
}

/** The multipart body with its boundary and document replaced by placeholders. */
function frame(body: string, boundary: string, document: string): string {
  return body.replaceAll(boundary, 'BOUNDARY').replace(document, 'DOCUMENT');
}

describe('srhooks trigger', () => {
  it.each(WEBHOOK_EVENTS)('%s: sends the built-in sample exactly as ShopRenter does', async (event) => {
    const url = signDeliveryUrl(server.url, { shop: 'demo', event }, 'trigger-test-secret-0123456789');
    const { stdout, request } = await triggerOnce([event, '--to', url, '--seed', '42', '--json']);

    expect(request.method).toBe('POST');
    expect(request.url).toBe(new URL(url).pathname);
    expect(request.rawHeaders.map(([name]) => name)).toEqual([
      'Host',
      'User-Agent',
      'Accept',
      'Content-Length',
      'Expect',
      'Connection',
      'Content-Type',
    ]);
    expect(header(request, 'user-agent')).toBe('ShopRenter');
    expect(header(request, 'accept')).toBe('*/*');
    expect(header(request, 'expect')).toBe('100-continue');
    expect(header(request, 'connection')).toBe('close');
    expect(request.expectedContinue).toBe(true);
    expect(Number(header(request, 'content-length'))).toBe(request.body.length);

    const contentType = header(request, 'content-type') ?? '';
    const decoded = decodeDelivery({ event, contentType, body: request.body });
    expect(decoded.format).toBe('json');
    expect(decoded.data).toBe(encodePhpJson(samplePayload(event, '42')));

    expect(JSON.parse(stdout)).toEqual({
      event,
      format: 'json',
      to: `${server.url}/hooks/demo/${event}/${url.split('/').at(-1)?.slice(0, 4)}…`,
      source: 'sample',
      seed: '42',
      items: 1,
      bytesSent: request.body.length,
      response: { status: 200, statusText: 'OK', contentType: 'text/plain', body: 'stored' },
      ok: true,
    });
  });

  it('frames the multipart body like the captured real delivery', async () => {
    const { request } = await triggerOnce(['newsletter_subscribe', '--to', `${server.url}/x`]);
    const ours = request.body.toString('latin1');
    const boundary = /boundary=(.+)$/.exec(header(request, 'content-type') ?? '')?.[1] ?? '';
    const document = decodeDelivery({
      event: 'newsletter_subscribe',
      contentType: `multipart/form-data; boundary=${boundary}`,
      body: request.body,
    }).data;

    const captured = fixture('newsletter_subscribe.multipart.http');
    const capturedBody = captured.slice(captured.indexOf('\r\n\r\n') + 4);
    const capturedBoundary = /boundary=(.+)\r\n/.exec(captured)?.[1] ?? '';
    const capturedDocument = JSON.stringify(JSON.parse(fixture('newsletter_subscribe.json')));
    expect(frame(ours, boundary, document)).toBe(frame(capturedBody, capturedBoundary, capturedDocument));
    expect(boundary).toMatch(/^-{24}[0-9a-f]{16}$/);
  });

  it('--format xml sends an XML document', async () => {
    const { request } = await triggerOnce([
      'order_status_change',
      '--format',
      'xml',
      '--seed',
      '7',
      '--to',
      `${server.url}/x`,
    ]);
    const decoded = decodeSent('order_status_change', request);
    expect(decoded.format).toBe('xml');
    expect(decoded.data).toBe(
      encodeDelivery('order_status_change', samplePayload('order_status_change', '7'), { format: 'xml' })
        .data,
    );
    expect(decoded.data).toMatch(/^<\?xml/);
  });

  it('--fields cuts every item down to the selected fields, in payload shape', async () => {
    const { request } = await triggerOnce([
      'order_confirm',
      '--seed',
      '3',
      '--fields',
      'order_innerId,order_total',
      '--fields',
      'orderProduct_sku',
      '--to',
      `${server.url}/x`,
    ]);
    const decoded = decodeSent('order_confirm', request);
    const sample = samplePayload('order_confirm', '3').orders.order[0];
    const sent = JSON.parse(decoded.data).orders.order[0];
    expect(sent).toEqual({
      innerId: sample?.innerId,
      total: sample?.total,
      orderProducts: {
        orderProduct: (sample?.orderProducts?.orderProduct ?? []).map((product) => ({ sku: product.sku })),
      },
    });
  });

  it('--fields naming a field the event lacks is a usage error pointing at srhooks fields', async () => {
    const run = await runCli(config.dir, [
      'trigger',
      'newsletter_subscribe',
      '--fields',
      'order_innerId',
      '--to',
      `${server.url}/x`,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error: field "order_innerId" not available for newsletter_subscribe\nsrhooks fields newsletter_subscribe lists the fields you can select\n',
    );
  });

  it('--data sends a given payload: an envelope, one item or a list', async () => {
    const dir = join(config.dir, '..');
    const file = join(dir, 'order.json');
    const one = { innerId: '9001', firstname: 'Árpád', total: '1500' };
    for (const content of [{ orders: { order: [one] } }, one, [one]]) {
      writeFileSync(file, JSON.stringify(content));
      const { stdout, request } = await triggerOnce([
        'abandoned_cart',
        '--data',
        file,
        '--to',
        `${server.url}/x`,
        '--json',
      ]);
      expect(JSON.parse(stdout)).toMatchObject({ source: 'file', seed: null, items: 1 });
      const decoded = decodeSent('abandoned_cart', request);
      expect(decoded.data).toBe(
        '{"orders":{"order":[{"innerId":"9001","firstname":"\\u00c1rp\\u00e1d","total":"1500"}]}}',
      );
    }
  });

  it('--data with the wrong envelope or broken JSON is a usage error', async () => {
    const file = join(config.dir, '..', 'wrong.json');
    writeFileSync(file, JSON.stringify({ newsletter: { subscriber: [{ id: '1' }] } }));
    const wrong = await runCli(config.dir, [
      'trigger',
      'order_confirm',
      '--data',
      file,
      '--to',
      `${server.url}/x`,
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('holds a newsletter payload, but order_confirm delivers orders');
    // the fix names the events that deliver such a file (it said "pick a order event", the one given)
    expect(wrong.stderr).toContain(
      'send it as a newsletter event (newsletter_subscribe, newsletter_unsubscribe, newsletter_update_subscriber), or give a file of orders',
    );
    writeFileSync(file, JSON.stringify({ orders: { order: [{ innerId: '1' }] } }));
    const orders = await runCli(config.dir, [
      'trigger',
      'newsletter_subscribe',
      '--data',
      file,
      '--to',
      `${server.url}/x`,
    ]);
    expect(orders.code).toBe(2);
    expect(orders.stderr).toBe(
      `error: --data ${file} holds an order payload, but newsletter_subscribe delivers newsletter\nsend it as an order event (order_confirm, order_status_change, abandoned_cart), or give a file of subscribers ({"newsletter":{"subscriber":[…]}})\n`,
    );
    // JSON that is no payload: the fix on its own line (there was none)
    writeFileSync(file, '"text"');
    const notPayload = await runCli(config.dir, [
      'trigger',
      'order_confirm',
      '--data',
      file,
      '--to',
      `${server.url}/x`,
    ]);
    expect(notPayload.code).toBe(2);
    expect(notPayload.stderr).toBe(
      `error: --data ${file}: expected a payload envelope, one order object or a list of them\nfix the file, or leave --data out to send the built-in sample\n`,
    );
    writeFileSync(file, '{"orders": ');
    const broken = await runCli(config.dir, [
      'trigger',
      'order_confirm',
      '--data',
      file,
      '--to',
      `${server.url}/x`,
    ]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain(`error: --data ${file} is not valid JSON: the JSON ends too early`);
    expect(broken.stderr).toContain('at line 1, column 12');
  });

  it.each([
    // Node 20 gives no position for an unexpected token, and quotes the text around it
    [
      '{"orders": {"order": [{\n  "firstname": Kiss Anna,\n  "phone": "+36301234567"}]}}',
      'unexpected character at line 2, column 16',
    ],
    // Node 20 gives a position here
    [
      '{"orders": {"order": [{\n  "firstname": "Kiss Anna"\n  "phone": "+36301234567"}]}}',
      "expected ',' or '}' after property value at line 3, column 3",
    ],
  ])(
    '--data with broken JSON names the flag, the line and the column, and quotes nothing of the file: %j',
    async (content, where) => {
      const file = join(config.dir, '..', 'personal.json');
      writeFileSync(file, content);
      for (const json of [false, true]) {
        const run = await runCli(config.dir, [
          'trigger',
          'order_confirm',
          '--data',
          file,
          '--to',
          `${server.url}/x`,
          ...(json ? ['--json'] : []),
          '--debug',
        ]);
        expect(run.code).toBe(2);
        expect(run.stderr).toContain(`error: --data ${file} is not valid JSON: ${where}`);
        expect(run.stderr).toContain(`fix the JSON at ${where.replace(/^.* at /, '')}`);
        for (const text of [run.stdout, run.stderr]) {
          expect(text).not.toContain('Kiss');
          expect(text).not.toContain('3630');
          expect(text).not.toContain('firstname');
        }
        if (json) expect(JSON.parse(run.stdout).error).toMatchObject({ code: 'invalid_json', exitCode: 2 });
      }
    },
  );

  it('without --to: a usage error whose example makes the URL of the event given', async () => {
    const run = await runCli(config.dir, ['trigger', 'abandoned_cart']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error: missing --to\npass the delivery URL, e.g. --to "$(srhooks url --shop demo --event abandoned_cart --base http://127.0.0.1:4750)"\n',
    );
  });

  it('a non-2xx answer is printed and exits 3', async () => {
    const run = await runCli(config.dir, ['trigger', 'order_confirm', '--to', `${server.url}/fail`]);
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(
      /^✖ order_confirm \(json, 1 item, seed \d+\) → http:\/\/127\.0\.0\.1:\d+\/fail\nHTTP 500 Internal Server Error\nstore down\n$/,
    );
  });

  it('a target nothing listens at: the reason in words, as the other commands say it', async () => {
    const port = await freePort();
    const run = await runCli(config.dir, ['trigger', 'order_confirm', '--to', `http://127.0.0.1:${port}/x`]);
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      `error: cannot deliver to http://127.0.0.1:${port}/x (connection refused: nothing listens at that address and port (ECONNREFUSED))\nis the receiver running? check --to\n`,
    );
    const json = await runCli(config.dir, [
      'trigger',
      'order_confirm',
      '--to',
      'http://nowhere.invalid/x',
      '--json',
    ]);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout).error).toMatchObject({
      code: 'network_error',
      message: expect.stringMatching(
        /^cannot deliver to http:\/\/nowhere\.invalid\/x \(the host name (does not resolve \(ENOTFOUND\)|could not be looked up \(DNS did not answer\) \(EAI_AGAIN\))\)$/,
      ),
      hint: 'check --to and the network',
    });
  });

  it("https:// to a plain-http server: says so on one line, not OpenSSL's multi-line text", async () => {
    const run = await runCli(config.dir, [
      'trigger',
      'order_confirm',
      '--to',
      `${server.url.replace('http:', 'https:')}/x`,
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /^error: cannot deliver to https:\/\/127\.0\.0\.1:\d+\/x \(the server there does not speak https \(TLS\): is it a plain http:\/\/ URL\? \((ERR_SSL_WRONG_VERSION_NUMBER|EPROTO)\)\)\ncheck --to and the network\n$/,
    );
  });

  it('does not send the body when the server answers before 100 Continue', async () => {
    const before = server.requests.length;
    const run = await runCli(config.dir, [
      'trigger',
      'order_confirm',
      '--to',
      `${server.url}/refuse-early`,
      '--json',
    ]);
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toMatchObject({ bytesSent: 0, response: { status: 417 }, ok: false });
    expect(server.requests[before]?.body.length).toBe(0);
  });
});

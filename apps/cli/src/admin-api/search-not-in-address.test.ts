/**
 * `--search` (a customer's name, e-mail, phone) never stands in a request's address: `events list` and
 * `deliveries list` send it in the body of the list's search route, so a reverse proxy in front of the
 * receiver, which logs every request line, does not log it. Here a recording proxy stands in for it.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../test-support/run-cli.js';
import { startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';

const config = tempConfigDir();
const ADMIN_TOKEN = 'search-address-admin-token-0123456789';
let receiver: TestReceiver;
let proxy: Server;
let proxyUrl = '';
/** Every request line the proxy saw: `METHOD /path?query`. */
const requestLines: string[] = [];

beforeAll(async () => {
  receiver = await startTestReceiver(
    config.dir,
    {
      secrets: ['search-address-url-secret-0123456789'],
      adminToken: ADMIN_TOKEN,
      shops: [{ name: 'acme', handlers: ['erp'] }],
      handlers: { erp: { type: 'log' } },
    },
    { processing: { logWrite: () => {} } },
  );
  const target = new URL(receiver.url);
  proxy = createServer((incoming, outgoing) => {
    requestLines.push(`${incoming.method} ${incoming.url}`);
    const forwarded = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await receiver.receiver.close();
  config.cleanup();
});

const admin = (...args: string[]) =>
  runCli(config.dir, [...args, '--receiver', proxyUrl], { env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN } });

describe('--search stands in no address', () => {
  it.each(['events', 'deliveries'])('srhooks %s list --search NAME', async (group) => {
    const sent = await runCli(config.dir, [
      'trigger',
      'order_confirm',
      '--to',
      receiver.deliveryUrl({ shop: 'acme', event: 'order_confirm' }),
    ]);
    expect(sent.code).toBe(0);
    const revealed = await admin('events', 'list', '--reveal', '--json');
    const name = JSON.parse(revealed.stdout).items[0].customerName as string;
    expect(name.length).toBeGreaterThan(2);

    requestLines.length = 0;
    const run = await admin(group, 'list', '--search', name, '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).items.length).toBeGreaterThan(0);
    expect(requestLines).toEqual([`POST /admin/api/${group}/search`]);
    for (const word of name.split(' ')) {
      for (const line of requestLines) {
        expect(line).not.toContain(word);
        expect(line).not.toContain(encodeURIComponent(word));
      }
    }
    // without --search, the list as before
    requestLines.length = 0;
    expect((await admin(group, 'list', '--json')).code).toBe(0);
    expect(requestLines).toEqual([`GET /admin/api/${group}`]);
  });
});

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaptureServer, startCaptureServer } from '../test-support/capture-server.js';
import { CLI_PATH, type RunningCli, runCli, startCli, tempConfigDir } from '../test-support/run-cli.js';

const config = tempConfigDir();
let capture: CaptureServer;
let sandbox: RunningCli;
let info: {
  url: string;
  apiUrl: string;
  tokenUrl: string;
  shops: string[];
  demoClient: { clientId: string; clientSecret: string };
  login: string;
};

beforeAll(async () => {
  capture = await startCaptureServer();
  sandbox = startCli(config.dir, ['sandbox', '--port', '0', '--json']);
  info = JSON.parse(await sandbox.waitForLine(/"type":"sandbox_started"/));
});
afterAll(async () => {
  await sandbox.interrupt();
  await capture.close();
  config.cleanup();
});

describe('srhooks sandbox', () => {
  it('prints its URLs and the demo credentials', () => {
    expect(info).toMatchObject({
      shops: ['demo'],
      apiUrl: `${info.url}/{shop}/api`,
      tokenUrl: `${info.url}/{shop}/app/token`,
      demoClient: { clientId: 'sandbox-demo-client', clientSecret: 'sandbox-demo-secret' },
      dataFile: null,
    });
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.login).toContain(`--api-url '${info.apiUrl}'`);
  });

  it('the printed login works, then sandbox order delivers order_confirm to a subscription', async () => {
    const login = await runCli(config.dir, [
      'login',
      '--shop',
      'demo',
      '--client-id',
      info.demoClient.clientId,
      '--client-secret',
      info.demoClient.clientSecret,
      '--api-url',
      info.apiUrl,
      '--token-url',
      info.tokenUrl,
    ]);
    expect(login.code).toBe(0);
    const create = await runCli(config.dir, [
      'webhooks',
      'create',
      '--event',
      'order_confirm',
      '--url',
      `${capture.url}/orders`,
    ]);
    expect(create.code).toBe(0);

    const run = await runCli(config.dir, [
      'sandbox',
      'order',
      '--sandbox-url',
      info.url,
      '--seed',
      '11',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({
      action: 'order',
      shop: 'demo',
      subject: { innerId: expect.any(String), currency: 'HUF' },
      deliveries: [{ event: 'order_confirm', url: `${capture.url}/orders`, state: 'delivered', status: 200 }],
      waited: true,
    });
    // it waited for the outcome: the delivery is already at the target when the command returns
    expect(capture.requests.length).toBe(1);
    expect(capture.requests[0]?.url).toBe('/orders');
    expect(capture.requests[0]?.body.toString('utf8')).toContain(`"innerId":"${result.subject.innerId}"`);

    const human = await runCli(config.dir, ['sandbox', 'order', '--sandbox-url', info.url, '--seed', '11']);
    expect(human.stdout).toMatch(
      /^✔ order \d+ in demo: .+ HUF\nEVENT\s+STATE\s+HTTP\s+URL\s+REASON\norder_confirm\s+delivered\s+200\s+http:\/\/127\.0\.0\.1:\d+\/orders\s*\n$/,
    );
    // the customer's name as initials, in --json too, until --reveal; named family name first (Hungarian order)
    expect(result.subject.lastname).toMatch(/^\S\*\*\*$/);
    expect(result.subject.firstname).toMatch(/^\S\*\*\*$/);
    expect(human.stdout).toContain(` in demo: ${result.subject.lastname} ${result.subject.firstname}, `);
    expect(human.code).toBe(0);
    const revealed = JSON.parse(
      (
        await runCli(config.dir, [
          'sandbox',
          'order',
          '--sandbox-url',
          info.url,
          '--seed',
          '11',
          '--reveal',
          '--json',
        ])
      ).stdout,
    );
    expect(revealed.subject.lastname).toMatch(
      new RegExp(`^${result.subject.lastname.charAt(0)}\\p{L}+`, 'u'),
    );
    expect(revealed.subject.lastname).not.toContain('*');

    const noWait = await runCli(config.dir, [
      'sandbox',
      'order',
      '--sandbox-url',
      info.url,
      '--no-wait',
      '--json',
    ]);
    expect(noWait.code).toBe(0);
    expect(JSON.parse(noWait.stdout)).toMatchObject({
      waited: false,
      deliveries: [{ state: expect.any(String) }],
    });
  });

  it('a delivery that fails (receiver down) fails the command with the reason', async () => {
    const closed = await startCaptureServer();
    const downUrl = `${closed.url}/down`;
    await closed.close(); // nothing listens there any more
    const create = await runCli(config.dir, [
      'webhooks',
      'create',
      '--event',
      'abandoned_cart',
      '--url',
      downUrl,
    ]);
    expect(create.code).toBe(0);
    const run = await runCli(config.dir, ['sandbox', 'cart', '--sandbox-url', info.url]);
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/^✖ abandoned cart \d+ in demo/);
    expect(run.stdout).toMatch(
      /abandoned_cart\s+failed\s+http:\/\/127\.0\.0\.1:\d+\/down\s+\S.*ECONNREFUSED|abandoned_cart\s+failed\s+.*refused/i,
    );
    expect(run.stdout).toContain(
      "1 of 1 delivery failed: ShopRenter does not resend (assumed: its documentation names no retries), so a real shop's event would be lost here (is the receiver running? srhooks listen)",
    );
    const json = await runCli(config.dir, ['sandbox', 'cart', '--sandbox-url', info.url, '--json']);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout).deliveries[0]).toMatchObject({
      state: 'failed',
      error: expect.any(String),
    });
    const deleted = await runCli(config.dir, ['webhooks', 'list', '--event', 'abandoned_cart', '--json']);
    for (const webhook of JSON.parse(deleted.stdout).webhooks as { id: string }[]) {
      expect((await runCli(config.dir, ['webhooks', 'delete', webhook.id])).code).toBe(0);
    }
  });

  it('a delivery a receiver answers 404 (a URL it did not sign) says so, not "is the receiver running?"', async () => {
    const receiver = createServer((request, response) => {
      request.resume();
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"ok":false}');
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;
    try {
      const url = `http://127.0.0.1:${port}/hooks/demo/newsletter_subscribe/AbCdEfGhIjKlMnOpQrStUv`;
      const create = await runCli(config.dir, [
        'webhooks',
        'create',
        '--event',
        'newsletter_subscribe',
        '--url',
        url,
      ]);
      expect(create.code).toBe(0);
      const run = await runCli(config.dir, ['sandbox', 'subscribe', '--sandbox-url', info.url]);
      expect(run.code).toBe(3);
      expect(run.stdout).toContain(
        "1 of 1 delivery failed: ShopRenter does not resend (assumed: its documentation names no retries), so a real shop's event would be lost here (the receiver answered 404: it did not sign that URL, which was made with another secret or for another shop or event; register the URL srhooks listen prints, or one from srhooks url with the receiver's secret)",
      );
      expect(run.stdout).not.toContain('is the receiver running');
      // the URL's token cut to four characters, in --json too (it printed the token whole there)
      expect(run.stdout).toContain('/hooks/demo/newsletter_subscribe/AbCd…');
      const json = await runCli(config.dir, ['sandbox', 'subscribe', '--sandbox-url', info.url, '--json']);
      expect(json.stdout).not.toContain('AbCdEfGhIjKlMnOpQrStUv');
      expect(JSON.parse(json.stdout).deliveries[0]).toMatchObject({
        url: `http://127.0.0.1:${port}/hooks/demo/newsletter_subscribe/AbCd…`,
        state: 'failed',
        status: 404,
      });
    } finally {
      const listed = await runCli(config.dir, [
        'webhooks',
        'list',
        '--event',
        'newsletter_subscribe',
        '--json',
      ]);
      for (const webhook of JSON.parse(listed.stdout).webhooks as { id: string }[]) {
        await runCli(config.dir, ['webhooks', 'delete', webhook.id]);
      }
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  it('status, cart and subscribe drive the other events', async () => {
    const order = JSON.parse(
      (await runCli(config.dir, ['sandbox', 'order', '--sandbox-url', info.url, '--json'])).stdout,
    );
    const status = await runCli(config.dir, [
      'sandbox',
      'status',
      String(order.subject.innerId),
      '2',
      '--sandbox-url',
      info.url,
      '--json',
    ]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      action: 'status',
      subject: { innerId: order.subject.innerId },
      deliveries: [],
    });
    const cart = await runCli(config.dir, ['sandbox', 'cart', '--sandbox-url', info.url, '--json']);
    expect(JSON.parse(cart.stdout)).toMatchObject({
      action: 'cart',
      subject: { innerId: expect.any(String) },
    });
    const subscribe = await runCli(config.dir, ['sandbox', 'subscribe', '--sandbox-url', info.url, '--json']);
    expect(JSON.parse(subscribe.stdout)).toMatchObject({
      action: 'subscribe',
      subject: { id: expect.any(String) },
    });
  });

  it('subscribe --email subscribes that address; unsubscribe --email finds it', async () => {
    const subscribe = await runCli(config.dir, [
      'sandbox',
      'subscribe',
      '--email',
      'anna.cli@example.hu',
      '--sandbox-url',
      info.url,
      '--json',
    ]);
    expect(subscribe.code).toBe(0);
    const { id } = JSON.parse(subscribe.stdout).subject;
    const listed = (await (await fetch(`${info.url}/demo/_sandbox/subscribers`)).json()) as {
      subscribers: { id: string; email: string }[];
    };
    expect(listed.subscribers.find((entry) => entry.id === id)?.email).toBe('anna.cli@example.hu');
    const unsubscribe = await runCli(config.dir, [
      'sandbox',
      'unsubscribe',
      '--email',
      'anna.cli@example.hu',
      '--sandbox-url',
      info.url,
      '--json',
    ]);
    expect(unsubscribe.code).toBe(0);
    expect(JSON.parse(unsubscribe.stdout).subject).toEqual({ id, status: expect.anything() });
  });

  it('subscribe --email with something that is no e-mail address is refused (exit 2), no subscriber made', async () => {
    const before = (await (await fetch(`${info.url}/demo/_sandbox/subscribers`)).json()) as {
      subscribers: unknown[];
    };
    const run = await runCli(config.dir, [
      'sandbox',
      'subscribe',
      '--email',
      'notanemail',
      '--sandbox-url',
      info.url,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error: --email "notanemail" is not an e-mail address\ne.g. --email anna@example.hu, or leave --email out for a sample address\n',
    );
    // the sandbox itself refuses one too (its API, for any caller)
    const direct = await fetch(`${info.url}/demo/_sandbox/subscribers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ subscriber: { email: 'notanemail' } }),
    });
    expect(direct.status).toBe(400);
    const after = (await (await fetch(`${info.url}/demo/_sandbox/subscribers`)).json()) as {
      subscribers: unknown[];
    };
    expect(after.subscribers).toHaveLength(before.subscribers.length);
  });

  it('status with an order status id the shop does not have is refused; a status of your own needs --status-text', async () => {
    const order = JSON.parse(
      (await runCli(config.dir, ['sandbox', 'order', '--sandbox-url', info.url, '--json'])).stdout,
    );
    const innerId = String(order.subject.innerId);
    const run = await runCli(config.dir, ['sandbox', 'status', innerId, '99999', '--sandbox-url', info.url]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error: the sandbox answered 400: Shop demo has no order status 99999; its statuses are 0 (Elhagyott kosár), 1 (Függőben), 2 (Feldolgozás alatt), 3 (Kiszállítás alatt), 4 (Teljesítve), 5 (Visszavonva)\n' +
        'use one of those, or give a status of your own its name with --status-text\n',
    );
    const custom = await runCli(config.dir, [
      'sandbox',
      'status',
      innerId,
      '99999',
      '--status-text',
      'Visszaküldve',
      '--sandbox-url',
      info.url,
      '--json',
    ]);
    expect(custom.code).toBe(0);
  });

  it('--no-wait names the shop in where to see the outcomes', async () => {
    const login = await runCli(config.dir, [
      'login',
      '--shop',
      'demo',
      '--client-id',
      info.demoClient.clientId,
      '--client-secret',
      info.demoClient.clientSecret,
      '--api-url',
      info.apiUrl,
      '--token-url',
      info.tokenUrl,
    ]);
    expect(login.code).toBe(0);
    const create = await runCli(config.dir, [
      'webhooks',
      'create',
      '--event',
      'order_confirm',
      '--url',
      `${capture.url}/no-wait`,
    ]);
    expect(create.code).toBe(0);
    const run = await runCli(config.dir, ['sandbox', 'order', '--no-wait', '--sandbox-url', info.url]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('see them with GET /demo/_sandbox/deliveries');
    expect(run.stdout).not.toContain('{shop}');
  });

  it('status with a bad order id or status is a usage error (exit 2), before any request', async () => {
    for (const args of [
      ['1', 'abc'],
      ['x1', '2'],
    ]) {
      const run = await runCli(config.dir, ['sandbox', 'status', ...args, '--sandbox-url', info.url]);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `error: order id and status must be whole numbers, got "${args[0]}" and "${args[1]}"\ne.g. srhooks sandbox status 1001 5 (sandbox order prints the order id)\n`,
      );
    }
  });

  it('an unknown shop is not found (exit 3, as every not-found), an unreachable sandbox a network error', async () => {
    const shop = await runCli(config.dir, ['sandbox', 'order', '--shop', 'nope', '--sandbox-url', info.url]);
    expect(shop.code).toBe(3);
    expect(shop.stderr).toContain("Shop 'nope' not found");
    expect(shop.stderr).toContain(
      'pass --shop with one of its shops (or set SRHOOKS_SANDBOX_SHOP); "nope" is not one (to add shops, start srhooks sandbox with --shops FILE, a JSON list of shops: see the sandbox README)',
    );
    const down = await runCli(config.dir, ['sandbox', 'order', '--sandbox-url', 'http://127.0.0.1:1']);
    expect(down.code).toBe(3);
    expect(down.stderr).toBe(
      // port 1: fetch does not request it at all, so no sandbox there could answer: another port, not "start it"
      'error: cannot reach the sandbox at http://127.0.0.1:1\nfetch does not request this port (bad port); port 1 is one that HTTP clients refuse to connect to: use another port (start srhooks sandbox --port PORT with one, and pass its URL with --sandbox-url / set SRHOOKS_SANDBOX_URL)\n',
    );
    // why, on the fix's line: nothing listens there (start it), or a host name that does not resolve (a typo)
    const closed = await freePort();
    const refused = await runCli(config.dir, [
      'sandbox',
      'cart',
      '--sandbox-url',
      `http://127.0.0.1:${closed}`,
    ]);
    expect(refused.stderr).toBe(
      `error: cannot reach the sandbox at http://127.0.0.1:${closed}\nconnection refused at 127.0.0.1:${closed}: nothing listens there (ECONNREFUSED); start it with srhooks sandbox --port ${closed} (or pass --sandbox-url / set SRHOOKS_SANDBOX_URL)\n`,
    );
    const unknownHost = await runCli(config.dir, [
      'sandbox',
      'order',
      '--sandbox-url',
      'http://nowhere.invalid',
    ]);
    expect(unknownHost.code).toBe(3);
    expect(unknownHost.stderr).toMatch(/\nthe host name (does not resolve|could not be looked up)/);
  });

  it('the IPv6 loopback, where the sandbox (on 127.0.0.1) does not listen: the address tried, and 127.0.0.1 to use', async () => {
    const port = new URL(info.url).port;
    for (const args of [
      ['sandbox', 'order', '--sandbox-url', `http://[::1]:${port}`],
      ['app', 'install', '--sandbox-url', `http://[::1]:${port}`],
    ]) {
      const run = await runCli(config.dir, args);
      expect(run.code).toBe(3);
      const [message, hint] = run.stderr.split('\n');
      expect(message).toBe(`error: cannot reach the sandbox at http://[::1]:${port}`);
      // a machine without IPv6 fails otherwise than "refused": the advice is the same
      if (hint?.startsWith('connection refused'))
        expect(hint).toBe(
          `connection refused at [::1]:${port}: nothing listens there (ECONNREFUSED); srhooks sandbox listens on 127.0.0.1 unless started with --host ::1: try --sandbox-url http://127.0.0.1:${port}`,
        );
      else
        expect(hint).toMatch(
          new RegExp(
            `; srhooks sandbox listens on 127\\.0\\.0\\.1 unless started with --host ::1: try --sandbox-url http://127\\.0\\.0\\.1:${port}$`,
          ),
        );
      expect(run.stderr).not.toContain('start it with');
    }
  });

  it('an order or subscriber the sandbox does not have: its message, no hint about the shop', async () => {
    const order = await runCli(config.dir, ['sandbox', 'status', '999', '5', '--sandbox-url', info.url]);
    expect(order.code).toBe(3);
    expect(order.stderr).toBe(
      'error: the sandbox answered 404: Order 999 not found. Place an order first; list them with GET /demo/_sandbox/orders.\n',
    );
    await runCli(config.dir, ['sandbox', 'subscribe', '--sandbox-url', info.url, '--json']);
    const subscriber = await runCli(config.dir, [
      'sandbox',
      'unsubscribe',
      '--email',
      'nobody@example.com',
      '--sandbox-url',
      info.url,
    ]);
    expect(subscriber.code).toBe(3);
    // the shop has subscribers (the tests above subscribed some): not "subscribe someone first"
    expect(subscriber.stderr).toMatch(
      /^error: the sandbox answered 404: No subscriber with that e-mail address on shop demo \(it has \d+\)\. List them with GET \/demo\/_sandbox\/subscribers, or subscribe that one first \(POST \/demo\/_sandbox\/subscribers\)\.\nthat address is not subscribed on demo: subscribe it with srhooks sandbox subscribe --email <address>, or leave --email out to unsubscribe the newest subscriber\n$/,
    );
    expect(subscriber.stderr).not.toContain('Subscribe someone first');
    expect(subscriber.stderr).not.toContain('nobody@');
    expect(subscriber.stderr).not.toContain('--shop');
  });

  it('unsubscribe on a shop without subscribers is an error saying to subscribe one first', async () => {
    const other = tempConfigDir();
    const fresh = startCli(other.dir, ['sandbox', '--port', '0', '--json']);
    try {
      const { url } = JSON.parse(await fresh.waitForLine(/"type":"sandbox_started"/));
      const run = await runCli(other.dir, ['sandbox', 'unsubscribe', '--sandbox-url', url]);
      expect(run.code).toBe(3);
      expect(run.stderr).toBe(
        'error: the sandbox answered 404: No subscriber to unsubscribe: shop demo has none. Subscribe one first (POST /demo/_sandbox/subscribers).\nsubscribe one first with srhooks sandbox subscribe\n',
      );
      const listed = (await (await fetch(`${url}/demo/_sandbox/subscribers`)).json()) as {
        subscribers: unknown[];
      };
      expect(listed.subscribers).toEqual([]);
    } finally {
      await fresh.interrupt();
      other.cleanup();
    }
  });

  it('a URL that is not a sandbox (a receiver, any server) is said to be one, exit 3', async () => {
    const notFound = await startCaptureServer(() => ({ status: 404, body: '{"error":"not found"}' }));
    try {
      for (const url of [notFound.url, capture.url]) {
        const run = await runCli(config.dir, ['sandbox', 'order', '--sandbox-url', url]);
        expect(run.code).toBe(3);
        expect(run.stderr).toMatch(
          new RegExp(
            `^error: ${url} is not a srhooks sandbox \\(it answered POST /demo/_sandbox/orders with HTTP (404|200), not as the sandbox does\\)\n`,
          ),
        );
        expect(run.stderr).not.toContain('a shop of this sandbox');
      }
    } finally {
      await notFound.close();
    }
  });

  it('--seed means deterministic data everywhere; the extra-shops file is --shops', async () => {
    const order = await runCli(config.dir, ['sandbox', 'order', '--help']);
    expect(order.stdout).toContain('--seed <seed>');
    expect(order.stdout).not.toContain('--seed <file>');
    const server = await runCli(config.dir, ['sandbox', '--help']);
    expect(server.stdout).toContain('--shops <file>');
    expect(server.stdout).not.toContain('--seed');
  });

  it('the commands it prints to copy are written as it was started (a checkout: npm run srhooks --)', async () => {
    // started from the checkout (node apps/cli/dist/cli.js), as the root README's `npm run srhooks -- sandbox`:
    // a clone has no `srhooks` on its PATH, so `srhooks login …` would be "command not found"
    const human = startCli(config.dir, ['sandbox', '--port', '0'], { script: CLI_PATH });
    try {
      await human.waitForLine(/Ctrl-C stops it/);
      const out = human.stdout();
      expect(out).toMatch(/^ {2}npm run srhooks -- login --shop demo --client-id sandbox-demo-client /m);
      expect(out).toMatch(
        /^ {2}npm run srhooks -- sandbox order --shop demo --sandbox-url http:\/\/127\.0\.0\.1:\d+$/m,
      );
      expect(out).not.toMatch(/^ {2}srhooks /m);
    } finally {
      await human.interrupt();
    }
    // this file's --json sandbox runs as the installed bin (`srhooks`): its line names the bin
    expect(info.login).toMatch(/^srhooks login --shop demo /);
  });

  it("--clock-offset: a shop whose clock is off, said in its banner and in its API answers' Date header", async () => {
    const skewed = startCli(config.dir, ['sandbox', '--port', '0', '--clock-offset', '-605']);
    try {
      await skewed.waitForLine(/Ctrl-C stops it/);
      expect(skewed.stdout()).toMatch(/^ {2}shop clock {5}10 min 5 s behind this machine's$/m);
      const url = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(skewed.stdout())?.[1];
      const before = Date.now();
      const answer = await fetch(`${url}/demo/api/webHooks`); // refused (no token), by the shop's API
      const after = Date.now();
      // The header says the shop's time to the second (rounded down), stamped between before and after:
      // however long the answer took on a busy machine, it lies 605 s behind that span.
      const shopTime = Date.parse(answer.headers.get('date') ?? '');
      expect(after - shopTime).toBeGreaterThanOrEqual(605_000);
      expect(before - shopTime).toBeLessThan(606_000);
    } finally {
      await skewed.interrupt();
    }
  });

  it('stops cleanly on Ctrl-C', async () => {
    const second = startCli(config.dir, ['sandbox', '--port', '0']);
    await second.waitForLine(/sandbox ShopRenter running at/);
    expect(second.stdout()).toContain('client secret  sandbox-demo-secret');
    expect(await second.interrupt()).toBe(0);
    expect(second.stderr()).toContain('stopping the sandbox (SIGINT)');
  });

  it('a port in use is a usage error', async () => {
    const port = new URL(info.url).port;
    const run = await runCli(config.dir, ['sandbox', '--port', port]);
    expect(run.code).toBe(2);
    // worded as listen words it (listen-refusals.test.ts): the same message and fix
    expect(run.stderr).toBe(
      `error: port ${port} is already in use\npick another with --port (0 = any free port)\n`,
    );
    expect(
      JSON.parse((await runCli(config.dir, ['sandbox', '--port', port, '--json'])).stdout).error,
    ).toMatchObject({
      code: 'port_in_use',
      hint: 'pick another with --port (0 = any free port)',
      exitCode: 2,
    });
  });

  it('a --host that is no address of this machine is a usage error naming --host', async () => {
    const run = await runCli(config.dir, ['sandbox', '--port', '0', '--host', 'no-such-host.invalid']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--host "no-such-host.invalid" is not an address of this machine');
  });
});

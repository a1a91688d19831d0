/**
 * `srhooks recover` and a delayed subscription, as a user meets it: `srhooks listen`, `webhooks create
 * --delay 2` (the sandbox schedules the delivery two hours on), a cart, then `recover --since 2m`. The
 * shop has not sent the cart yet, so recovery stores nothing for it and says it is not due yet.
 */
import { ALL_SCOPES, type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, tempConfigDir } from '../test-support/run-cli.js';

const CLIENT = {
  clientId: 'recover-delay-client-1f0e',
  clientSecret: 'recover-delay-SECRET-9c2d4b7a',
} as const;
const SHOP = 'delay-shop';
/** The second test's own shop: the first one's subscriptions and cart stay in SHOP. */
const TUNNEL_SHOP = 'delay-tunnel-shop';
let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({
    logger: false,
    rateLimit: false,
    shops: [SHOP, TUNNEL_SHOP].map((name) => ({ name, clients: [{ ...CLIENT, scopes: [...ALL_SCOPES] }] })),
  });
});
afterAll(async () => {
  sandbox.app.server.closeAllConnections();
  await sandbox.close();
});

/** The CLI's environment for the sandbox's shops: their client, the sandbox's API and token URLs. */
function shopEnv(): Record<string, string> {
  return {
    SRHOOKS_CLIENT_ID: CLIENT.clientId,
    SRHOOKS_CLIENT_SECRET: CLIENT.clientSecret,
    SRHOOKS_API_URL: sandbox.apiUrlTemplate,
    SRHOOKS_TOKEN_URL: sandbox.tokenUrlTemplate,
  };
}

describe('srhooks recover: a delayed subscription', () => {
  it('a cart whose delivery is scheduled two hours on is not recovered; the output says it is not due yet', async () => {
    const config = tempConfigDir();
    const env = shopEnv();
    const listen = startCli(config.dir, ['listen', '--port', '0', '--shop', SHOP, '--json'], { env });
    try {
      const started = JSON.parse(await listen.waitForLine(/"type":"listening"/)) as {
        url: string;
        urls: { event: string; url: string }[];
      };
      const url = started.urls.find((entry) => entry.event === 'abandoned_cart')?.url ?? '';
      const create = await runCli(
        config.dir,
        ['webhooks', 'create', '--shop', SHOP, '--event', 'abandoned_cart', '--url', url, '--delay', '2'],
        { env },
      );
      expect(create.stderr).toBe('');
      const { order: cart } = await sandbox.simulator.abandonCart(SHOP);
      expect(sandbox.simulator.deliveries(SHOP)).toEqual([
        expect.objectContaining({ event: 'abandoned_cart', state: 'scheduled' }),
      ]);

      const recover = (...args: string[]) =>
        runCli(config.dir, ['recover', '--shop', SHOP, '--since', '2m', '--receiver', started.url, ...args]);
      const dry = await recover('--dry-run');
      expect(dry.stderr).toBe('');
      expect(dry.stdout).toMatch(
        /; would recover nothing\n {2}1 event not due yet: its subscription's delay has not passed, so the shop sends it later \(a later pass recovers it if it does not arrive\)\n/,
      );
      expect(dry.stdout).toMatch(
        new RegExp(`^ {2}not due yet abandoned_cart ${cart.innerId} \\(\\S+\\), due \\S+Z$`, 'm'),
      );
      const real = await recover('--json');
      expect(JSON.parse(real.stdout)).toMatchObject({ recovered: {}, notDue: 1 });
      const events = await runCli(config.dir, ['events', 'list', '--receiver', started.url, '--json']);
      expect(JSON.parse(events.stdout).items).toEqual([]);
    } finally {
      expect(await listen.interrupt()).toBe(0);
      config.cleanup();
    }
  });
  it('with --public-url, a subscription pointing at another system does not count: its missing delay does not make the cart due', async () => {
    const config = tempConfigDir();
    const env = shopEnv();
    const listen = startCli(
      config.dir,
      [
        'listen',
        '--port',
        '0',
        '--shop',
        TUNNEL_SHOP,
        '--public-url',
        'https://tunnel.example.com',
        '--json',
      ],
      { env },
    );
    try {
      const started = JSON.parse(await listen.waitForLine(/"type":"listening"/)) as {
        url: string;
        urls: { event: string; url: string }[];
      };
      const url = started.urls.find((entry) => entry.event === 'abandoned_cart')?.url ?? '';
      expect(url).toMatch(/^https:\/\/tunnel\.example\.com\/hooks\//);
      const webhooks = (...args: string[]) =>
        runCli(
          config.dir,
          ['webhooks', 'create', '--shop', TUNNEL_SHOP, '--event', 'abandoned_cart', ...args],
          {
            env,
          },
        );
      expect((await webhooks('--url', url, '--delay', '2')).stderr).toBe('');
      // another system's subscription to the same event, sent at once (a closed port: it fails fast)
      expect((await webhooks('--url', 'http://127.0.0.1:9/crm-hook')).stderr).toBe('');
      await sandbox.simulator.abandonCart(TUNNEL_SHOP);

      const real = await runCli(config.dir, [
        'recover',
        '--shop',
        TUNNEL_SHOP,
        '--since',
        '2m',
        '--receiver',
        started.url,
        '--json',
      ]);
      expect(real.stderr).toBe('');
      expect(JSON.parse(real.stdout)).toMatchObject({ recovered: {}, notDue: 1 });
    } finally {
      expect(await listen.interrupt()).toBe(0);
      config.cleanup();
    }
  });
});

/**
 * listenApiFailureReason on the errors a real client gets from the sandbox over HTTP (the cases the
 * listen-recovery-advice test does not reach through a listen): one credentials variable over a stored
 * login, an API URL nothing answers at, an API URL without the shop's API under it (404), and a
 * ShopRenter outage (a token endpoint answering 503), which keeps the client's own words.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createShopRenterClient } from '@srhooks/client';
import { ALL_SCOPES, type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../test-support/test-receiver.js';
import { type ListenShopSettings, listenApiFailureReason } from './listen-api-advice.js';

const SHOP = 'advice-unit';
const CLIENT = { clientId: 'advice-unit-client', clientSecret: 'advice-unit-SECRET-0123456789' };
let sandbox: RunningSandbox;
/** A token endpoint that is down: every request answered 503. */
let down: Server;
let downUrl = '';

beforeAll(async () => {
  sandbox = await startSandbox({
    logger: false,
    rateLimit: false,
    shops: [{ name: SHOP, clients: [{ ...CLIENT, scopes: [...ALL_SCOPES] }] }],
  });
  down = createServer((_request, response) => response.writeHead(503).end('maintenance'));
  await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
  downUrl = `http://127.0.0.1:${(down.address() as AddressInfo).port}/token`;
});
afterAll(async () => {
  sandbox.app.server.closeAllConnections();
  await sandbox.close();
  await new Promise((resolve) => down.close(resolve));
});

/** What a client with these URLs throws listing the shop's webhooks. */
async function failure(urls: { apiUrl: string; tokenUrl: string }, secret = CLIENT.clientSecret) {
  const client = createShopRenterClient({
    shop: SHOP,
    auth: { clientId: CLIENT.clientId, clientSecret: secret },
    ...urls,
    retry: { maxAttempts: 1 },
  });
  return client.webhooks.list().then(
    () => {
      throw new Error('the call succeeded');
    },
    (error: unknown) => error,
  );
}

function settings(apiUrl: string | undefined, stored: Partial<ListenShopSettings> = {}): ListenShopSettings {
  return {
    shop: SHOP,
    access: {
      login: 'oauth',
      source: 'store',
      credentials: { ...CLIENT, ...(apiUrl ? { apiUrl } : {}) },
    },
    storedApiUrl: false,
    storedTokenUrl: false,
    ...stored,
  };
}

const tokenUrl = () => sandbox.tokenUrlTemplate.replace('{shop}', SHOP);
const apiUrl = () => sandbox.apiUrlTemplate.replace('{shop}', SHOP);

describe('listenApiFailureReason', () => {
  it('a refused secret from SRHOOKS_CLIENT_SECRET with the stored client id names that variable', async () => {
    const error = await failure({ apiUrl: apiUrl(), tokenUrl: tokenUrl() }, 'advice-unit-WRONG-0123456789');
    const reason = listenApiFailureReason(settings(apiUrl()), { SRHOOKS_CLIENT_SECRET: 'x' }, error);
    expect(reason).toBe(
      `ShopRenter refused the client credentials for shop "${SHOP}" (401 invalid_client: Client authentication failed): listen sends SRHOOKS_CLIENT_SECRET with the client id of ${SHOP}'s stored login: correct SRHOOKS_CLIENT_SECRET (the shop admin: Settings > API Settings) or unset it, or run srhooks login --shop ${SHOP} --client-id … --client-secret … again, then restart srhooks listen (it reads its shops’ credentials once, at start)`,
    );
  });

  it('an API URL nothing answers at, stored with srhooks login --api-url', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/api`;
    const error = await failure({ apiUrl: closed, tokenUrl: tokenUrl() });
    const reason = listenApiFailureReason(settings(closed, { storedApiUrl: true }), {}, error);
    expect(reason).toMatch(
      new RegExp(
        `^GET ${closed}/webHooks got no answer \\(connection refused: .*\\): check the network, or the URL: listen sends these requests to ${closed}, the API URL from the stored login \\(--api-url\\): run srhooks login --shop ${SHOP} --client-id … --client-secret … --api-url … again with the right one \\(or set SRHOOKS_API_URL\\), then restart srhooks listen`,
      ),
    );
  });

  it('an API URL without the shop API under it (404), from SRHOOKS_API_URL', async () => {
    const wrong = `${sandbox.url}/not-the-api`;
    const error = await failure({ apiUrl: wrong, tokenUrl: tokenUrl() });
    const reason = listenApiFailureReason(settings(wrong), { SRHOOKS_API_URL: wrong }, error);
    expect(reason).toMatch(
      new RegExp(
        `^GET ${wrong}/webHooks answered 404.*: the API URL is probably wrong; listen sends these requests to ${wrong}, the API URL from SRHOOKS_API_URL \\(it replaces the stored login's\\): correct it or unset it, then restart srhooks listen`,
      ),
    );
  });

  it("a token endpoint that answers 503 is ShopRenter's outage: the client's own words stay (null)", async () => {
    const error = await failure({ apiUrl: apiUrl(), tokenUrl: downUrl });
    expect((error as Error).name).toBe('TokenError');
    expect(listenApiFailureReason(settings(apiUrl()), {}, error)).toBeNull();
  });
});

/**
 * When `srhooks recover` through a `srhooks listen` cannot read the shop's API, the error says what
 * failed and which of listen's settings to change — the stored login, SRHOOKS_CLIENT_ID /
 * SRHOOKS_CLIENT_SECRET, SRHOOKS_TOKEN_URL — and to restart listen, not only the client's "check the
 * client id and secret in Settings > API Settings" (which a listen keeps sending until it restarts).
 * Real listen processes against the sandbox over HTTP; no secret is ever printed.
 */
import { ALL_SCOPES, type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, runCli, startCli, tempConfigDir } from '../test-support/run-cli.js';
import { freePort } from '../test-support/test-receiver.js';

const CLIENT = {
  clientId: 'advice-client-7d1a',
  clientSecret: 'advice-SECRET-3c59dc048e8850243be8',
} as const;
const WRONG_SECRET = 'advice-WRONG-secret-b6d767d2f8ed5d21';
const API_USER = { username: 'advice-legacy-user', password: 'advice-legacy-PASSWORD-9bf31c7ff0' } as const;
const WRONG_PASSWORD = 'advice-WRONG-password-45c48cce2e';
const SECRETS = [CLIENT.clientSecret, WRONG_SECRET, API_USER.password, WRONG_PASSWORD];

let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({
    logger: false,
    rateLimit: false,
    shops: [
      { name: 'advice-shop', clients: [{ ...CLIENT, scopes: [...ALL_SCOPES] }] },
      { name: 'advice-legacy', clients: [], basicAuth: { ...API_USER } },
      {
        name: 'advice-scopes',
        clients: [{ ...CLIENT, scopes: ALL_SCOPES.filter((scope) => scope !== 'order.order:read') }],
      },
    ],
  });
});
afterAll(async () => {
  sandbox.app.server.closeAllConnections();
  await sandbox.close();
});

/** `srhooks login … --no-verify` (a login stored as given, as a revoked secret stays stored). */
async function storeLogin(dir: string, args: string[]): Promise<void> {
  const login = await runCli(dir, ['login', ...args, '--no-verify']);
  expect(login.code, login.stderr).toBe(0);
}

/** Starts listen for `shop` with `env`, runs `recover --shop shop` through it, stops listen. */
async function recoverThroughListen(
  dir: string,
  shop: string,
  env: Record<string, string> = {},
): Promise<CliRun> {
  const listen = startCli(dir, ['listen', '--port', '0', '--shop', shop, '--json'], { env });
  try {
    const started = JSON.parse(await listen.waitForLine(/"type":"listening"/)) as { url: string };
    return await runCli(dir, ['recover', '--shop', shop, '--since', '1d', '--receiver', started.url]);
  } finally {
    expect(await listen.interrupt()).toBe(0);
    for (const secret of SECRETS) expect(listen.stdout() + listen.stderr()).not.toContain(secret);
  }
}

function expectNoSecret(run: CliRun): void {
  for (const secret of SECRETS) expect(run.stdout + run.stderr).not.toContain(secret);
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

describe('srhooks recover through srhooks listen: a shop API failure names listen’s settings', () => {
  it('a refused stored client secret: the stored login, srhooks login again, restart listen', async () => {
    const config = tempConfigDir();
    try {
      await storeLogin(config.dir, [
        '--shop',
        'advice-shop',
        '--client-id',
        CLIENT.clientId,
        '--client-secret',
        WRONG_SECRET,
        '--api-url',
        sandbox.apiUrlTemplate,
        '--token-url',
        sandbox.tokenUrlTemplate,
      ]);
      const run = await recoverThroughListen(config.dir, 'advice-shop');
      expect(run.code).toBe(3);
      expect(run.stderr).toContain(
        `error: Reading the shop's API failed: ShopRenter refused the client credentials for shop "advice-shop" (401 invalid_client`,
      );
      expect(run.stderr).toContain(
        "listen sends the client id and secret of advice-shop's stored login: copy them again from the shop admin (Settings > API Settings), run srhooks login --shop advice-shop --client-id … --client-secret … again, then restart srhooks listen",
      );
      expectNoSecret(run);
    } finally {
      config.cleanup();
    }
  });

  it('refused SRHOOKS_CLIENT_ID / SRHOOKS_CLIENT_SECRET: correct or unset them, restart listen', async () => {
    const config = tempConfigDir();
    try {
      const run = await recoverThroughListen(config.dir, 'advice-shop', {
        SRHOOKS_CLIENT_ID: CLIENT.clientId,
        SRHOOKS_CLIENT_SECRET: WRONG_SECRET,
        SRHOOKS_API_URL: sandbox.apiUrlTemplate,
        SRHOOKS_TOKEN_URL: sandbox.tokenUrlTemplate,
      });
      expect(run.code).toBe(3);
      expect(run.stderr).toContain(
        'listen sends the client id and secret of SRHOOKS_CLIENT_ID and SRHOOKS_CLIENT_SECRET (they replace the stored login): correct them (the shop admin: Settings > API Settings), or unset them to send the stored login, then restart srhooks listen',
      );
      expectNoSecret(run);
    } finally {
      config.cleanup();
    }
  });

  it('a token URL nothing answers at (SRHOOKS_TOKEN_URL): names the variable and the URL', async () => {
    const config = tempConfigDir();
    try {
      const closed = `http://127.0.0.1:${await freePort()}/{shop}/app/token`;
      const run = await recoverThroughListen(config.dir, 'advice-shop', {
        SRHOOKS_CLIENT_ID: CLIENT.clientId,
        SRHOOKS_CLIENT_SECRET: CLIENT.clientSecret,
        SRHOOKS_API_URL: sandbox.apiUrlTemplate,
        SRHOOKS_TOKEN_URL: closed,
      });
      expect(run.code).toBe(3);
      const tokenUrl = closed.replace('{shop}', 'advice-shop');
      expect(run.stderr).toContain(`could not reach the token endpoint ${tokenUrl} for shop "advice-shop" (`);
      expect(run.stderr).toContain(
        `listen sends these requests to ${tokenUrl}, the token URL from SRHOOKS_TOKEN_URL (it replaces the stored login's): correct it or unset it, then restart srhooks listen`,
      );
      expectNoSecret(run);
    } finally {
      config.cleanup();
    }
  });

  it('an API client without order.order:read: names the scope to give it, then a restart of listen', async () => {
    const config = tempConfigDir();
    try {
      await storeLogin(config.dir, [
        '--shop',
        'advice-scopes',
        '--client-id',
        CLIENT.clientId,
        '--client-secret',
        CLIENT.clientSecret,
        '--api-url',
        sandbox.apiUrlTemplate,
        '--token-url',
        sandbox.tokenUrlTemplate,
      ]);
      const listen = startCli(config.dir, ['listen', '--port', '0', '--shop', 'advice-scopes', '--json']);
      let run: CliRun;
      try {
        const started = JSON.parse(await listen.waitForLine(/"type":"listening"/)) as {
          url: string;
          urls: { event: string; url: string }[];
        };
        // recovery reads the orders of a subscribed order event
        const url = started.urls.find((entry) => entry.event === 'order_confirm')?.url ?? '';
        const created = await runCli(config.dir, [
          'webhooks',
          'create',
          '--shop',
          'advice-scopes',
          '--event',
          'order_confirm',
          '--url',
          url,
        ]);
        expect(created.code, created.stderr).toBe(0);
        run = await runCli(config.dir, [
          'recover',
          '--shop',
          'advice-scopes',
          '--since',
          '1d',
          '--receiver',
          started.url,
        ]);
      } finally {
        expect(await listen.interrupt()).toBe(0);
      }
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(
        /error: Reading the shop's API failed: the shop's API refused the request for shop "advice-scopes" \(GET http:\/\/127\.0\.0\.1:\d+\/advice-scopes\/api\/orders answered 40[13]/,
      );
      expect(run.stderr).toContain(
        'the API client most likely lacks the order.order:read scope: give it that scope in the shop admin (Settings > API Settings), then restart srhooks listen (its new token carries the scope); if it has it, listen sends the client id and secret of advice-scopes',
      );
      expectNoSecret(run);
    } finally {
      config.cleanup();
    }
  });

  it('a refused legacy API user (Basic auth): srhooks login --username … --password … again, restart listen', async () => {
    const config = tempConfigDir();
    try {
      await storeLogin(config.dir, [
        '--shop',
        'advice-legacy',
        '--username',
        API_USER.username,
        '--password',
        WRONG_PASSWORD,
        '--api-url',
        sandbox.legacyApiUrlTemplate,
      ]);
      const run = await recoverThroughListen(config.dir, 'advice-legacy');
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(
        /error: Reading the shop's API failed: the shop's API refused the (credentials|request) for shop "advice-legacy" \(GET http:\/\/127\.0\.0\.1:\d+\/\S+ answered 401/,
      );
      expect(run.stderr).toContain(
        "listen sends the API user and password of advice-legacy's stored login: check them in the shop admin (Settings > API Settings), run srhooks login --shop advice-legacy --username … --password … again, then restart srhooks listen",
      );
      expectNoSecret(run);
    } finally {
      config.cleanup();
    }
  });
});

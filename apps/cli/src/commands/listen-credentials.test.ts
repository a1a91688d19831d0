/**
 * Which shop API credentials `srhooks listen` gives its receiver, so `srhooks recover` (and handlers'
 * `ctx.client`) reach the shop's API: a legacy Basic-auth login, and `SRHOOKS_CLIENT_ID` /
 * `SRHOOKS_CLIENT_SECRET` (over a stored login, as for every other shop command). Real listen
 * processes (with `--debug`, so the receiver's logs are seen too) against the sandbox over HTTP.
 */
import { ALL_SCOPES, type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCli, runCli, seenOutput, startCli, tempConfigDir } from '../test-support/run-cli.js';

/**
 * Every access token the sandbox issues is a JWT: base64url JSON header (`eyJ…`, the sandbox's always
 * SANDBOX_JWT_HEADER), a dot, the payload. Returns the first one in `text`, or null. A bare `eyJ…` run
 * is no JWT: a delivery URL's 43-character token holds one now and then (listen prints two dozen).
 */
const SANDBOX_JWT_HEADER = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9';
function jwtIn(text: string): string | null {
  return (
    /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)?/.exec(text)?.[0] ??
    (text.includes(SANDBOX_JWT_HEADER) ? SANDBOX_JWT_HEADER : null)
  );
}

/** The legacy shop's API user: distinctive, so the test can prove they are never printed. */
const API_USER = { username: 'listen-legacy-user', password: 'listen-legacy-PASSWORD-5eb63bbbe0' } as const;
/** The API client the environment variables name. */
const ENV_CLIENT = {
  clientId: 'listen-env-client-c4ca42',
  clientSecret: 'listen-env-SECRET-a87ff679a2f3e71d',
} as const;

let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({
    logger: false,
    rateLimit: false,
    shops: [
      { name: 'legacy', clients: [], basicAuth: { ...API_USER } },
      { name: 'ci-shop', clients: [{ ...ENV_CLIENT, scopes: [...ALL_SCOPES] }] },
    ],
  });
});
afterAll(async () => {
  sandbox.app.server.closeAllConnections();
  await sandbox.close();
});

interface Started {
  url: string;
  urls: { shop: string; event: string; url: string }[];
  credentials: { shop: string; login: string; source: string | null }[];
}

/** Starts `listen --json --debug` for `shop`; returns it and its start line. */
async function startListen(
  dir: string,
  shop: string,
  env: Record<string, string> = {},
): Promise<{ listen: RunningCli; started: Started }> {
  const listen = startCli(dir, ['listen', '--port', '0', '--shop', shop, '--json', '--debug'], { env });
  const started = JSON.parse(await listen.waitForLine(/"type":"listening"/)) as Started;
  return { listen, started };
}

/**
 * Subscribes the shop's order_confirm to listen's URL (recovery derives the events a shop is
 * subscribed to), through the CLI with the same credentials. Orders placed before are not delivered.
 */
async function subscribe(dir: string, started: Started, shop: string, env: Record<string, string> = {}) {
  const url = started.urls.find((entry) => entry.event === 'order_confirm')?.url ?? '';
  const run = await runCli(
    dir,
    ['webhooks', 'create', '--shop', shop, '--event', 'order_confirm', '--url', url],
    {
      env,
    },
  );
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
}

/** A real `recover` of the last 2 days through the listen at `url`: its JSON report. */
async function recoverThrough(dir: string, url: string, shop: string) {
  const run = await runCli(dir, ['recover', '--shop', shop, '--since', '2d', '--receiver', url, '--json']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout);
}

/** The environment a CI job sets: the API client and the sandbox's API and token URLs. */
const envCredentials = () => ({
  SRHOOKS_CLIENT_ID: ENV_CLIENT.clientId,
  SRHOOKS_CLIENT_SECRET: ENV_CLIENT.clientSecret,
  SRHOOKS_API_URL: sandbox.apiUrlTemplate,
  SRHOOKS_TOKEN_URL: sandbox.tokenUrlTemplate,
});

describe('srhooks listen: shop API credentials', () => {
  it('serves a shop stored with legacy Basic auth, so srhooks recover recovers its orders', async () => {
    const config = tempConfigDir();
    try {
      const login = await runCli(config.dir, [
        'login',
        '--shop',
        'legacy',
        '--username',
        API_USER.username,
        '--password',
        API_USER.password,
        '--api-url',
        sandbox.legacyApiUrlTemplate,
      ]);
      expect(login.stderr).toBe('');
      expect(login.stdout).toContain('logged in to legacy (legacy Basic auth)');

      const { order } = await sandbox.simulator.placeOrder('legacy', { seed: 21 });
      const { listen, started } = await startListen(config.dir, 'legacy');
      try {
        expect(started.credentials).toEqual([{ shop: 'legacy', login: 'basic', source: 'store' }]);
        expect(listen.stdout()).not.toContain('cannot use');
        await subscribe(config.dir, started, 'legacy');
        const report = await recoverThrough(config.dir, started.url, 'legacy');
        expect(report).toMatchObject({ shop: 'legacy', dryRun: false, ordersRead: 1 });
        expect(report.recovered).toEqual({ order_confirm: 1 });
        expect(report.events).toEqual([
          expect.objectContaining({
            event: 'order_confirm',
            subjectId: String(order.innerId),
            outcome: 'new',
          }),
        ]);
        const events = await runCli(config.dir, ['events', 'list', '--receiver', started.url, '--json']);
        expect(JSON.parse(events.stdout).items).toEqual([
          expect.objectContaining({ shop: 'legacy', event: 'order_confirm', source: 'recovery' }),
        ]);
        // recover works on demand, but listen runs no pass by itself: its admin API does not claim one
        const shops = await runCli(config.dir, ['shops', '--receiver', started.url, '--json']);
        expect(shops.stderr).toBe('');
        expect(JSON.parse(shops.stdout).shops).toEqual([
          expect.objectContaining({ name: 'legacy', hasCredentials: true, recovery: false }),
        ]);
        const table = await runCli(config.dir, ['shops', '--receiver', started.url]);
        expect(table.stdout).toMatch(/^legacy .* off$/m);
      } finally {
        expect(await listen.interrupt()).toBe(0);
      }
    } finally {
      config.cleanup();
    }
  });

  it('human output names the Basic-auth shop as served', async () => {
    const config = tempConfigDir();
    try {
      const login = await runCli(config.dir, [
        'login',
        '--shop',
        'legacy',
        '--username',
        API_USER.username,
        '--password',
        API_USER.password,
        '--api-url',
        sandbox.legacyApiUrlTemplate,
      ]);
      expect(login.code).toBe(0);
      const human = startCli(config.dir, ['listen', '--port', '0', '--shop', 'legacy']);
      try {
        await human.waitForLine(/waiting for deliveries/);
        expect(human.stdout()).toMatch(
          /^API credentials for legacy \(legacy Basic auth, from srhooks login\): srhooks recover reads the shop's API with them \(checked only then\)$/m,
        );
      } finally {
        expect(await human.interrupt()).toBe(0);
      }
    } finally {
      config.cleanup();
    }
  });

  it('SRHOOKS_CLIENT_ID / SRHOOKS_CLIENT_SECRET reach its receiver with no stored login', async () => {
    const config = tempConfigDir();
    try {
      const { order } = await sandbox.simulator.placeOrder('ci-shop', { seed: 22 });
      const { listen, started } = await startListen(config.dir, 'ci-shop', envCredentials());
      try {
        expect(started.credentials).toEqual([{ shop: 'ci-shop', login: 'oauth', source: 'env' }]);
        await subscribe(config.dir, started, 'ci-shop', envCredentials());
        const report = await recoverThrough(config.dir, started.url, 'ci-shop');
        expect(report).toMatchObject({ shop: 'ci-shop', dryRun: false });
        expect(report.events).toContainEqual(
          expect.objectContaining({
            event: 'order_confirm',
            subjectId: String(order.innerId),
            outcome: 'new',
          }),
        );
      } finally {
        expect(await listen.interrupt()).toBe(0);
      }
    } finally {
      config.cleanup();
    }
  });

  it('the variables win over a stored login, as for the other shop commands', async () => {
    const config = tempConfigDir();
    try {
      // a stale login (a revoked secret, stored unverified): the environment's client replaces it
      const login = await runCli(config.dir, [
        'login',
        '--shop',
        'ci-shop',
        '--client-id',
        'revoked-client',
        '--client-secret',
        'revoked-SECRET-0123456789',
        '--api-url',
        'https://ci-shop.invalid/api',
        '--no-verify',
      ]);
      expect(login.code).toBe(0);
      const { order } = await sandbox.simulator.placeOrder('ci-shop', { seed: 23 });
      const { listen, started } = await startListen(config.dir, 'ci-shop', envCredentials());
      try {
        expect(started.credentials).toEqual([{ shop: 'ci-shop', login: 'oauth', source: 'env' }]);
        await subscribe(config.dir, started, 'ci-shop', envCredentials());
        const report = await recoverThrough(config.dir, started.url, 'ci-shop');
        expect(report.events).toContainEqual(
          expect.objectContaining({
            event: 'order_confirm',
            subjectId: String(order.innerId),
            outcome: 'new',
          }),
        );
      } finally {
        expect(await listen.interrupt()).toBe(0);
      }
    } finally {
      config.cleanup();
    }
  });

  it('refuses the variables when it serves several shops (one API client is one shop’s)', async () => {
    const config = tempConfigDir();
    try {
      const run = await runCli(config.dir, ['listen', '--port', '0', '--shop', 'ci-shop,legacy'], {
        env: { SRHOOKS_CLIENT_ID: ENV_CLIENT.clientId, SRHOOKS_CLIENT_SECRET: ENV_CLIENT.clientSecret },
      });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        'error: SRHOOKS_CLIENT_ID / SRHOOKS_CLIENT_SECRET are one shop’s API client, but listen serves 2 shops (ci-shop, legacy)',
      );
      const half = await runCli(config.dir, ['listen', '--port', '0', '--shop', 'ci-shop'], {
        env: { SRHOOKS_CLIENT_ID: ENV_CLIENT.clientId },
      });
      expect(half.code).toBe(2);
      expect(half.stderr).toContain('error: SRHOOKS_CLIENT_SECRET is not set');
    } finally {
      config.cleanup();
    }
  });

  it('never printed a password, client secret, Basic credential or access token (output and logs)', () => {
    const basic = Buffer.from(`${API_USER.username}:${API_USER.password}`).toString('base64');
    // the listen processes' receiver logs (--debug: info level) are among them
    expect(seenOutput.some((text) => text.includes('"msg":"recovery pass found 1 missed event(s)"'))).toBe(
      true,
    );
    for (const text of seenOutput) {
      expect(text).not.toContain(API_USER.password);
      expect(text).not.toContain(ENV_CLIENT.clientSecret);
      expect(text).not.toContain('revoked-SECRET-0123456789');
      expect(text).not.toContain(basic);
      expect(jwtIn(text)).toBeNull();
    }
  });

  it('the access-token check finds a JWT, not a delivery URL token that happens to hold "eyJ"', () => {
    const jwt = `${SANDBOX_JWT_HEADER}.eyJzdWIiOiJhY21lIn0.c2lnbmF0dXJl`;
    expect(jwtIn(`Authorization: Bearer ${jwt}`)).toBe(jwt);
    expect(jwtIn(`a header alone: ${SANDBOX_JWT_HEADER}`)).toBe(SANDBOX_JWT_HEADER);
    expect(
      jwtIn('http://127.0.0.1:38345/hooks/legacy/order_confirm/Jue8zC2beyJMid8bjOBCeRIjbbtTHHkM6lAxv5MmqVQ'),
    ).toBeNull();
    // what the check said before: any `eyJ` and ten more characters
    expect('/hooks/legacy/order_confirm/Jue8zC2beyJMid8bjOBCeRIjbbtTHHkM6lAxv5MmqVQ').toMatch(
      /eyJ[A-Za-z0-9_-]{10,}/,
    );
  });
});

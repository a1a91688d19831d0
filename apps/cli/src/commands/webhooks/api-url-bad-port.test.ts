/**
 * A shop API URL or token URL on a port fetch refuses outright (undici's "bad port" list of the fetch
 * spec: 9, 6000, … — no request is ever sent) fails a shop command at once, saying the port is one HTTP
 * clients refuse to connect to and to use another, with where the URL came from. (The API request was
 * tried 5 times, the token request 3, and each said to check the network and try again.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../../test-support/run-cli.js';

const config = tempConfigDir();
beforeAll(async () => {
  // legacy Basic auth (no token request) reaches the API read at once
  const login = await runCli(config.dir, [
    ...['login', '--shop', 'demo', '--username', 'api-user', '--password', 'api-password', '--no-verify'],
  ]);
  expect(login.code).toBe(0);
});
afterAll(() => config.cleanup());

const errorOf = async (env: Record<string, string>) => {
  const run = await runCli(config.dir, ['webhooks', 'list', '--json'], {
    env: { SRHOOKS_SHOP: 'demo', ...env },
    timeoutMs: 60_000,
  });
  expect(run.code).toBe(3);
  return JSON.parse(run.stdout).error as { code: string; message: string; hint?: string };
};

describe('webhooks list with a URL on a port fetch refuses (bad port)', () => {
  it('the API URL: one attempt, the port named, the fix says where the URL came from (exit 3)', async () => {
    const error = await errorOf({
      SRHOOKS_API_URL: 'http://127.0.0.1:6000/{shop}/api',
    });
    expect(error.message).toContain('GET http://127.0.0.1:6000/demo/api/webHooks');
    expect(error.message).toContain(
      'port 6000 is one that HTTP clients refuse to connect to: use another port',
    );
    expect(error.message).not.toContain('attempts');
    expect(error.hint).toBe(
      'the API URL came from SRHOOKS_API_URL, which replaces the stored one: correct it or unset it',
    );
  });

  it('the stored API URL: the fix says to change its port, where it is shown and how to store another', async () => {
    const stored = tempConfigDir();
    try {
      const login = await runCli(stored.dir, [
        ...['login', '--shop', 'demo', '--username', 'api-user', '--password', 'api-password', '--no-verify'],
        ...['--api-url', 'http://127.0.0.1:6000/{shop}/api'],
      ]);
      expect(login.code).toBe(0);
      const run = await runCli(stored.dir, ['webhooks', 'list', '--json'], { timeoutMs: 60_000 });
      expect(run.code).toBe(3);
      const error = JSON.parse(run.stdout).error as { message: string; hint?: string };
      expect(error.message).toContain(
        'port 6000 is one that HTTP clients refuse to connect to: use another port',
      );
      expect(error.hint).toBe(
        "change the port in the shop's stored API URL (srhooks shops shows it; srhooks login --api-url … stores another, or leave --api-url out for ShopRenter's own)",
      );
    } finally {
      stored.cleanup();
    }
  });

  it('the token URL: one attempt, the port named, the fix says where the URL came from', async () => {
    const error = await errorOf({
      SRHOOKS_CLIENT_ID: 'cid',
      SRHOOKS_CLIENT_SECRET: 'csecret',
      SRHOOKS_API_URL: 'http://127.0.0.1:1/{shop}/api',
      SRHOOKS_TOKEN_URL: 'http://127.0.0.1:9/{shop}/app/token',
    });
    expect(error.message).toContain('http://127.0.0.1:9/demo/app/token');
    expect(error.message).toContain('port 9 is one that HTTP clients refuse to connect to: use another port');
    expect(error.hint).toBe(
      'it came from SRHOOKS_TOKEN_URL, which replaces the stored token URL: correct it or unset it',
    );
  });
});

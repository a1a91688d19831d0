/**
 * A shop API that does not answer at all (nothing listens at its URL) fails a shop command with the
 * fix on its own line, naming where the API URL came from: `SRHOOKS_API_URL`, which replaces the
 * stored one, or the URL `srhooks login` stored. (The error had no second line.) Legacy Basic auth
 * (no token request) reaches the API read at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../../test-support/run-cli.js';
import { freePort } from '../../test-support/test-receiver.js';

const config = tempConfigDir();
let closed = '';

beforeAll(async () => {
  closed = `http://127.0.0.1:${await freePort()}`;
  const login = await runCli(config.dir, [
    ...['login', '--shop', 'demo', '--username', 'api-user', '--password', 'api-password', '--no-verify'],
    ...['--api-url', `${closed}/{shop}/api`],
  ]);
  expect(login.code).toBe(0);
});
afterAll(() => config.cleanup());

const errorOf = async (env: Record<string, string> = {}) => {
  const run = await runCli(config.dir, ['webhooks', 'list', '--json'], { env, timeoutMs: 60_000 });
  expect(run.code).toBe(3);
  return JSON.parse(run.stdout).error as { code: string; message: string; hint?: string };
};

describe('webhooks list when nothing listens at the API URL', () => {
  it('the stored URL: the fix says where it is shown and how to store another (exit 3)', async () => {
    const error = await errorOf();
    expect(error.message).toContain(`GET ${closed}/demo/api/webHooks`);
    expect(error.message).toContain('connection refused');
    expect(error.hint).toBe(
      "check the network and the shop's stored API URL (srhooks shops shows it; srhooks login --api-url … stores another, or leave --api-url out for ShopRenter's own)",
    );
  });

  it('from SRHOOKS_API_URL: the fix says to correct or unset it', async () => {
    const error = await errorOf({ SRHOOKS_API_URL: `${closed}/{shop}/api2` });
    expect(error.message).toContain(`GET ${closed}/demo/api2/webHooks`);
    expect(error.hint).toBe(
      'the API URL came from SRHOOKS_API_URL, which replaces the stored one: correct it or unset it',
    );
  });
});

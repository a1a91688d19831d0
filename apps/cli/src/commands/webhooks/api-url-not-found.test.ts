/**
 * A shop API URL with a wrong path on a server that answers (404 for the resource list itself) fails a
 * shop command with the fix on its own line naming where the API URL came from, as an API that does
 * not answer at all does (api-url-unreachable.test.ts): `SRHOOKS_API_URL`, which replaces the stored
 * one, or the URL `srhooks login` stored. (The message said the API URL is probably wrong, no more.)
 */
import { describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../../test-support/run-cli.js';
import { loggedInTestSandbox, loginArgs } from '../../test-support/test-sandbox.js';

const config = tempConfigDir();
const sandbox = loggedInTestSandbox(config);

const errorOf = async (dir: string, env: Record<string, string> = {}) => {
  const run = await runCli(dir, ['webhooks', 'list', '--shop', 'acme', '--json'], { env });
  expect(run.code).toBe(3);
  return JSON.parse(run.stdout).error as { code: string; message: string; hint?: string };
};

describe('webhooks list when the API URL has a wrong path on a reachable server', () => {
  it('from SRHOOKS_API_URL: the fix says to correct or unset it (exit 3)', async () => {
    const wrong = sandbox().apiUrlTemplate.replace(/\/api$/, '/apii');
    const error = await errorOf(config.dir, { SRHOOKS_API_URL: wrong });
    expect(error.message).toContain('answered 404');
    expect(error.message).toContain('the API URL is probably wrong');
    expect(error.hint).toBe(
      'the API URL came from SRHOOKS_API_URL, which replaces the stored one: correct it or unset it',
    );
  });

  it('the stored URL: the fix says where it is shown and how to store another', async () => {
    const stored = tempConfigDir();
    try {
      const args = loginArgs(sandbox(), 'acme');
      const at = args.indexOf('--api-url') + 1;
      args[at] = String(args[at]).replace(/\/api$/, '/apii');
      const login = await runCli(stored.dir, [...args, '--no-verify']);
      expect(login.code).toBe(0);
      const error = await errorOf(stored.dir);
      expect(error.message).toContain('the API URL is probably wrong');
      expect(error.hint).toBe(
        "check the shop's stored API URL (srhooks shops shows it; srhooks login --api-url … stores another, or leave --api-url out for ShopRenter's own)",
      );
    } finally {
      stored.cleanup();
    }
  });
});

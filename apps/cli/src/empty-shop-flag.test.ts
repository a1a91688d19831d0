/**
 * `--shop ""` — what `--shop "$SHOP"` passes when SHOP is unset — is refused (exit 2, code
 * `invalid_shop_name`) by every command that takes --shop, before anything is read or sent. Before, it
 * was taken for "no --shop", and the command acted on the default shop, which the line did not name.
 */
import { describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from './test-support/run-cli.js';
import { loggedInTestSandbox } from './test-support/test-sandbox.js';

const config = tempConfigDir();
loggedInTestSandbox(config);

const ERROR =
  "error: --shop is empty\ngive the shop's name (--shop my-shop), or leave --shop out to use the default shop\n";

describe('an empty --shop', () => {
  it.each([
    [['webhooks', 'list']],
    [['webhooks', 'delete', 'd2ViSG9vay1ub3RpZmljYXRpb25faWQ9MQ==']],
    [['url', '--event', 'order_confirm', '--base', 'http://127.0.0.1:4750']],
    [['logout']],
    [['events', 'list', '--receiver', 'http://127.0.0.1:1', '--admin-token', 'x'.repeat(20)]],
    [['sandbox', 'order', '--sandbox-url', 'http://127.0.0.1:1']],
    [['listen', '--port', '0']],
  ])('srhooks %j --shop "": exit 2, nothing done to the default shop', async (args) => {
    const run = await runCli(config.dir, [...args, '--shop', '']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(ERROR);
  });

  it('--json: the error document, code invalid_shop_name', async () => {
    const run = await runCli(config.dir, ['webhooks', 'list', '--shop', ' ', '--json']);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).error).toEqual({
      code: 'invalid_shop_name',
      message: '--shop is empty',
      hint: "give the shop's name (--shop my-shop), or leave --shop out to use the default shop",
      exitCode: 2,
    });
  });

  it('the default shop is still used without --shop', async () => {
    const run = await runCli(config.dir, ['webhooks', 'list', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).shop).toBe('acme');
  });
});

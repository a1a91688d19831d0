/**
 * `--delay` of `webhooks create`/`update` takes a whole number of hours or days, at least 1. A
 * negative one was refused as "must be a whole number" (-1 is one), and 0 gave no way to "no delay":
 * both now say the bound and that leaving --delay out delivers at once. Refused before the shop is
 * asked (no credentials in this config dir).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../../test-support/run-cli.js';

const config = tempConfigDir();
afterAll(() => config.cleanup());

const create = (delay: string) =>
  runCli(config.dir, [
    'webhooks',
    'create',
    '--event',
    'order_confirm',
    '--url',
    'https://hooks.example.com/x',
    '--delay',
    delay,
  ]);

describe('webhooks create --delay out of range', () => {
  it('a negative --delay says the bound and the way to no delay (exit 2)', async () => {
    const run = await create('-1');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "error: option '--delay <n>' argument '-1' is invalid. must be a whole number, at least 1 (leave --delay out to deliver at once)\n(add --help for usage)\n",
    );
  });

  it('--delay 0 says to leave it out to deliver at once (exit 2)', async () => {
    const run = await create('0');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error: --delay must be a whole number of hours, at least 1\nleave --delay out to deliver at once\n',
    );
  });
});

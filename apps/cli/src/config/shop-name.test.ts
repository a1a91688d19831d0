/**
 * A shop name that is not one is refused the same way by every command that takes one — exit 2, code
 * `invalid_shop_name`, a hint saying what a shop name is — and a shop's address given for its name
 * (`my-shop.shoprenter.hu`, `https://my-shop.shoprenter.hu/admin`) is answered with the name to use.
 * (listen, sandbox order, app install and url said only `invalid shop name "…"`, code `usage`; the admin
 * API commands sent it to the receiver, which answered `--shop is invalid: …` without the name meant.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../test-support/run-cli.js';
import { shopNameProblem } from './shop-name.js';

const config = tempConfigDir();
afterAll(() => config.cleanup());

const WHAT =
  "use the shop's ShopRenter name (my-shop of my-shop.shoprenter.hu): lowercase letters, digits and hyphens";

describe('an invalid shop name', () => {
  it.each([
    [['listen', '--port', '0', '--shop', 'SHOP'], '--shop'],
    [['sandbox', 'order', '--sandbox-url', 'http://127.0.0.1:1', '--shop', 'SHOP'], '--shop'],
    [['sandbox', 'cart', '--sandbox-url', 'http://127.0.0.1:1', '--shop', 'SHOP'], '--shop'],
    [['app', 'install', '--sandbox-url', 'http://127.0.0.1:1', '--shop', 'SHOP'], '--shop'],
    [['url', '--event', 'order_confirm', '--base', 'http://127.0.0.1:4750', '--shop', 'SHOP'], '--shop'],
    [['login', '--client-id', 'a', '--client-secret', 'b', '--shop', 'SHOP'], '--shop'],
    [['logout', '--shop', 'SHOP'], '--shop'],
    // the admin API commands: refused before the receiver (nothing listens at port 1) is asked
    ...[
      ['events', 'list'],
      ['events', 'tail'],
      ['events', 'backfill', '--handler', 'erp', '--from', '2026-12-01'],
      ['deliveries', 'list'],
      ['recover'],
      ['erase', '--email', 'a@example.com', '--reason', 'GDPR-1'],
    ].map((command): [string[], string] => [
      [...command, '--receiver', 'http://127.0.0.1:1', '--admin-token', 'x'.repeat(20), '--shop', 'SHOP'],
      '--shop',
    ]),
    [
      [
        'app',
        'mark-uninstalled',
        'SHOP',
        '--receiver',
        'http://127.0.0.1:1',
        '--admin-token',
        'x'.repeat(20),
      ],
      '',
    ],
  ])('srhooks %j: exit 2, invalid_shop_name, the name to use', async (args, flag) => {
    const given = 'https://my-shop.shoprenter.hu/admin';
    const run = await runCli(config.dir, [...args.map((arg) => (arg === 'SHOP' ? given : arg)), '--json']);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).error).toEqual({
      code: 'invalid_shop_name',
      message: `invalid shop name "${given}"`,
      hint: `did you mean ${flag ? `${flag} ` : ''}my-shop? ${WHAT}`,
      exitCode: 2,
    });
    const plain = await runCli(
      config.dir,
      args.map((arg) => (arg === 'SHOP' ? 'Bad Shop' : arg)),
    );
    expect(plain.code).toBe(2);
    expect(plain.stderr).toBe(`error: invalid shop name "Bad Shop"\n${WHAT}\n`);
  });
});

describe('an invalid shop name from an environment variable', () => {
  it.each([
    [['webhooks', 'list'], 'SRHOOKS_SHOP'],
    [['listen', '--port', '0'], 'SRHOOKS_SHOP'],
    [['url', '--event', 'order_confirm', '--base', 'http://127.0.0.1:4750'], 'SRHOOKS_SHOP'],
    [['login', '--client-id', 'a', '--client-secret', 'b'], 'SRHOOKS_SHOP'],
    [['logout'], 'SRHOOKS_SHOP'],
    [['sandbox', 'order', '--sandbox-url', 'http://127.0.0.1:1'], 'SRHOOKS_SANDBOX_SHOP'],
    [['app', 'install', '--sandbox-url', 'http://127.0.0.1:1'], 'SRHOOKS_SANDBOX_SHOP'],
  ])('srhooks %j with %s=BAD: names the variable, not --shop', async (args, variable) => {
    const run = await runCli(config.dir, args, { env: { [variable]: 'BAD' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error: invalid shop name "BAD" (from ${variable})\ndid you mean ${variable}=bad? ${WHAT}\n`,
    );
    // --shop wins over the variable, and is named when it is the one given
    const flag = await runCli(config.dir, [...args, '--shop', 'Flag'], { env: { [variable]: 'BAD' } });
    expect(flag.stderr).toBe(`error: invalid shop name "Flag"\ndid you mean --shop flag? ${WHAT}\n`);
  });
});

describe('shopNameProblem', () => {
  it('suggests the name in a shop address, lowercased; nothing for a valid name', () => {
    expect(shopNameProblem('my-shop', '--shop')).toBeUndefined();
    expect(shopNameProblem('my-shop.shoprenter.hu', '--shop')?.hint).toBe(
      `did you mean --shop my-shop? ${WHAT}`,
    );
    expect(shopNameProblem('My-Shop.myshoprenter.hu', '--shop')?.hint).toBe(
      `did you mean --shop my-shop? ${WHAT}`,
    );
    expect(shopNameProblem('MyShop', '--shop')?.hint).toBe(`did you mean --shop myshop? ${WHAT}`);
    expect(shopNameProblem('example.com', '--shop')?.hint).toBe(WHAT);
    expect(shopNameProblem('a b', '--shop')?.hint).toBe(WHAT);
  });
});

describe('a name of allowed characters that is still no shop name', () => {
  // "lowercase letters, digits and hyphens" alone did not say what was wrong with these
  it('says it is too long, or where its hyphen is', async () => {
    const long = 'a'.repeat(70);
    const run = await runCli(config.dir, ['webhooks', 'list', '--shop', long]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error: invalid shop name "${long}": 70 characters long: a shop name has at most 63\n${WHAT}\n`,
    );
    expect(shopNameProblem('-demo', '--shop')?.message).toBe(
      'invalid shop name "-demo": it starts with a hyphen: a shop name starts and ends with a letter or digit',
    );
    expect(shopNameProblem('demo-', 'SRHOOKS_SHOP')?.message).toBe(
      'invalid shop name "demo-" (from SRHOOKS_SHOP): it ends with a hyphen: a shop name starts and ends with a letter or digit',
    );
    expect(shopNameProblem('a'.repeat(63), '--shop')).toBeUndefined();
    // other characters are named by the rule itself
    expect(shopNameProblem('my_shop', '--shop')?.message).toBe('invalid shop name "my_shop"');
  });
});

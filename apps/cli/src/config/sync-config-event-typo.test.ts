/**
 * `webhooks sync -f FILE` with a misspelt event (`shops[].events[]` or `shops[].webhooks[].event`) is
 * refused, as before, and now names the event meant, as every command that takes an event on the
 * command line does (`did you mean order_confirm?`). Nothing is read or sent: the file is refused first.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../test-support/run-cli.js';

const config = tempConfigDir();
afterAll(() => config.cleanup());

function configFile(name: string, shop: object): string {
  const file = join(config.dir, '..', name);
  writeFileSync(
    file,
    JSON.stringify({ publicUrl: 'https://hooks.example.com', shops: [{ name: 'acme', ...shop }] }),
  );
  return file;
}

describe('webhooks sync: a misspelt event in the file', () => {
  it.each([
    ['events.json', { events: ['order_status_change', 'order_confrim'] }, 'shops[0].events[1]'],
    ['webhooks.json', { webhooks: [{ event: 'abandoned_crat' }] }, 'shops[0].webhooks[0].event'],
  ])('%s: names the event meant', async (name, shop, where) => {
    const file = configFile(name, shop);
    const run = await runCli(config.dir, ['webhooks', 'sync', '-f', file, '--dry-run', '--json']);
    expect(run.code).toBe(2);
    const { error } = JSON.parse(run.stdout);
    expect(error.code).toBe('config_invalid');
    expect(error.message).toMatch(
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${where.replace(/[[\].]/g, '\\$&')} must be one of `,
      ),
    );
    const meant = name === 'events.json' ? 'order_confirm' : 'abandoned_cart';
    expect(error.hint).toMatch(new RegExp(`^did you mean "${meant}"\\? fix the file`));
  });
});

describe("webhooks sync: a shop's address or capitalised name given for its name", () => {
  it.each([
    ['https://my-shop.shoprenter.hu/admin', 'my-shop'],
    ['MyShop', 'myshop'],
  ])('%s: names the shop name meant, as --shop does', async (given, meant) => {
    const file = join(config.dir, '..', 'shop-name.json');
    writeFileSync(
      file,
      JSON.stringify({
        publicUrl: 'https://hooks.example.com',
        shops: [{ name: given, events: ['order_confirm'] }],
      }),
    );
    const run = await runCli(config.dir, ['webhooks', 'sync', '-f', file, '--dry-run', '--json']);
    expect(run.code).toBe(2);
    const { error } = JSON.parse(run.stdout);
    expect(error.code).toBe('config_invalid');
    expect(error.message).toBe(
      `${file}: shops[0].name must be a ShopRenter shop name: lowercase letters, digits and hyphens`,
    );
    expect(error.hint).toMatch(new RegExp(`^did you mean "${meant}"\\? fix the file`));
  });
});

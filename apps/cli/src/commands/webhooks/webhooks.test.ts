import { describe, expect, it } from 'vitest';
import { runCli, seenOutput, tempConfigDir } from '../../test-support/run-cli.js';
import { loggedInTestSandbox, TEST_CLIENT } from '../../test-support/test-sandbox.js';

const config = tempConfigDir();
const sandbox = loggedInTestSandbox(config);
const TOKEN = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde';
const URL_A = `https://hooks.example.com/hooks/acme/order_confirm/${TOKEN}`;
const URL_B = 'https://other.example.com/status';

const cli = (...args: string[]) => runCli(config.dir, args);
const json = async (...args: string[]) => {
  const run = await cli(...args, '--json');
  if (run.code !== 0) throw new Error(`srhooks ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout);
};

describe('srhooks webhooks', () => {
  let id = '';

  it('create: every flag lands in the subscription', async () => {
    const result = await json(
      'webhooks',
      'create',
      '--event',
      'order_confirm',
      '--url',
      URL_A,
      '--type',
      'xml',
      '--field',
      'order_innerId',
      '--fields',
      'order_total,orderProduct_sku',
      '--delay',
      '10',
      '--delay-unit',
      'day',
      '--label',
      'orders to the ERP',
      '--disabled',
    );
    id = result.webhook.id;
    expect(result).toEqual({
      shop: 'acme',
      webhook: {
        id: expect.any(String),
        href: expect.stringContaining(`/webHooks/${id}`),
        event: 'order_confirm',
        label: 'orders to the ERP',
        status: '0',
        enabled: false,
        webHookParameters: [
          { type: 'xml', url: URL_A, fields: ['order_innerId', 'order_total', 'orderProduct_sku'] },
        ],
        webHookDelay: [{ delay: 10, delayUnit: 'day' }],
      },
    });
  });

  it('create and update say a delay in words: 2 days, 1 hour', async () => {
    const created = await cli(
      'webhooks',
      'create',
      '--event',
      'abandoned_cart',
      '--url',
      URL_B,
      '--delay',
      '2',
      '--delay-unit',
      'day',
    );
    expect(created.code).toBe(0);
    const createdId = /created webhook (\S+)/.exec(created.stdout)?.[1] ?? '';
    try {
      expect(created.stdout).toMatch(/^delay\s+2 days$/m);
      const updated = await cli('webhooks', 'update', createdId, '--delay', '1', '--delay-unit', 'hour');
      expect(updated.code).toBe(0);
      expect(updated.stdout).toMatch(/^delay\s+1 hour$/m);
    } finally {
      // the later tests list the shop's webhooks
      expect((await cli('webhooks', 'delete', createdId)).code).toBe(0);
    }
  });

  it('create with defaults prints the subscription', async () => {
    const run = await cli('webhooks', 'create', '--event', 'order_status_change', '--url', URL_B);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^✔ created webhook \S+ on acme\n/);
    expect(run.stdout).toMatch(/^label\s+srhooks order_status_change$/m);
    expect(run.stdout).toMatch(/^fields\s+\(default set\)$/m);
    expect(run.stdout).toMatch(/^delay\s+at once$/m);
  });

  it('list: a table with id, event, status, type, url (token cut), fields count and delay', async () => {
    const run = await cli('webhooks', 'list');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+EVENT\s+STATUS\s+TYPE\s+URL\s+FIELDS\s+DELAY$/);
    expect(lines[1]).toMatch(
      new RegExp(
        `^${id}\\s+order_confirm\\s+disabled\\s+xml\\s+https://hooks\\.example\\.com/hooks/acme/order_confirm/AbCd…\\s+3\\s+10 days$`,
      ),
    );
    expect(lines[2]).toMatch(
      /^\S+\s+order_status_change\s+enabled\s+json\s+https:\/\/other\.example\.com\/status\s+default\s+at once$/,
    );
    expect(lines[3]).toBe('2 webhooks on acme');
    expect(run.stdout).not.toContain(TOKEN);
  });

  it('list --json has the whole URLs; --event filters', async () => {
    const all = await json('webhooks', 'list');
    expect(all.shop).toBe('acme');
    expect(all.webhooks.map((w: { event: string }) => w.event)).toEqual([
      'order_confirm',
      'order_status_change',
    ]);
    expect(all.webhooks[0].webHookParameters[0].url).toBe(URL_A);
    const filtered = await json('webhooks', 'list', '--event', 'order_status_change');
    expect(filtered.webhooks).toHaveLength(1);
  });

  it('get', async () => {
    const result = await json('webhooks', 'get', id);
    expect(result.webhook).toMatchObject({ id, event: 'order_confirm', enabled: false });
    const run = await cli('webhooks', 'get', id);
    expect(run.stdout).toMatch(
      new RegExp(
        `^id\\s+${id}\\nevent\\s+order_confirm\\nstatus\\s+disabled\\nlabel\\s+orders to the ERP\\n`,
      ),
    );
  });

  it('update changes only the given flags', async () => {
    const result = await json(
      'webhooks',
      'update',
      id,
      '--label',
      'renamed',
      '--clear-delay',
      '--fields',
      'order_email',
    );
    expect(result.webhook).toMatchObject({
      id,
      label: 'renamed',
      enabled: false,
      webHookParameters: [{ type: 'xml', url: URL_A, fields: ['order_email'] }],
      webHookDelay: [],
    });
    const cleared = await json('webhooks', 'update', id, '--clear-fields', '--type', 'json', '--enabled');
    expect(cleared.webhook).toMatchObject({
      enabled: true,
      webHookParameters: [{ type: 'json', url: URL_A }],
    });
    expect(cleared.webhook.webHookParameters[0].fields ?? []).toEqual([]);
  });

  it('update without flags, or with contradicting ones, is a usage error', async () => {
    const nothing = await cli('webhooks', 'update', id);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('nothing to update');
    const both = await cli('webhooks', 'update', id, '--enabled', '--disabled');
    expect(both.code).toBe(2);
    // An empty label in the flag's words, not the client's ("input.label must be a non-empty string").
    for (const label of ['', '   ']) {
      const empty = await cli('webhooks', 'update', id, '--label', label);
      expect(empty.code).toBe(2);
      expect(empty.stderr).toMatch(/^error: --label must not be empty\n/);
      expect(empty.stderr).not.toContain('input.label');
    }
  });

  it('disable and enable', async () => {
    expect((await json('webhooks', 'disable', id)).webhook.enabled).toBe(false);
    // already disabled: the same --json shape, nothing more
    expect(await json('webhooks', 'disable', id)).toEqual({
      shop: 'acme',
      webhook: expect.objectContaining({ id, enabled: false, status: '0' }),
    });
    const again = await cli('webhooks', 'disable', id);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^✔ webhook ${id} was already disabled: nothing changed\\n`));
    // a real change: one read of the subscription, one write (the API allows 3 requests a second); no token
    // request: the access token of the commands before is reused from the config dir's token cache (3
    // requests before, when every command requested its own token)
    const before = sandbox().requestCount('acme').total;
    const enabled = await cli('webhooks', 'enable', id);
    expect(enabled.stdout).toMatch(new RegExp(`^✔ webhook ${id} is enabled\\n`));
    expect(sandbox().requestCount('acme').total - before).toBe(2);
    const enabledAgain = await cli('webhooks', 'enable', id);
    expect(enabledAgain.code).toBe(0);
    expect(enabledAgain.stdout).toMatch(
      new RegExp(`^✔ webhook ${id} was already enabled: nothing changed\\n`),
    );
    expect((await json('webhooks', 'get', id)).webhook.status).toBe('1');
  });

  // about 15 CLI processes one after another: under CI load (2 cores, both suites) it took over 30 s
  it('create rejects bad input before calling the shop (exit 2)', { timeout: 90_000 }, async () => {
    const cases: [string[], string][] = [
      [['--url', URL_B], 'missing --event'],
      [['--event', 'order_confirm'], 'missing --url'],
      [
        ['--event', 'newsletter_subscribe', '--url', URL_B, '--fields', 'order_innerId'],
        'not available for newsletter_subscribe',
      ],
      [['--event', 'order_confirm', '--url', URL_B, '--delay-unit', 'day'], '--delay-unit needs --delay N'],
      [['--event', 'order_confirm', '--url', 'http://hooks.example.com/plain'], 'https'],
      [['--event', 'order_confirm', '--url', URL_B, '--label', ''], '--label must not be empty'],
      [
        ['--event', 'order_confirm', '--url', URL_B, '--delay', '40000', '--delay-unit', 'day'],
        "--delay 40000 --delay-unit day is too long: a webhook's delay is at most 36500 days (876000 hours)",
      ],
    ];
    for (const [args, message] of cases) {
      const run = await cli('webhooks', 'create', ...args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain(message);
    }
    expect((await json('webhooks', 'list')).webhooks).toHaveLength(2);
    // a signed receiver URL made for another event or shop: the receiver takes every delivery to
    // it as that shop's that event (an order_confirm would run the abandoned_cart handlers)
    const otherEvent = `https://hooks.example.com/hooks/acme/abandoned_cart/${TOKEN}`;
    const wrongEvent = await cli('webhooks', 'create', '--event', 'order_confirm', '--url', otherEvent);
    expect(wrongEvent.code).toBe(2);
    expect(wrongEvent.stderr).toBe(
      'error: --url is the signed receiver URL for acme abandoned_cart, not for acme order_confirm: the receiver would take each order_confirm delivery to it as acme abandoned_cart (the token signs the shop and event in the URL) and handle it, or quarantine it, as one\n' +
        'use the order_confirm URL (srhooks url --shop acme --event order_confirm --base …, or the one srhooks listen printed)\n',
    );
    const otherShop = `https://hooks.example.com/hooks/beta/order_confirm/${TOKEN}`;
    const wrongShop = await cli('webhooks', 'create', '--event', 'order_confirm', '--url', otherShop);
    expect(wrongShop.code).toBe(2);
    expect(wrongShop.stderr).toContain(
      'is the signed receiver URL for beta order_confirm, not for acme order_confirm',
    );
    const changed = await cli('webhooks', 'update', id, '--event', 'order_status_change');
    expect(changed.code).toBe(2);
    expect(changed.stderr).toContain(
      "error: the subscription's URL is the signed receiver URL for acme order_confirm, not for acme order_status_change",
    );
    expect((await json('webhooks', 'list')).webhooks).toHaveLength(2);
    expect((await json('webhooks', 'get', id)).webhook.event).toBe('order_confirm');
    const plain = await cli(
      'webhooks',
      'create',
      '--event',
      'order_confirm',
      '--url',
      'http://example.com/x',
    );
    expect(plain.stderr).toBe(
      'error: --url "http://example.com/x" uses plain http://: use https:// (the URL carries its secret token, which plain http sends in clear; whether ShopRenter delivers to plain http at all is not documented, assumed not). Plain http is allowed only to loopback addresses such as 127.0.0.1, for local testing\n',
    );
  });

  it('get/delete of an unknown id is an API error (exit 3)', async () => {
    const missing = Buffer.from('webHook-notification_id=999').toString('base64');
    const run = await cli('webhooks', 'get', missing);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^error: .*404/);
  });

  it('delete', async () => {
    const before = await json('webhooks', 'list');
    const ids = before.webhooks.map((w: { id: string }) => w.id);
    expect(await json('webhooks', 'delete', ...ids)).toEqual({ shop: 'acme', deleted: ids });
    expect((await json('webhooks', 'list')).webhooks).toEqual([]);
    const empty = await cli('webhooks', 'list');
    expect(empty.stdout).toContain('no webhooks on acme');
  });

  it('delete stopping at a failure says which were deleted and which were not tried (exit 3)', async () => {
    const make = async (event: string) =>
      (await json('webhooks', 'create', '--event', event, '--url', URL_B)).webhook.id as string;
    const first = await make('order_confirm');
    const last = await make('abandoned_cart');
    const missing = Buffer.from('webHook-notification_id=999').toString('base64');

    const human = await cli('webhooks', 'delete', first, missing, last);
    expect(human.code).toBe(3);
    expect(human.stdout).toContain(`✔ deleted webhook ${first}`);
    expect(human.stdout).toMatch(new RegExp(`✖ not deleted ${missing}: .*404`));
    expect(human.stdout).toContain(`not tried (the run stopped at ${missing}): ${last}`);
    expect((await json('webhooks', 'list')).webhooks.map((w: { id: string }) => w.id)).toEqual([last]);

    const again = await cli('webhooks', 'delete', last, missing, '--json');
    expect(again.code).toBe(3);
    expect(JSON.parse(again.stdout)).toMatchObject({
      shop: 'acme',
      deleted: [last],
      failed: { id: missing, error: { code: expect.any(String), message: expect.stringContaining('404') } },
      notTried: [],
    });
    expect((await json('webhooks', 'list')).webhooks).toEqual([]);
  });

  it('a secret refused while SRHOOKS_CLIENT_SECRET is set names the variable, not srhooks login', async () => {
    const run = await runCli(config.dir, ['webhooks', 'list'], {
      env: { SRHOOKS_CLIENT_SECRET: 'not-the-secret' },
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^error: ShopRenter refused the client credentials for shop "acme"/);
    expect(run.stderr.split('\n')[1]).toBe(
      'the client id and secret came from SRHOOKS_CLIENT_SECRET, which replaces the stored one: correct it or unset it (srhooks login does not change what the variable sends)',
    );
    const both = await runCli(config.dir, ['webhooks', 'list'], {
      env: { SRHOOKS_CLIENT_ID: TEST_CLIENT.clientId, SRHOOKS_CLIENT_SECRET: 'not-the-secret' },
    });
    expect(both.stderr).toContain('came from SRHOOKS_CLIENT_ID and SRHOOKS_CLIENT_SECRET, which replace');
  });

  it('never printed the client secret', () => {
    for (const text of seenOutput) expect(text).not.toContain(TEST_CLIENT.clientSecret);
  });
});

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signDeliveryUrl } from '@srhooks/contracts';
import type { RunningSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, seenOutput, tempConfigDir } from '../../test-support/run-cli.js';
import { loginArgs, startTestSandbox, TEST_CLIENT } from '../../test-support/test-sandbox.js';

let sandbox: RunningSandbox;
const config = tempConfigDir();
const SECRET = 'sync-test-receiver-secret-0123456789';
const env = { SRHOOKS_SECRETS: `${SECRET},older-secret-0123456789abcdef` };
const PUBLIC_URL = 'https://hooks.example.com';
const signed = (event: 'order_confirm' | 'abandoned_cart') =>
  signDeliveryUrl(PUBLIC_URL, { shop: 'acme', event }, SECRET);

let file = '';
function writeConfig(webhooks: unknown[], extra: Record<string, unknown> = {}): void {
  writeFileSync(
    file,
    JSON.stringify({ receiver: { publicUrl: PUBLIC_URL }, shops: [{ name: 'acme', webhooks }], ...extra }),
  );
}
const sync = (...args: string[]) => runCli(config.dir, ['webhooks', 'sync', '-f', file, ...args], { env });
const list = async () =>
  JSON.parse((await runCli(config.dir, ['webhooks', 'list', '--json'])).stdout).webhooks;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  file = join(config.dir, '..', 'srhooks.config.json');
  const login = await runCli(config.dir, loginArgs(sandbox, 'acme'));
  if (login.code !== 0) throw new Error(login.stderr);
});
afterAll(async () => {
  await sandbox.close();
  config.cleanup();
});

describe('srhooks webhooks sync', () => {
  it('--dry-run prints the plan and changes nothing', async () => {
    writeConfig([
      { event: 'order_confirm', fields: ['order_innerId', 'order_total'] },
      { event: 'abandoned_cart', delay: { value: 2, unit: 'hour' }, enabled: false },
      { event: 'newsletter_subscribe', url: 'https://crm.example.com/hook', type: 'xml', label: 'crm' },
    ]);
    const run = await sync('--dry-run');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('shop acme');
    expect(lines[1]).toMatch(
      /^ {2}\+ create {2}order_confirm {9}https:\/\/hooks\.example\.com\/hooks\/acme\/order_confirm\/\S{4}…$/,
    );
    expect(lines[2]).toBe(
      '              type json · fields order_innerId,order_total · delay at once · label "srhooks order_confirm" · enabled',
    );
    expect(lines[4]).toContain('delay 2 hours');
    expect(lines[4]).toContain('disabled');
    expect(lines[5]).toMatch(/^ {2}\+ create {2}newsletter_subscribe {2}https:\/\/crm\.example\.com\/hook$/);
    expect(run.stdout).toContain('Plan: 3 to create, 0 to update, 0 unchanged.');
    expect(run.stdout).toContain('dry run: nothing was changed');
    expect(run.stdout).not.toContain(SECRET);
    expect(await list()).toEqual([]);
  });

  it('applies the plan; the signed URLs use the first secret', async () => {
    const run = await sync('--json');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ dryRun: false, prune: false, ok: true });
    expect(result.shops[0]).toMatchObject({
      shop: 'acme',
      inSync: false,
      unchanged: 0,
      summary: { created: 3, updated: 0, deleted: 0, failed: 0 },
      ok: true,
    });
    expect(result.shops[0].lines[0]).toEqual({
      action: 'create',
      id: expect.any(String),
      event: 'order_confirm',
      url: signed('order_confirm'),
      desired: {
        type: 'json',
        fields: ['order_innerId', 'order_total'],
        delay: null,
        label: 'srhooks order_confirm',
        enabled: true,
      },
      applied: true,
      ok: true,
      status: expect.any(Number),
    });
    const current = await list();
    expect(
      current.map((w: { event: string; webHookParameters: { url: string }[] }) => [
        w.event,
        w.webHookParameters[0]?.url,
      ]),
    ).toEqual([
      ['order_confirm', signed('order_confirm')],
      ['abandoned_cart', signed('abandoned_cart')],
      ['newsletter_subscribe', 'https://crm.example.com/hook'],
    ]);
  });

  it('a second run is in sync and changes nothing (exit 0)', async () => {
    const before = await list();
    const run = await sync();
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      'shop acme\nPlan: 0 to create, 0 to update, 3 unchanged.\n✔ in sync: nothing to do\n',
    );
    expect(await list()).toEqual(before);
  });

  it('prints ~ update with the changed attributes, and keeps extras without --prune', async () => {
    writeConfig([
      { event: 'order_confirm', fields: ['order_innerId', 'order_total', 'order_email'] },
      { event: 'abandoned_cart', delay: { value: 2, unit: 'hour' }, label: 'carts' },
    ]);
    const run = await sync();
    expect(run.code).toBe(0);
    const out = run.stdout;
    expect(out).toMatch(
      / {2}~ update {2}order_confirm\s+https:\/\/hooks\.example\.com\/\S+ \(\S+\)\n {14}fields: \[order_innerId, order_total\] → \[order_email, order_innerId, order_total\]\n/,
    );
    expect(out).toMatch(
      / {2}~ update {2}abandoned_cart\s+\S+ \(\S+\)\n {14}enabled: false → true\n {14}label: "srhooks abandoned_cart" → "carts"\n/,
    );
    expect(out).toMatch(
      / {2}# keep {4}newsletter_subscribe\s+https:\/\/crm\.example\.com\/hook \(\S+\)\n {14}not in the config; --prune deletes it\n/,
    );
    expect(out).toContain('Plan: 0 to create, 2 to update, 0 unchanged, 1 extra kept.');
    expect(out).toContain('✔ applied: 0 created, 2 updated');
    expect(await list()).toHaveLength(3);
  });

  it('a change back to the default fields or to no delay says so in the words the plan uses', async () => {
    writeConfig([{ event: 'order_confirm' }, { event: 'abandoned_cart', label: 'carts' }]);
    const run = await sync();
    expect(run.code).toBe(0);
    // it said "→ []" and "→ none": no fields at all, no delay set
    expect(run.stdout).toMatch(
      / {2}~ update {2}order_confirm\s+\S+ \(\S+\)\n {14}fields: \[order_email, order_innerId, order_total\] → default\n/,
    );
    expect(run.stdout).toMatch(
      / {2}~ update {2}abandoned_cart\s+\S+ \(\S+\)\n {14}delay: 2 hours → at once\n/,
    );
    // back as the tests below expect the shop
    writeConfig([
      { event: 'order_confirm', fields: ['order_innerId', 'order_total', 'order_email'] },
      { event: 'abandoned_cart', delay: { value: 2, unit: 'hour' }, label: 'carts' },
    ]);
    expect((await sync()).code).toBe(0);
  });

  it('--prune deletes what the file does not list', async () => {
    const plan = await sync('--prune', '--dry-run');
    expect(plan.stdout).toMatch(/ {2}- delete {2}newsletter_subscribe {2}https:\/\/crm\.example\.com\/hook/);
    expect(plan.stdout).toContain('Plan: 0 to create, 0 to update, 1 to delete, 2 unchanged.');
    expect(await list()).toHaveLength(3);
    const run = await sync('--prune');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('✔ applied: 0 created, 0 updated, 1 deleted');
    expect((await list()).map((w: { event: string }) => w.event)).toEqual([
      'order_confirm',
      'abandoned_cart',
    ]);
    const again = await sync('--prune');
    expect(again.stdout).toContain('✔ in sync: nothing to do');
  });

  it('a misspelt key in a shop entry is refused, so --prune never reads it as "no webhooks"', async () => {
    writeFileSync(
      file,
      JSON.stringify({
        publicUrl: PUBLIC_URL,
        shops: [{ name: 'acme', webhook: [{ event: 'order_confirm' }, { event: 'abandoned_cart' }] }],
      }),
    );
    const run = await sync('--prune');
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe(`error: ${file}: shops[0] has an unknown key "webhook"`);
    expect(run.stderr).toContain('did you mean "webhooks"?');
    expect(await list()).toHaveLength(2);
  });

  it("reads the receiver config shape too (top-level publicUrl, a shop's events list)", async () => {
    writeFileSync(
      file,
      JSON.stringify({ publicUrl: PUBLIC_URL, shops: [{ name: 'acme', events: ['order_confirm'] }] }),
    );
    const run = await sync('--dry-run', '--json');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout).shops[0];
    // order_confirm exists with other fields, abandoned_cart is extra
    expect(
      result.lines.map((line: { action: string; event: string }) => `${line.action} ${line.event}`),
    ).toEqual(['update order_confirm', 'keep abandoned_cart']);
  });

  it('a config file that is not JSON: the line and column, nothing of the file quoted', async () => {
    writeFileSync(file, '{\n  "shops": [\n    {"name": acme-secret-shop}\n  ]\n}\n');
    const run = await sync('--json');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `error: -f ${file} is not valid JSON: unexpected character at line 3, column 14`,
    );
    expect(run.stderr).toContain('fix the JSON at line 3, column 14');
    expect(run.stdout + run.stderr).not.toContain('acme-secret');
    expect(JSON.parse(run.stdout).error).toMatchObject({ code: 'config_invalid', exitCode: 2 });
  });

  it.each([
    ['{"shops": [', 'is not valid JSON: the JSON ends too early'],
    ['{"shops": []}', 'list at least one shop'],
    ['{"shops": [{"name": "Bad Shop"}]}', 'shops[0].name'],
    [
      '{"shops": [{"name": "acme", "webhooks": [{"event": "order_confrim"}]}]}',
      'shops[0].webhooks[0].event must be one of',
    ],
    [
      '{"shops": [{"name": "acme", "webhooks": [{"event": "order_confirm"}]}]}',
      'has no url and no publicUrl',
    ],
    [
      '{"shops": [{"name": "acme", "webhooks": [{"event": "order_confirm", "url": "https://x.example.com", "delay": {"value": 0, "unit": "day"}}]}]}',
      'delay.value',
    ],
    // the receiver's publicUrl rule: a query string is refused, never dropped from the registered URLs
    [
      '{"publicUrl": "https://hooks.example.com/base?x=1", "shops": [{"name": "acme", "events": ["order_confirm"]}]}',
      ': publicUrl "https://hooks.example.com/base?x=1" has a query string (?x=1): delivery URLs are <publicUrl>/hooks/<shop>/<event>/<token>',
    ],
    [
      '{"receiver": {"publicUrl": "https://hooks.example.com/#x"}, "shops": [{"name": "acme", "events": ["order_confirm"]}]}',
      ': receiver.publicUrl "https://hooks.example.com/#x" has a fragment (#x)',
    ],
  ])('a bad config file is a usage error: %s', async (content, message) => {
    writeFileSync(file, content);
    const run = await sync();
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it.each([
    ['{"publicUrl": "https://hooks.example.com"}', ': shops is missing (a list of shops'],
    ['{"shops": {"name": "acme"}}', ': shops must be a list of shops'],
    ['[]', ': must be a JSON object'],
    ['{"shops": [{"webhooks": []}]}', ': shops[0].name is missing'],
    [
      '{"shops": [{"name": "acme", "webhooks": [{"url": "https://x.example.com"}]}]}',
      'shops[0].webhooks[0].event is missing',
    ],
    [
      '{"shops": [{"name": "acme", "webhooks": [{"event": "order_confirm", "fields": "order_innerId"}]}]}',
      'shops[0].webhooks[0].fields must be a list',
    ],
  ])("a missing or mistyped key is named in plain words, not zod's: %s", async (content, message) => {
    writeFileSync(file, content);
    const run = await sync();
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toContain('Invalid input');
  });

  it('a missing file or secret is a usage error', async () => {
    const missing = await runCli(config.dir, ['webhooks', 'sync', '-f', join(config.dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`error: -f ${join(config.dir, 'nope.json')} does not exist\n`);
    expect(missing.stderr).not.toContain('ENOENT');
    writeConfig([{ event: 'order_confirm' }]);
    const noSecret = await runCli(config.dir, ['webhooks', 'sync', '-f', file]);
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toContain('set SRHOOKS_SECRETS');
  });

  it('a plan error names the entry in the file and cuts the URL token to four characters', async () => {
    writeConfig([{ event: 'order_confirm' }, { event: 'abandoned_cart' }, { event: 'order_confirm' }]);
    const run = await sync('--dry-run');
    expect(run.code).toBe(2);
    const token = signed('order_confirm').split('/').at(-1) ?? '';
    const masked = `${PUBLIC_URL}/hooks/acme/order_confirm/${token.slice(0, 4)}…`;
    expect(run.stderr.split('\n')[0]).toBe(
      `error: ${file}: shops[0].webhooks[2] (order_confirm) repeats shops[0].webhooks[0] (event order_confirm, url ${masked}): a shop keeps one subscription per event and url, remove one of them`,
    );
    expect(run.stderr).not.toContain(token);
    expect(run.stderr).not.toContain('desired[');
  });

  it('refuses a webhook whose url is the signed receiver URL of another event (the receiver would 404 every delivery)', async () => {
    writeConfig([{ event: 'order_confirm', url: signed('abandoned_cart') }]);
    const run = await sync('--dry-run');
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe(
      `error: ${file}: shops[0].webhooks[0] (order_confirm) url is the signed receiver URL for acme abandoned_cart, not for acme order_confirm: the receiver would take each order_confirm delivery to it as acme abandoned_cart (the token signs the shop and event in the URL) and handle it, or quarantine it, as one`,
    );
    expect(run.stderr).toContain('leave "url" out to have sync sign the order_confirm URL');
  });

  it('never printed the client secret or a whole receiver secret', () => {
    for (const text of seenOutput) {
      expect(text).not.toContain(TEST_CLIENT.clientSecret);
      expect(text).not.toContain(SECRET);
    }
  });
});

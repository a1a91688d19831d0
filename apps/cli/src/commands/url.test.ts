import { join } from 'node:path';
import { parseDeliveryPath, signDeliveryUrl, verifyDeliveryPath } from '@srhooks/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { loadListenSecrets } from '../config/listen-secrets.js';
import { runCli, tempConfigDir } from '../test-support/run-cli.js';

const config = tempConfigDir();
afterAll(() => config.cleanup());

const SECRET = 'url-test-secret-0123456789abcdef';
const OLD_SECRET = 'url-test-old-secret-0123456789ab';

describe('srhooks url', () => {
  it('prints only the signed URL, signed with --secret', async () => {
    const run = await runCli(config.dir, [
      'url',
      '--shop',
      'my-shop',
      '--event',
      'order_confirm',
      '--base',
      'https://hooks.example.com/base/',
      '--secret',
      SECRET,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `${signDeliveryUrl('https://hooks.example.com/base/', { shop: 'my-shop', event: 'order_confirm' }, SECRET)}\n`,
    );
    const path = parseDeliveryPath(new URL(run.stdout.trim()).pathname);
    expect(path).not.toBeNull();
    expect(verifyDeliveryPath(path as NonNullable<typeof path>, [SECRET])).toEqual({
      ok: true,
      secretIndex: 0,
    });
  });

  it("without SRHOOKS_SECRETS it signs with listen's kept secret, and warns when the base is not a local address", async () => {
    const dir = tempConfigDir();
    try {
      const kept = await loadListenSecrets(dir.dir);
      const args = ['url', '--shop', 'my-shop', '--event', 'order_confirm', '--base'];
      const remote = await runCli(dir.dir, [...args, 'https://hooks.example.com']);
      expect(remote.code).toBe(0);
      expect(remote.stdout).toBe(
        `${signDeliveryUrl('https://hooks.example.com', { shop: 'my-shop', event: 'order_confirm' }, kept.urlSecret)}\n`,
      );
      // a production receiver would answer this URL 404: say so, on stderr ($(srhooks url …) still works)
      expect(remote.stderr).toBe(
        `warning: signed with the secret srhooks listen keeps (${join(dir.dir, 'listen.json')}), as SRHOOKS_SECRETS is not set: only srhooks listen accepts this URL; for the receiver at https://hooks.example.com set SRHOOKS_SECRETS to its secrets (or pass --secret)\n`,
      );
      for (const local of ['http://127.0.0.1:4750', 'http://localhost:4750/']) {
        const run = await runCli(dir.dir, [...args, local]);
        expect(run.code).toBe(0);
        expect(run.stderr).toBe('');
      }
    } finally {
      dir.cleanup();
    }
  });

  it('takes the first entry of SRHOOKS_SECRETS and SRHOOKS_SHOP', async () => {
    const run = await runCli(
      config.dir,
      ['url', '--event', 'abandoned_cart', '--base', 'https://h.example.com', '--json'],
      {
        env: { SRHOOKS_SECRETS: ` ${SECRET} , ${OLD_SECRET}`, SRHOOKS_SHOP: 'env-shop' },
      },
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      shop: 'env-shop',
      event: 'abandoned_cart',
      url: signDeliveryUrl('https://h.example.com', { shop: 'env-shop', event: 'abandoned_cart' }, SECRET),
    });
  });

  it.each([
    [['--event', 'order_confirm', '--base', 'https://h.example.com', '--secret', SECRET], 'missing --shop'],
    [
      [
        '--shop',
        'Bad_Shop',
        '--event',
        'order_confirm',
        '--base',
        'https://h.example.com',
        '--secret',
        SECRET,
      ],
      'invalid shop name',
    ],
    [['--shop', 's', '--base', 'https://h.example.com', '--secret', SECRET], 'missing --event'],
    [['--shop', 's', '--event', 'order_confirm', '--secret', SECRET], 'missing --base'],
    [
      ['--shop', 's', '--event', 'order_confirm', '--base', 'ftp://x', '--secret', SECRET],
      '--base must be an http(s) URL',
    ],
    // the receiver's publicUrl rule: a query string or fragment is refused, never dropped from the URL
    [
      [
        '--shop',
        's',
        '--event',
        'order_confirm',
        '--base',
        'https://h.example.com/base?x=1',
        '--secret',
        SECRET,
      ],
      '--base "https://h.example.com/base?x=1" has a query string (?x=1): delivery URLs are <publicUrl>/hooks/<shop>/<event>/<token>, and ShopRenter documents nothing about query strings on webhook URLs; remove the query (use a path prefix instead, e.g. https://h.example.com/base)',
    ],
    [
      ['--shop', 's', '--event', 'order_confirm', '--base', 'https://h.example.com/#x', '--secret', SECRET],
      '--base "https://h.example.com/#x" has a fragment (#x)',
    ],
    [['--shop', 's', '--event', 'order_confirm', '--base', 'https://h.example.com'], 'no receiver secret'],
    [
      ['--shop', 's', '--event', 'order_confirm', '--base', 'https://h.example.com', '--secret', 'short'],
      'error: --secret is too short (5 characters; at least 16)',
    ],
  ])('usage error for %j', async (args, message) => {
    const run = await runCli(config.dir, ['url', ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
  });
});

it('a short secret from SRHOOKS_SECRETS is named as that variable\'s, not as "the receiver secret"', async () => {
  const run = await runCli(
    config.dir,
    ['url', '--shop', 's', '--event', 'order_confirm', '--base', 'https://h.example.com'],
    {
      env: { SRHOOKS_SECRETS: 'short,0123456789abcdef0123' },
    },
  );
  expect(run.code).toBe(2);
  expect(run.stderr).toBe(
    "error: SRHOOKS_SECRETS entry 1 is too short (5 characters; at least 16)\nevery secret in SRHOOKS_SECRETS must be the receiver's, e.g. `openssl rand -hex 32`\n",
  );
});

it('a short later SRHOOKS_SECRETS entry is refused too, as listen, webhooks list and sync refuse it', async () => {
  // before: url signed with the first entry and printed a URL for a receiver that refuses to start
  const run = await runCli(
    config.dir,
    ['url', '--shop', 's', '--event', 'order_confirm', '--base', 'https://h.example.com'],
    { env: { SRHOOKS_SECRETS: '0123456789abcdef0123,short' } },
  );
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr).toBe(
    "error: SRHOOKS_SECRETS entry 2 is too short (5 characters; at least 16)\nevery secret in SRHOOKS_SECRETS must be the receiver's, e.g. `openssl rand -hex 32`\n",
  );
});

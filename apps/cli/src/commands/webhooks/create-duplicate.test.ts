/**
 * `webhooks create` refuses an exact duplicate (same event and url as an existing subscription):
 * the shop would deliver every event twice. Checked against the real sandbox over HTTP, with the
 * shop's subscriptions listed before and after to prove nothing was created.
 */
import { describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../../test-support/run-cli.js';
import { loggedInTestSandbox, testSandboxClient } from '../../test-support/test-sandbox.js';

const config = tempConfigDir();
const sandbox = loggedInTestSandbox(config);
const TOKEN = 'DupTokenAbCdEfGhIjKlMnOpQrStUvWxYz0123456789';
const SIGNED_URL = `https://hooks.example.com/hooks/acme/order_confirm/${TOKEN}`;

const cli = (...args: string[]) => runCli(config.dir, args, { timeoutMs: 30_000 });
const json = async (...args: string[]) => {
  const run = await cli(...args, '--json');
  if (run.code !== 0) throw new Error(`srhooks ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout);
};

interface Listed {
  id: string;
  event: string;
  webHookParameters: { url: string }[];
}

async function listWebhooks(): Promise<Listed[]> {
  return (await json('webhooks', 'list')).webhooks as Listed[];
}

const withUrl = (hooks: Listed[], url: string) =>
  hooks.filter((hook) => hook.webHookParameters.some((parameter) => parameter.url === url));

describe('srhooks webhooks create: exact duplicates', () => {
  it('a second subscription with the same event and url is refused (exit 2), naming the existing one; nothing is created', async () => {
    const first = await json('webhooks', 'create', '--event', 'order_confirm', '--url', SIGNED_URL);
    const before = await listWebhooks();

    const run = await cli('webhooks', 'create', '--event', 'order_confirm', '--url', SIGNED_URL);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const masked = 'https://hooks.example.com/hooks/acme/order_confirm/DupT…';
    expect(run.stderr).toBe(
      `error: acme already has webhook ${first.webhook.id} for order_confirm to ${masked}: a second one would deliver every order_confirm twice\n` +
        `change that one with srhooks webhooks update ${first.webhook.id} …, or pass --allow-duplicate if you really want two\n`,
    );
    expect(run.stderr).not.toContain(TOKEN);

    // --json: the error document on stdout, the same exit code
    const asJson = await cli('webhooks', 'create', '--event', 'order_confirm', '--url', SIGNED_URL, '--json');
    expect(asJson.code).toBe(2);
    expect(JSON.parse(asJson.stdout)).toEqual({
      error: {
        code: 'duplicate_webhook',
        message: expect.stringContaining(`already has webhook ${first.webhook.id} for order_confirm`),
        hint: expect.stringContaining(`srhooks webhooks update ${first.webhook.id}`),
        exitCode: 2,
      },
    });
    expect(JSON.parse(asJson.stdout).error.hint).toContain('--allow-duplicate');

    const after = await listWebhooks();
    expect(after).toEqual(before);
    expect(withUrl(after, SIGNED_URL).map((hook) => hook.id)).toEqual([first.webhook.id]);
  });

  it('the same url for another event is allowed, while that url repeated for the same event is not', async () => {
    const url = 'https://crm.example.com/shared-hook';
    const confirm = await json('webhooks', 'create', '--event', 'order_confirm', '--url', url);
    const status = await json('webhooks', 'create', '--event', 'order_status_change', '--url', url);
    expect(status.webhook.id).not.toBe(confirm.webhook.id);

    const repeated = await cli('webhooks', 'create', '--event', 'order_status_change', '--url', url);
    expect(repeated.code).toBe(2);
    expect(repeated.stderr).toContain(`already has webhook ${status.webhook.id} for order_status_change`);

    const listed = withUrl(await listWebhooks(), url);
    expect(listed.map((hook) => [hook.id, hook.event])).toEqual([
      [confirm.webhook.id, 'order_confirm'],
      [status.webhook.id, 'order_status_change'],
    ]);
  });

  it('--allow-duplicate creates the second subscription', async () => {
    const url = 'https://twice.example.com/hook';
    const first = await json('webhooks', 'create', '--event', 'abandoned_cart', '--url', url);
    const second = await json(
      'webhooks',
      'create',
      '--event',
      'abandoned_cart',
      '--url',
      url,
      '--allow-duplicate',
      '--label',
      'second copy',
    );
    expect(second.webhook.id).not.toBe(first.webhook.id);
    expect(second.webhook).toMatchObject({ event: 'abandoned_cart', label: 'second copy' });

    const listed = withUrl(await listWebhooks(), url);
    expect(listed.map((hook) => hook.id)).toEqual([first.webhook.id, second.webhook.id]);
  });

  it('finds the existing subscription beyond the first page of the list', async () => {
    const client = testSandboxClient(sandbox());
    // 200 (the largest page) fillers before the one that matters, so it lands on page 1
    for (let start = 0; start < 200; start += 25) {
      await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          client.webhooks.create({
            event: 'newsletter_subscribe',
            url: `https://filler.example.com/${start + i}`,
          }),
        ),
      );
    }
    const url = 'https://late.example.com/hook';
    const late = await json('webhooks', 'create', '--event', 'order_confirm', '--url', url);
    const firstPage = await client.webhooks.list({ page: 0, limit: 200, full: true });
    expect(firstPage.hasNext).toBe(true);
    expect(firstPage.items.map((item) => item.id)).not.toContain(late.webhook.id);

    const before = await listWebhooks();
    const run = await cli('webhooks', 'create', '--event', 'order_confirm', '--url', url);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`already has webhook ${late.webhook.id} for order_confirm`);
    expect(await listWebhooks()).toEqual(before);
  });
});

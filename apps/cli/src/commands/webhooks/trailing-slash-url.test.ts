/**
 * A signed receiver URL with a "/" after its token (`…/hooks/acme/order_confirm/{token}/`, easy to
 * type or paste) is answered 404 by the receiver, which routes only `…/{token}`: a subscription to it
 * would lose every delivery (ShopRenter does not resend). `webhooks create`, `update --url` and
 * `sync`'s file refuse it (exit 2, code `url_trailing_slash`, the URL without the slash, token
 * masked), and nothing reaches the shop. (Before, all three registered it.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../../test-support/run-cli.js';
import { writeSyncFile } from '../../test-support/sync-file.js';
import { startTestReceiver, type TestReceiver } from '../../test-support/test-receiver.js';
import { loggedInTestSandbox, testSandboxClient } from '../../test-support/test-sandbox.js';

const config = tempConfigDir();
const sandbox = loggedInTestSandbox(config);
const TOKEN = 'SlashTokAbCdEfGhIjKlMnOpQrStUvWxYz012345678';
const SIGNED = `https://hooks.example.com/hooks/acme/order_confirm/${TOKEN}`;
const MASKED = 'https://hooks.example.com/hooks/acme/order_confirm/Slas…';

const cli = (...args: string[]) => runCli(config.dir, args, { timeoutMs: 30_000 });
const listed = async () => JSON.parse((await cli('webhooks', 'list', '--json')).stdout).webhooks as unknown[];

let receiver: TestReceiver | undefined;
afterAll(async () => {
  await receiver?.receiver.close();
});

describe('a signed receiver URL with a trailing slash', () => {
  it('is answered 404 by the receiver (what the refusal is about); the trigger hint says why', async () => {
    receiver = await startTestReceiver(config.dir, { secrets: ['trailing-slash-secret-0123456789'] });
    const url = receiver.deliveryUrl({ shop: 'acme', event: 'order_confirm' });
    const exact = await cli('trigger', 'order_confirm', '--to', url);
    expect(exact.code).toBe(0);
    const slashed = await cli('trigger', 'order_confirm', '--to', `${url}/`);
    expect(slashed.code).toBe(3);
    expect(slashed.stdout).toContain('HTTP 404');
    // the hint names the slash, not a wrong secret (which it said before)
    expect(slashed.stderr).toBe(
      'hint: a srhooks receiver answers 404 to a delivery URL with a "/" after its token: remove the trailing slash\n',
    );
  });

  it('webhooks create refuses it (exit 2, url_trailing_slash), naming the URL to use; nothing is created', async () => {
    const run = await cli('webhooks', 'create', '--event', 'order_confirm', '--url', `${SIGNED}/`);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'error: --url ends in "/" after its signed token: the receiver answers 404 to …/hooks/acme/order_confirm/{token}/ (it takes the URL without the trailing slash), so every delivery to it would be lost\n' +
        `remove the trailing slash: ${MASKED}\n`,
    );
    expect(run.stderr).not.toContain(TOKEN);
    const asJson = await cli(
      'webhooks',
      'create',
      '--event',
      'order_confirm',
      '--url',
      `${SIGNED}/`,
      '--json',
    );
    expect(asJson.code).toBe(2);
    expect(JSON.parse(asJson.stdout).error.code).toBe('url_trailing_slash');
    expect(await listed()).toEqual([]);
  });

  it('webhooks update --url refuses it and leaves the subscription as it was', async () => {
    const created = await cli('webhooks', 'create', '--event', 'order_confirm', '--url', SIGNED, '--json');
    expect(created.code).toBe(0);
    const id = JSON.parse(created.stdout).webhook.id as string;
    const run = await cli('webhooks', 'update', id, '--url', `${SIGNED}/`);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error: --url ends in "/" after its signed token');
    const after = JSON.parse((await cli('webhooks', 'get', id, '--json')).stdout).webhook;
    expect(after.webHookParameters.map((parameter: { url: string }) => parameter.url)).toEqual([SIGNED]);
  });

  it("webhooks sync refuses it in the file's url", async () => {
    const file = writeSyncFile(config, 'slash.config.json', [
      { event: 'abandoned_cart', url: `${SIGNED.replace('order_confirm', 'abandoned_cart')}/` },
    ]);
    const before = await listed();
    const run = await cli('webhooks', 'sync', '-f', file);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('url ends in "/" after its signed token');
    expect(run.stderr).toContain(
      'remove the trailing slash: https://hooks.example.com/hooks/acme/abandoned_cart/Slas…',
    );
    expect(await listed()).toEqual(before);
  });

  it("sandbox order's failure line names the slash of a subscription made before (or by another tool)", async () => {
    if (!receiver) throw new Error('the first test starts the receiver');
    const client = testSandboxClient(sandbox());
    const url = `${receiver.deliveryUrl({ shop: 'acme', event: 'newsletter_subscribe' })}/`;
    await client.webhooks.create({ event: 'newsletter_subscribe', url });
    const run = await cli('sandbox', 'subscribe', '--shop', 'acme', '--sandbox-url', sandbox().url);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain(
      `(the receiver answered 404: the subscription's URL has a "/" after its token, which the receiver never takes; remove the trailing slash (srhooks webhooks update ID --url …, the ids in srhooks webhooks list))`,
    );
    expect(run.stdout).not.toContain('did not sign');
  });
});

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createShopRenterClient, type ShopRenterClient } from '@srhooks/client';
import { ALL_SCOPES, freePort, type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../../test-support/run-cli.js';
import { silentServer } from '../../test-support/silent-server.js';
import { loginArgs, TEST_CLIENT } from '../../test-support/test-sandbox.js';

// A config file with several shops: one shop failing (its token endpoint cannot be reached, its secret
// is refused, it does not answer in time) must not keep the others from being synced, and what happened
// to each must be reported, in the result and, as each shop finishes, on stderr.
// Kept fast: the CLI runs once per scenario; the shops' subscriptions are read and cleaned up through
// the client directly (it took 134 s in CI with a CLI process per list and per delete).

let sandbox: RunningSandbox;
let silent: Awaited<ReturnType<typeof silentServer>>;
const config = tempConfigDir();
const env = { SRHOOKS_SECRETS: 'several-shops-receiver-secret-0123456789' };
let file = '';
/** The synced shops, read and cleaned up without the CLI. */
const clients = new Map<string, ShopRenterClient>();

function writeConfig(shops: string[]): void {
  writeFileSync(
    file,
    JSON.stringify({
      publicUrl: 'https://hooks.example.com',
      shops: shops.map((name) => ({ name, webhooks: [{ event: 'order_confirm' }] })),
    }),
  );
}
const sync = (...args: string[]) => runCli(config.dir, ['webhooks', 'sync', '-f', file, ...args], { env });
const shopWebhooks = (shop: string) => (clients.get(shop) as ShopRenterClient).webhooks.all();
const acmeWebhooks = () => shopWebhooks('acme');
const gammaWebhooks = () => shopWebhooks('gamma');

/** `srhooks login` without asking the shop (a shop whose endpoints fail or never answer). */
async function loginUnverified(shop: string, urls: { apiUrl: string; tokenUrl: string }): Promise<void> {
  const run = await runCli(config.dir, [
    ...['login', '--shop', shop, '--client-id', TEST_CLIENT.clientId],
    ...['--client-secret', TEST_CLIENT.clientSecret, '--api-url', urls.apiUrl],
    ...['--token-url', urls.tokenUrl, '--no-verify'],
  ]);
  if (run.code !== 0) throw new Error(run.stderr);
}

beforeAll(async () => {
  sandbox = await startSandbox({
    rateLimit: false,
    shops: ['acme', 'gamma', 'delta', 'mute'].map((name) => ({
      name,
      clients: [{ ...TEST_CLIENT, scopes: [...ALL_SCOPES] }],
    })),
  });
  silent = await silentServer();
  file = join(config.dir, '..', 'several-shops.config.json');
  for (const shop of ['acme', 'gamma']) {
    clients.set(
      shop,
      createShopRenterClient({
        shop,
        auth: { clientId: TEST_CLIENT.clientId, clientSecret: TEST_CLIENT.clientSecret },
        apiUrl: sandbox.apiUrlTemplate,
        tokenUrl: sandbox.tokenUrlTemplate,
        rateLimit: false,
      }),
    );
  }
  const login = await runCli(config.dir, loginArgs(sandbox, 'acme'));
  if (login.code !== 0) throw new Error(login.stderr);
  // a shop whose token endpoint nobody listens on (stored without verifying): a free port, not port 1,
  // which fetch refuses to request at all (a "bad port", said as such)
  const nobody = await freePort();
  await loginUnverified('beta', {
    apiUrl: `http://127.0.0.1:${nobody}/{shop}/api`,
    tokenUrl: `http://127.0.0.1:${nobody}/{shop}/app/token`,
  });
  // a shop after beta in the file: synced although beta fails
  const gamma = await runCli(config.dir, loginArgs(sandbox, 'gamma'));
  if (gamma.code !== 0) throw new Error(gamma.stderr);
  // a shop whose secret was changed in the shop admin after login (the stored one is refused)
  const delta = await runCli(config.dir, [
    ...loginArgs(sandbox, 'delta', { ...TEST_CLIENT, clientSecret: 'revoked-secret-0000' }),
    '--no-verify',
  ]);
  if (delta.code !== 0) throw new Error(delta.stderr);
  // a shop whose token endpoint accepts the connection and never answers
  const silentUrl = `http://127.0.0.1:${silent.port}`;
  await loginUnverified('quiet', {
    apiUrl: `${silentUrl}/{shop}/api`,
    tokenUrl: `${silentUrl}/{shop}/app/token`,
  });
  // a shop that gets its token but whose API never answers
  await loginUnverified('mute', { apiUrl: `${silentUrl}/{shop}/api`, tokenUrl: sandbox.tokenUrlTemplate });
});
beforeEach(async () => {
  for (const shop of ['acme', 'gamma']) {
    const client = clients.get(shop) as ShopRenterClient;
    for (const webhook of await client.webhooks.all()) await client.webhooks.delete(webhook.id);
  }
});
afterAll(async () => {
  await sandbox?.close();
  await silent?.close();
  config.cleanup();
});

describe('srhooks webhooks sync with several shops', () => {
  it('a later shop without credentials is refused before any shop is changed (exit 2)', async () => {
    writeConfig(['acme', 'ghost']);
    const run = await sync('--json');
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).error).toMatchObject({ code: 'no_credentials' });
    expect(run.stderr).toContain('no credentials for shop ghost');
    expect(await acmeWebhooks()).toEqual([]);
  });

  it('a shop failing does not stop the run: the shops after it are synced too (exit 3), each reported on stderr as it finishes', async () => {
    writeConfig(['acme', 'beta', 'gamma']);
    const run = await sync();
    expect(run.code).toBe(3);
    expect(await acmeWebhooks()).toHaveLength(1);
    expect(run.stdout).toContain('shop acme');
    expect(run.stdout).toContain('✔ applied: 1 created, 0 updated');
    expect(run.stdout).toContain('shop beta');
    expect(run.stdout).toMatch(/✖ not synced: could not reach the ShopRenter token endpoint/);
    // gamma comes after the failed beta and is still synced
    expect(run.stdout).toContain('shop gamma');
    expect(await gammaWebhooks()).toHaveLength(1);
    expect(run.stdout).toContain('✖ 1 of 3 shops not synced: beta');
    expect(run.stdout).not.toContain('the run stopped');
    // stderr is not a terminal here (no spinner): one plain line per shop, as each finishes
    const progress = run.stderr.split('\n').filter((line) => / shops done\)$/.test(line));
    expect(progress).toHaveLength(3);
    expect(progress).toContainEqual(
      expect.stringMatching(/^acme: 1 created, 0 updated \([123] of 3 shops done\)$/),
    );
    expect(progress).toContainEqual(
      expect.stringMatching(/^gamma: 1 created, 0 updated \([123] of 3 shops done\)$/),
    );
    expect(progress).toContainEqual(
      expect.stringMatching(
        /^beta: failed — could not reach the ShopRenter token endpoint .* \([123] of 3 shops done\)$/,
      ),
    );
    expect(progress.map((line) => /\((\d) of 3/.exec(line)?.[1])).toEqual(['1', '2', '3']);
  });

  it('--json carries every shop (the failed ones with their errors: unreachable, secret refused, no answer within --timeout) and the failed shops; progress stays on stderr', async () => {
    // beta first: the first shop failing does not keep the others from being synced either
    writeConfig(['beta', 'acme', 'delta', 'quiet', 'mute', 'gamma']);
    const started = Date.now();
    const arrivedBefore = silent.arrived.length;
    // 3000 ms: on a slow, loaded machine 250 ms ran out before some attempts were even sent, and 1000 ms
    // before the answer of a shop that does answer (acme, a clean-clone CI run at load 16)
    const run = await sync('--json', '--timeout', '3000');
    // a silent shop costs its attempts × 3 s (+ the client's short back-off), not 5 × 30 s
    expect(Date.now() - started).toBeLessThan(90_000);
    expect(run.code).toBe(3);
    // stdout is the one JSON document, the progress lines went to stderr
    const result = JSON.parse(run.stdout);
    expect(result.ok).toBe(false);
    expect(result.shops.map((shop: { shop: string }) => shop.shop)).toEqual([
      'beta',
      'acme',
      'delta',
      'quiet',
      'mute',
      'gamma',
    ]);
    expect(result.shops[0]).toMatchObject({
      shop: 'beta',
      ok: false,
      lines: [],
      error: { code: expect.any(String), message: expect.stringContaining('token endpoint'), exitCode: 3 },
    });
    expect(result.shops[1]).toMatchObject({ shop: 'acme', ok: true, summary: { created: 1 } });
    // a shop whose secret is refused says which shop to log in to again
    expect(result.shops[2].error).toMatchObject({ code: 'invalid_client', exitCode: 3 });
    expect(result.shops[2].error.hint).toContain('srhooks login --shop delta --client-id');
    // shops that do not answer: failed, naming the shop and the time limit
    for (const shop of [result.shops[3], result.shops[4]]) {
      expect(shop).toMatchObject({ ok: false, lines: [], error: { code: 'timeout', exitCode: 3 } });
      expect(shop.error.message).toContain(
        `shop ${shop.shop} did not answer in time (--timeout 3s per request)`,
      );
      expect(shop.error.hint).toContain('--timeout');
    }
    expect(result.shops[3].error.message).toContain('token endpoint');
    // quiet's token request and mute's API request (its token came from the sandbox) were each sent
    // and retried as the client does (3 and 5 attempts), every attempt cut off after 3 s
    const arrived = await silent.received(8, arrivedBefore);
    expect(arrived.filter((request) => request === 'POST /quiet/app/token')).toHaveLength(3);
    expect(arrived.filter((request) => request.startsWith('GET /mute/api/webHooks?'))).toHaveLength(5);
    expect(result.shops[4].error.message).toMatch(
      /GET \S+\/mute\/api\/webHooks\S* timed out after 5 attempts/,
    );
    expect(result.shops[5]).toMatchObject({ shop: 'gamma', ok: true });
    expect(result.failedShops).toEqual(['beta', 'delta', 'quiet', 'mute']);
    expect(result).not.toHaveProperty('notSynced');
    expect(await acmeWebhooks()).toHaveLength(1);
    expect(await gammaWebhooks()).toHaveLength(1);
    const progress = run.stderr.split('\n').filter((line) => / shops done\)$/.test(line));
    expect(progress).toHaveLength(6);
    expect(progress).toContainEqual(
      expect.stringMatching(/^mute: failed — shop mute did not answer in time \(--timeout 3s per request\)/),
    );
    for (const output of [run.stdout, run.stderr]) {
      expect(output).not.toContain(TEST_CLIENT.clientSecret);
      expect(output).not.toContain('revoked-secret-0000');
    }
  });

  it('--timeout takes a duration: a bare 30 is refused saying what to write, nothing changed', async () => {
    writeConfig(['acme']);
    const run = await sync('--timeout', '30');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'a bare number is milliseconds: write 30s for 30 seconds (or 30ms if milliseconds are meant)',
    );
    expect(await acmeWebhooks()).toEqual([]);
  });

  it('a field the event does not have, in any shop of the file, is refused before any shop is changed', async () => {
    // found by QA: the field was checked only when the run reached that shop, after the shops
    // before it (and, once shops ran on after a failure, the ones after it too) were changed, and
    // the error listed all ~100 allowed fields
    writeFileSync(
      file,
      JSON.stringify({
        publicUrl: 'https://hooks.example.com',
        shops: [
          { name: 'acme', webhooks: [{ event: 'order_confirm' }] },
          { name: 'gamma', webhooks: [{ event: 'order_confirm', fields: ['order_innerId', 'order_bogus'] }] },
        ],
      }),
    );
    const run = await sync('--json');
    expect(run.code).toBe(2);
    const { error } = JSON.parse(run.stdout);
    expect(error.message).toContain('shops[1].webhooks[0] (order_confirm)');
    expect(error.message).toContain('order_bogus');
    expect(error.message).not.toContain('allowed:');
    expect(error.hint).toContain('srhooks fields order_confirm');
    expect(await acmeWebhooks()).toEqual([]);
    expect(await gammaWebhooks()).toEqual([]);
  });

  it('shops run side by side; output, warnings and the finished order of the progress lines', async () => {
    // an extra subscription to this receiver's URL on each shop (a warning each)
    for (const shop of ['acme', 'gamma']) {
      await (clients.get(shop) as ShopRenterClient).webhooks.create({
        event: 'abandoned_cart',
        url: `https://hooks.example.com/hooks/${shop}/abandoned_cart/old-token-abcdefabcdef`,
      });
    }
    writeConfig(['acme', 'gamma']);
    // acme answers slowly: it finishes after gamma, yet comes first
    sandbox.setFaults('acme', { latencyMs: 1200 });
    try {
      const run = await sync();
      expect(run.code).toBe(0);
      expect(run.stdout.indexOf('shop acme')).toBeLessThan(run.stdout.indexOf('shop gamma'));
      expect(run.stderr.indexOf('warning: acme has 1 subscription')).toBeGreaterThanOrEqual(0);
      expect(run.stderr.indexOf('warning: acme')).toBeLessThan(run.stderr.indexOf('warning: gamma'));
      // the progress lines come as the shops finish: gamma first
      expect(run.stderr).toMatch(
        /^gamma: 1 created, 0 updated \(1 of 2 shops done\)\nacme: 1 created, 0 updated \(2 of 2 shops done\)$/m,
      );
    } finally {
      sandbox.setFaults('acme', {});
    }
  });

  it("SRHOOKS_CLIENT_ID / SRHOOKS_CLIENT_SECRET (one shop's API client) with several shops are refused", async () => {
    writeConfig(['acme', 'gamma']);
    const credentials = {
      SRHOOKS_CLIENT_ID: TEST_CLIENT.clientId,
      SRHOOKS_CLIENT_SECRET: TEST_CLIENT.clientSecret,
    };
    const run = await runCli(config.dir, ['webhooks', 'sync', '-f', file, '--json'], {
      env: { ...env, ...credentials },
    });
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).error).toMatchObject({ code: 'ambiguous_credentials' });
    expect(run.stderr).toContain(
      'error: SRHOOKS_CLIENT_ID / SRHOOKS_CLIENT_SECRET are one shop’s API client',
    );
    expect(await acmeWebhooks()).toEqual([]);
    // limited to one shop of the file, they are that shop's
    const one = await runCli(config.dir, ['webhooks', 'sync', '-f', file, '--shop', 'acme'], {
      env: { ...env, ...credentials },
    });
    expect(one.code).toBe(0);
    expect(await acmeWebhooks()).toHaveLength(1);
    // a run over one shop prints its result, no progress line
    expect(one.stderr).not.toContain('shops done');
  });

  it('a run over one shop that fails is still one error; one that times out names the shop and the limit', async () => {
    writeConfig(['beta', 'acme', 'quiet']);
    const run = await sync('--json', '--shop', 'beta');
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout).error.message).toContain('token endpoint');
    const quiet = await sync('--shop', 'quiet', '--timeout', '100');
    expect(quiet.code).toBe(3);
    expect(quiet.stderr).toContain('error: shop quiet did not answer in time (--timeout 100ms per request)');
    expect(quiet.stderr).toContain('or allow more time with --timeout (e.g. --timeout 60s)');
  });
});

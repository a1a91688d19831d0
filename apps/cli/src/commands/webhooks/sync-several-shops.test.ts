import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_SCOPES, type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../../test-support/run-cli.js';
import { loginArgs, TEST_CLIENT } from '../../test-support/test-sandbox.js';

// A config file with several shops: one shop failing (its token endpoint cannot be reached) must not
// keep the others from being synced, and what happened to each must be reported.

let sandbox: RunningSandbox;
const config = tempConfigDir();
const env = { SRHOOKS_SECRETS: 'several-shops-receiver-secret-0123456789' };
let file = '';

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
const shopWebhooks = async (shop: string) =>
  JSON.parse((await runCli(config.dir, ['webhooks', 'list', '--shop', shop, '--json'])).stdout).webhooks;
const acmeWebhooks = () => shopWebhooks('acme');
const gammaWebhooks = () => shopWebhooks('gamma');

beforeAll(async () => {
  sandbox = await startSandbox({
    rateLimit: false,
    shops: ['acme', 'gamma', 'delta'].map((name) => ({
      name,
      clients: [{ ...TEST_CLIENT, scopes: [...ALL_SCOPES] }],
    })),
  });
  file = join(config.dir, '..', 'several-shops.config.json');
  const login = await runCli(config.dir, loginArgs(sandbox, 'acme'));
  if (login.code !== 0) throw new Error(login.stderr);
  // a shop whose token endpoint nobody listens on (stored without verifying)
  const beta = await runCli(config.dir, [
    'login',
    '--shop',
    'beta',
    '--client-id',
    TEST_CLIENT.clientId,
    '--client-secret',
    TEST_CLIENT.clientSecret,
    '--api-url',
    'http://127.0.0.1:1/{shop}/api',
    '--token-url',
    'http://127.0.0.1:1/{shop}/app/token',
    '--no-verify',
  ]);
  if (beta.code !== 0) throw new Error(beta.stderr);
  // a shop after beta in the file: synced although beta fails
  const gamma = await runCli(config.dir, loginArgs(sandbox, 'gamma'));
  if (gamma.code !== 0) throw new Error(gamma.stderr);
  // a shop whose secret was changed in the shop admin after login (the stored one is refused)
  const delta = await runCli(config.dir, [
    ...loginArgs(sandbox, 'delta', { ...TEST_CLIENT, clientSecret: 'revoked-secret-0000' }),
    '--no-verify',
  ]);
  if (delta.code !== 0) throw new Error(delta.stderr);
});
beforeEach(async () => {
  for (const shop of ['acme', 'gamma']) {
    for (const webhook of await shopWebhooks(shop)) {
      await runCli(config.dir, ['webhooks', 'delete', '--shop', shop, webhook.id]);
    }
  }
});
afterAll(async () => {
  await sandbox.close();
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

  it('a shop failing does not stop the run: the shops after it are synced too (exit 3)', async () => {
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
  });

  it('--json carries every shop, the failed one with its error, and the failed shops', async () => {
    writeConfig(['acme', 'beta', 'gamma']);
    const run = await sync('--json');
    expect(run.code).toBe(3);
    const result = JSON.parse(run.stdout);
    expect(result.ok).toBe(false);
    expect(result.shops[0]).toMatchObject({ shop: 'acme', ok: true });
    expect(result.shops[1]).toMatchObject({
      shop: 'beta',
      ok: false,
      lines: [],
      error: { code: expect.any(String), message: expect.stringContaining('token endpoint'), exitCode: 3 },
    });
    expect(result.shops[2]).toMatchObject({ shop: 'gamma', ok: true });
    expect(result.shops).toHaveLength(3);
    expect(result.failedShops).toEqual(['beta']);
    expect(result).not.toHaveProperty('notSynced');
    expect(run.stdout).not.toContain(TEST_CLIENT.clientSecret);
  });

  it('a shop whose secret is refused says which shop to log in to again', async () => {
    writeConfig(['acme', 'delta']);
    const run = await sync('--json');
    expect(run.code).toBe(3);
    const { error } = JSON.parse(run.stdout).shops[1];
    expect(error).toMatchObject({ code: 'invalid_client', exitCode: 3 });
    expect(error.hint).toContain('srhooks login --shop delta --client-id');
    expect(run.stdout).not.toContain('revoked-secret-0000');
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

  it('shops run side by side; output and warnings come in the file order', async () => {
    // an extra subscription to this receiver's URL on each shop (a warning each)
    for (const shop of ['acme', 'gamma']) {
      const made = await runCli(config.dir, [
        ...['webhooks', 'create', '--shop', shop, '--event', 'abandoned_cart', '--url'],
        `https://hooks.example.com/hooks/${shop}/abandoned_cart/old-token-abcdefabcdef`,
      ]);
      if (made.code !== 0) throw new Error(made.stderr);
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
  });

  it('the first shop failing does not keep the others from being synced', async () => {
    writeConfig(['beta', 'acme']);
    const run = await sync('--json');
    expect(run.code).toBe(3);
    const result = JSON.parse(run.stdout);
    expect(result.shops[0]).toMatchObject({ shop: 'beta', ok: false, error: { exitCode: 3 } });
    expect(result.shops[1]).toMatchObject({ shop: 'acme', ok: true, summary: { created: 1 } });
    expect(await acmeWebhooks()).toHaveLength(1);
  });

  it('a run over one shop that fails is still one error', async () => {
    writeConfig(['beta', 'acme']);
    const run = await sync('--json', '--shop', 'beta');
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout).error.message).toContain('token endpoint');
  });
});

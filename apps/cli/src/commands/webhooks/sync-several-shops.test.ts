import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../../test-support/run-cli.js';
import { loginArgs, startTestSandbox, TEST_CLIENT } from '../../test-support/test-sandbox.js';

// A config file with several shops: what the run did to the first shop must never go unreported
// because a later shop failed.

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
const acmeWebhooks = async () =>
  JSON.parse((await runCli(config.dir, ['webhooks', 'list', '--shop', 'acme', '--json'])).stdout).webhooks;

beforeAll(async () => {
  sandbox = await startTestSandbox();
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
  // a shop the runs below never reach (it comes after beta)
  const gamma = await runCli(config.dir, [...loginArgs(sandbox, 'gamma'), '--no-verify']);
  if (gamma.code !== 0) throw new Error(gamma.stderr);
});
beforeEach(async () => {
  for (const webhook of await acmeWebhooks()) {
    await runCli(config.dir, ['webhooks', 'delete', '--shop', 'acme', webhook.id]);
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

  it('a later shop failing reports what was applied to the earlier ones (exit 3)', async () => {
    writeConfig(['acme', 'beta']);
    const run = await sync();
    expect(run.code).toBe(3);
    expect(await acmeWebhooks()).toHaveLength(1);
    expect(run.stdout).toContain('shop acme');
    expect(run.stdout).toContain('✔ applied: 1 created, 0 updated');
    expect(run.stdout).toContain('shop beta');
    expect(run.stdout).toMatch(/✖ not synced: could not reach the ShopRenter token endpoint/);
  });

  it('--json carries the failed shop with its error and the shops left out', async () => {
    writeConfig(['acme', 'beta', 'gamma']);
    const run = await sync('--json');
    expect(run.code).toBe(3);
    const result = JSON.parse(run.stdout);
    expect(result.ok).toBe(false);
    expect(result.shops[0]).toMatchObject({ shop: 'acme', ok: true, summary: { created: 1 } });
    expect(result.shops[1]).toMatchObject({
      shop: 'beta',
      ok: false,
      lines: [],
      error: { code: expect.any(String), message: expect.stringContaining('token endpoint'), exitCode: 3 },
    });
    expect(result.shops).toHaveLength(2);
    expect(result.notSynced).toEqual(['gamma']);
    expect(run.stdout).not.toContain(TEST_CLIENT.clientSecret);
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

  it('the first shop failing is still one error (nothing was done)', async () => {
    writeConfig(['beta', 'acme']);
    const run = await sync('--json');
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout).error.message).toContain('token endpoint');
    expect(await acmeWebhooks()).toEqual([]);
  });
});

/**
 * The OAuth access token is kept between commands (token-cache.json in the config dir): a token lives an
 * hour, a command a second, and each command that requested its own spent a token request (and a round
 * trip) on it. Against an in-process sandbox whose shop `acme` has two API clients; the sandbox counts
 * the tokens it issued.
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_SCOPES, type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, seenOutput, tempConfigDir } from '../test-support/run-cli.js';
import { loginArgs, TEST_CLIENT } from '../test-support/test-sandbox.js';

const OTHER_CLIENT = {
  clientId: 'cli-other-client-2b9c',
  clientSecret: 'cli-other-SECRET-6f1e0c2a9d',
} as const;

const config = tempConfigDir();
const cachePath = join(config.dir, 'token-cache.json');
let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({
    logger: false,
    rateLimit: false,
    shops: [
      {
        name: 'acme',
        clients: [
          { ...TEST_CLIENT, scopes: [...ALL_SCOPES] },
          { ...OTHER_CLIENT, scopes: [...ALL_SCOPES] },
        ],
      },
    ],
  });
});

afterAll(async () => {
  await sandbox?.close();
  config.cleanup();
});

/** Tokens the sandbox issued for acme to the commands of this file; every token the cache held. */
let issued = 0;
let issuedBefore = 0;
const issuedSince = () => issued - issuedBefore;
const seenTokens = new Set<string>();

const cli = async (args: string[], env: Record<string, string> = {}) => {
  const before = sandbox.sandbox.shop('acme').tokens.issued.size;
  const run = await runCli(config.dir, args, { env });
  // the tokens issued meanwhile (none expires within the test, and none is revoked while a command runs)
  issued += Math.max(0, sandbox.sandbox.shop('acme').tokens.issued.size - before);
  try {
    for (const token of cachedTokens()) seenTokens.add(token);
  } catch {
    // no cache file (or one a test made unreadable)
  }
  return run;
};
const ok = async (args: string[], env: Record<string, string> = {}) => {
  const run = await cli(args, env);
  if (run.code !== 0) throw new Error(`srhooks ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return run;
};

function cacheFile() {
  return JSON.parse(readFileSync(cachePath, 'utf8')) as {
    tokens: Record<string, { shop: string; accessToken: string }>;
  };
}
function cachedTokens(): string[] {
  return Object.values(cacheFile().tokens).map((entry) => entry.accessToken);
}

beforeEach(() => {
  issuedBefore = issued;
});

describe('the access token is reused across commands', () => {
  it('two commands in a row request one token in all; the cache file is 0600 and holds no secret', async () => {
    await ok(loginArgs(sandbox, 'acme'));
    rmSync(cachePath, { force: true }); // login's own token aside: this is about the commands
    issuedBefore = issued;
    const requests = sandbox.requestCount('acme').total;
    await ok(['webhooks', 'list']);
    await ok(['webhooks', 'list', '--json']);
    expect(issuedSince()).toBe(1);
    // one token request and one list each
    expect(sandbox.requestCount('acme').total - requests).toBe(3);
    expect(statSync(cachePath).mode & 0o777).toBe(0o600);
    const text = readFileSync(cachePath, 'utf8');
    expect(text).not.toContain(TEST_CLIENT.clientSecret);
    expect(Object.keys(cacheFile().tokens)).toHaveLength(1);
    expect(Object.keys(cacheFile().tokens)[0]).toMatch(/"sha256:[0-9a-f]{64}"/);
  });

  it('the token login requested is the next command’s', async () => {
    await ok(loginArgs(sandbox, 'acme'));
    expect(issuedSince()).toBe(1);
    await ok(['webhooks', 'list']);
    expect(issuedSince()).toBe(1);
  });

  it('a token the shop no longer accepts: the next command gets a new one and succeeds', async () => {
    await ok(['webhooks', 'list']);
    const [old] = cachedTokens();
    expect(sandbox.revokeTokens('acme')).toBeGreaterThan(0);
    const run = await cli(['webhooks', 'list', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ shop: 'acme' });
    expect(sandbox.requestCount('acme').byStatus[401]).toBeGreaterThanOrEqual(1);
    const [renewed] = cachedTokens();
    expect(renewed).toBeDefined();
    expect(renewed).not.toBe(old);
    // and the one after reuses the new one
    issuedBefore = issued;
    await ok(['webhooks', 'list']);
    expect(issuedSince()).toBe(0);
    expect(cachedTokens()).toEqual([renewed]);
  });

  it('login with other credentials never reuses the token of the old ones', async () => {
    await ok(['webhooks', 'list']);
    const [old] = cachedTokens();
    await ok(loginArgs(sandbox, 'acme', OTHER_CLIENT));
    expect(issuedSince()).toBe(1);
    // the old credentials' token is gone; the new one is there
    expect(cachedTokens()).toHaveLength(1);
    expect(cachedTokens()).not.toContain(old);
    await ok(['webhooks', 'list']);
    expect(issuedSince()).toBe(1);

    // the same client id with another secret (not verified): no token of the right secret is used for it
    const wrong = [
      ...loginArgs(sandbox, 'acme', { ...OTHER_CLIENT, clientSecret: 'not-the-SECRET-at-all' }),
      '--no-verify',
    ];
    await ok(wrong);
    const refused = await cli(['webhooks', 'list']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('ShopRenter refused the client credentials for shop "acme"');
    await ok(loginArgs(sandbox, 'acme', OTHER_CLIENT));
  });

  it('env credentials (SRHOOKS_CLIENT_ID/SECRET) use it too, keyed by their own client and secret', async () => {
    await ok(loginArgs(sandbox, 'acme', OTHER_CLIENT));
    issuedBefore = issued;
    const env = { SRHOOKS_CLIENT_ID: TEST_CLIENT.clientId, SRHOOKS_CLIENT_SECRET: TEST_CLIENT.clientSecret };
    await ok(['webhooks', 'list'], env);
    await ok(['webhooks', 'list'], env);
    expect(issuedSince()).toBe(1);
    // the stored login's token is still its own
    await ok(['webhooks', 'list']);
    expect(issuedSince()).toBe(1);
    expect(cachedTokens()).toHaveLength(2);
    // a secret from the environment that is wrong gets no cached token
    const refused = await cli(['webhooks', 'list'], {
      ...env,
      SRHOOKS_CLIENT_SECRET: 'wrong-SECRET-from-env',
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('ShopRenter refused the client credentials');
  });

  it('logout removes the shop’s cached tokens; logout --all the file', async () => {
    await ok(loginArgs(sandbox, 'acme', OTHER_CLIENT));
    await ok(['webhooks', 'list'], {
      SRHOOKS_CLIENT_ID: TEST_CLIENT.clientId,
      SRHOOKS_CLIENT_SECRET: TEST_CLIENT.clientSecret,
    });
    expect(cachedTokens().length).toBeGreaterThanOrEqual(1);
    // another shop's entry, which stays
    const other = {
      shop: 'elsewhere',
      accessToken: 'x.y.z',
      expiresAt: new Date(Date.now() + 600_000).toISOString(),
      obtainedAt: new Date().toISOString(),
      scopes: [],
    };
    writeFileSync(
      cachePath,
      JSON.stringify({ version: 1, tokens: { ...cacheFile().tokens, '["elsewhere"]': other } }),
    );
    await ok(['logout', '--shop', 'acme']);
    expect(Object.values(cacheFile().tokens).map((entry) => entry.shop)).toEqual(['elsewhere']);

    await ok(loginArgs(sandbox, 'acme'));
    expect(cachedTokens()).toHaveLength(2);
    await ok(['logout', '--all']);
    expect(() => statSync(cachePath)).toThrow(/ENOENT/);
  });

  it('a corrupt or unreadable cache file is ignored and replaced, never an error', async () => {
    await ok(loginArgs(sandbox, 'acme'));
    for (const [name, content] of [
      ['not JSON', '{"version": 1, "tokens": {'],
      ['a list', '[1, 2]'],
      ['entries of the wrong shape', JSON.stringify({ version: 1, tokens: { a: { accessToken: 5 } } })],
      ['empty', ''],
    ] as const) {
      writeFileSync(cachePath, content);
      issuedBefore = issued;
      const run = await cli(['webhooks', 'list', '--json']);
      expect(run.code, `${name}: ${run.stderr}`).toBe(0);
      expect(run.stderr, name).toBe('');
      expect(issuedSince(), name).toBe(1);
      expect(cachedTokens(), name).toHaveLength(1);
    }
    // a directory where the file should be: neither read nor written, and no command fails for it
    rmSync(cachePath, { force: true });
    mkdirSync(cachePath);
    try {
      issuedBefore = issued;
      const run = await cli(['webhooks', 'list']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toBe('');
      expect(issuedSince()).toBe(1);
    } finally {
      rmSync(cachePath, { recursive: true, force: true });
    }
  });

  it('no access token ever appears in any output', async () => {
    await ok(['webhooks', 'list']);
    expect(seenTokens.size).toBeGreaterThan(3);
    for (const token of seenTokens) {
      if (token === 'x.y.z') continue; // the other shop's entry a test wrote
      const signature = token.split('.')[2] ?? token;
      for (const output of seenOutput) expect(output).not.toContain(signature);
    }
  });
});

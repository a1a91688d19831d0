import { createShopRenterClient } from '@srhooks/client';
import { ALL_SCOPES, processSigningKeyPem, type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll } from 'vitest';
import { runCli } from './run-cli.js';

/** Distinctive credentials, so a test can prove they never appear in any output. */
export const TEST_CLIENT = {
  clientId: 'cli-test-client-7f3a',
  clientSecret: 'cli-test-SECRET-d41d8cd98f00b204',
} as const;

/** A client that may only read webhooks (for 403 / missing-scope tests). */
export const READ_ONLY_CLIENT = {
  clientId: 'cli-read-only-client',
  clientSecret: 'cli-read-only-SECRET-9e107d9d372bb682',
} as const;

/** A sandbox with shop `acme` (full client) and `readonly` (read scope only), rate limit off. */
export async function startTestSandbox(): Promise<RunningSandbox> {
  return startSandbox({
    rateLimit: false,
    signingKeyPem: processSigningKeyPem(),
    shops: [
      { name: 'acme', clients: [{ ...TEST_CLIENT, scopes: [...ALL_SCOPES] }] },
      { name: 'readonly', clients: [{ ...READ_ONLY_CLIENT, scopes: ['store.webhook:read'] }] },
    ],
  });
}

/**
 * A ShopRenter API client of the test sandbox's `acme` with the full client (rate limit off): for what a
 * test makes on the shop besides the CLI (a subscription made before or by another tool, fillers).
 */
export function testSandboxClient(sandbox: RunningSandbox) {
  const { apiUrlTemplate: apiUrl, tokenUrlTemplate: tokenUrl } = sandbox;
  return createShopRenterClient({
    shop: 'acme',
    auth: { ...TEST_CLIENT },
    apiUrl,
    tokenUrl,
    rateLimit: false,
  });
}

/** `srhooks login` arguments for a shop of the test sandbox. */
export function loginArgs(
  sandbox: RunningSandbox,
  shop: string,
  client: { clientId: string; clientSecret: string } = TEST_CLIENT,
): string[] {
  return [
    'login',
    '--shop',
    shop,
    '--client-id',
    client.clientId,
    '--client-secret',
    client.clientSecret,
    '--api-url',
    sandbox.apiUrlTemplate,
    '--token-url',
    sandbox.tokenUrlTemplate,
  ];
}

/**
 * For a test file: the test sandbox, started before its tests with `config`'s CLI logged in to `acme`,
 * closed after them (and `config` cleaned up). Returns a getter for the running sandbox.
 */
export function loggedInTestSandbox(config: { dir: string; cleanup(): void }): () => RunningSandbox {
  let sandbox: RunningSandbox | undefined;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
    // 60 s for each of login's checks (default 10 s): the sandbox's first token makes its RSA key, and in a
    // clean-clone CI run under load the token request of webhooks.test.ts ran out of 10 s (every test of
    // the file then skipped)
    const login = await runCli(config.dir, [...loginArgs(sandbox, 'acme'), '--timeout', '60s']);
    if (login.code !== 0) throw new Error(login.stderr);
  });
  afterAll(async () => {
    await sandbox?.close();
    config.cleanup();
  });
  return () => {
    if (!sandbox) throw new Error('the test sandbox is not running (used outside the tests of this file)');
    return sandbox;
  };
}

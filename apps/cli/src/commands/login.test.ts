import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, seenOutput, tempConfigDir } from '../test-support/run-cli.js';
import { loginArgs, READ_ONLY_CLIENT, startTestSandbox, TEST_CLIENT } from '../test-support/test-sandbox.js';

let sandbox: RunningSandbox;
const config = tempConfigDir();
const credentialsFile = join(config.dir, 'credentials.json');
const cli = (...args: string[]) => runCli(config.dir, args);

beforeAll(async () => {
  sandbox = await startTestSandbox();
});

afterAll(async () => {
  await sandbox.close();
  config.cleanup();
});

/** A credentials.json (mode 0600) with a good shop `demo` and an entry `broken` that does not parse. */
function writeCredentialsWithBrokenEntry(dir: string): { file: string; text: string } {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'credentials.json');
  const text = `${JSON.stringify({
    version: 1,
    defaultShop: 'demo',
    shops: {
      demo: { auth: { clientId: 'c', clientSecret: 's3cr3t-value' }, savedAt: '2026-01-01T00:00:00Z' },
      broken: { auth: { clientId: 5 }, apiUrl: 'x' },
    },
  })}\n`;
  writeFileSync(file, text, { mode: 0o600 });
  return { file, text };
}

/** `login` of another shop beside an unreadable credentials file: refused (credentials_corrupt), the file as it was. */
async function loginRefusedAsCorrupt(dir: string, file: string, text: string) {
  const login = await runCli(dir, [
    'login',
    '--shop',
    'other',
    '--client-id',
    'a',
    '--client-secret',
    'b',
    '--no-verify',
    '--json',
  ]);
  expect(login.code).toBe(2);
  expect(JSON.parse(login.stdout).error).toMatchObject({ code: 'credentials_corrupt', exitCode: 2 });
  expect(readFileSync(file, 'utf8')).toBe(text);
  return login;
}

describe('srhooks login / shops / logout', () => {
  it('a good secret is verified, stored with mode 0600, and the scopes are printed', async () => {
    const run = await runCli(config.dir, loginArgs(sandbox, 'acme'));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('✔ logged in to acme (OAuth client credentials)');
    expect(run.stdout).toContain('scopes: store.webhook:read store.webhook:write order.order:read');
    expect(statSync(credentialsFile).mode & 0o777).toBe(0o600);
    expect(statSync(config.dir).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(readFileSync(credentialsFile, 'utf8'));
    expect(stored.defaultShop).toBe('acme');
    expect(stored.shops.acme.auth).toEqual(TEST_CLIENT);
    expect(stored.shops.acme.apiUrl).toBe(sandbox.apiUrlTemplate);
  });

  it('--json: the login result', async () => {
    const run = await runCli(config.dir, [...loginArgs(sandbox, 'readonly', READ_ONLY_CLIENT), '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      shop: 'readonly',
      authType: 'oauth',
      verified: true,
      scopes: ['store.webhook:read'],
      missingScopes: ['store.webhook:write'],
      credentialsFile,
      defaultShop: 'readonly',
    });
    expect(statSync(credentialsFile).mode & 0o777).toBe(0o600);
  });

  it('--secret-stdin reads the secret from a pipe', async () => {
    const args = loginArgs(sandbox, 'acme').filter(
      (arg, index, all) => arg !== '--client-secret' && all[index - 1] !== '--client-secret',
    );
    const run = await runCli(config.dir, [...args, '--secret-stdin'], {
      input: `${TEST_CLIENT.clientSecret}\n`,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('logged in to acme');
  });

  it('shops lists the stored shops without secrets', async () => {
    const json = await runCli(config.dir, ['shops', '--json'], { env: { SRHOOKS_SHOP: 'acme' } });
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout);
    expect(result).toEqual({
      credentialsFile,
      envOverrides: ['SRHOOKS_SHOP'],
      // no srhooks listen runs for this config directory, and SRHOOKS_RECEIVER_URL is not set
      runningListen: null,
      receiverUrl: null,
      shops: [
        {
          name: 'acme',
          default: true,
          authType: 'oauth',
          identity: 'cli-te…7f3a',
          apiUrl: sandbox.apiUrlTemplate,
          tokenUrl: sandbox.tokenUrlTemplate,
          scopes: [
            'store.webhook:read',
            'store.webhook:write',
            'order.order:read',
            'newsletter.subscriber:read',
          ],
          savedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        },
        expect.objectContaining({ name: 'readonly', default: false, scopes: ['store.webhook:read'] }),
      ],
    });
    const table = await runCli(config.dir, ['shops']);
    expect(table.stdout).toMatch(
      /^\s+SHOP\s+AUTH\s+CLIENT\s+API\s+SCOPES\n\*\s+acme\s+oauth\s+cli-te…7f3a\s/,
    );
  });

  it('a shop without the write scope gets an error that names the scope (ShopRenter: 401/40101; exit 3)', async () => {
    const run = await runCli(config.dir, [
      'webhooks',
      'create',
      '--shop',
      'readonly',
      '--event',
      'order_confirm',
      '--url',
      'https://hooks.example.com/x',
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr.split('\n')[1]).toContain('store.webhook:write');
  });

  it('environment variables work without any stored login', async () => {
    const empty = tempConfigDir();
    try {
      const env = {
        SRHOOKS_SHOP: 'acme',
        SRHOOKS_CLIENT_ID: TEST_CLIENT.clientId,
        SRHOOKS_CLIENT_SECRET: TEST_CLIENT.clientSecret,
        SRHOOKS_API_URL: sandbox.apiUrlTemplate,
        SRHOOKS_TOKEN_URL: sandbox.tokenUrlTemplate,
      };
      const run = await runCli(empty.dir, ['webhooks', 'list', '--json'], { env });
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({ shop: 'acme', webhooks: [] });
      const wrong = await runCli(empty.dir, ['webhooks', 'list'], {
        env: { ...env, SRHOOKS_CLIENT_SECRET: 'not-it' },
      });
      expect(wrong.code).toBe(3);
      expect(existsSync(join(empty.dir, 'credentials.json'))).toBe(false);
    } finally {
      empty.cleanup();
    }
  });

  it('a credentials.json that is not JSON: exit 2 with the line and column, no secret printed', async () => {
    const other = tempConfigDir();
    try {
      mkdirSync(other.dir, { recursive: true });
      const file = join(other.dir, 'credentials.json');
      writeFileSync(file, '{"shops": {"acme": {"auth": {"clientId": "c", "clientSecret": s3cr3t-value}}}}\n');
      const run = await runCli(other.dir, ['shops', '--json']);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        `error: ${file} is not valid JSON: unexpected character at line 1, column 63`,
      );
      expect(run.stdout + run.stderr).not.toContain('s3cr3t');
      expect(JSON.parse(run.stdout).error).toMatchObject({ code: 'credentials_corrupt', exitCode: 2 });
    } finally {
      other.cleanup();
    }
  });

  it('a credentials.json shop entry that does not parse is refused everywhere, never dropped by login', async () => {
    const other = tempConfigDir();
    try {
      const { file, text } = writeCredentialsWithBrokenEntry(other.dir);
      const message = `error: ${file}: shop entry "broken" is invalid: auth.clientId must be a string\n`;
      const hint =
        'fix shops.broken.auth.clientId in the file, or remove the "broken" entry (then srhooks login --shop broken … stores it again); nothing was changed\n';

      const shops = await runCli(other.dir, ['shops']);
      expect(shops.code).toBe(2);
      expect(shops.stderr).toBe(message + hint);
      const list = await runCli(other.dir, ['webhooks', 'list', '--shop', 'broken']);
      expect(list.code).toBe(2);
      expect(list.stderr).toBe(message + hint);
      const login = await loginRefusedAsCorrupt(other.dir, file, text);
      expect(shops.stdout + shops.stderr + list.stderr + login.stdout).not.toContain('s3cr3t');
    } finally {
      other.cleanup();
    }
  });

  it('logout --all removes a file with an unreadable shop entry, naming it; logout --shop of another shop still refuses', async () => {
    const other = tempConfigDir();
    try {
      const { file, text } = writeCredentialsWithBrokenEntry(other.dir);

      // Forgetting one shop would rewrite the file without the entry it cannot read: refused.
      const one = await runCli(other.dir, ['logout', '--shop', 'demo', '--json']);
      expect(one.code).toBe(2);
      expect(JSON.parse(one.stdout).error).toMatchObject({ code: 'credentials_corrupt', exitCode: 2 });
      expect(one.stderr).toContain('shop entry "broken" is invalid: auth.clientId must be a string');
      expect(readFileSync(file, 'utf8')).toBe(text);

      // Forgetting every shop: the unreadable entry goes too, and the output says so.
      const all = await runCli(other.dir, ['logout', '--all']);
      expect(all.code).toBe(0);
      expect(all.stdout).toBe(
        '✔ removed the credentials for demo, and the unreadable shop entry "broken" (auth.clientId must be a string)\n',
      );
      expect(existsSync(file)).toBe(false);
      expect(all.stdout + all.stderr).not.toContain('s3cr3t');

      writeFileSync(file, text, { mode: 0o600 });
      const json = await runCli(other.dir, ['logout', '--all', '--json']);
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual({
        removed: ['demo', 'broken'],
        remaining: [],
        unreadable: [{ shop: 'broken', problem: 'auth.clientId must be a string' }],
      });
      expect(existsSync(file)).toBe(false);
    } finally {
      other.cleanup();
    }
  });

  it('logout --all removes a credentials.json that is not JSON, saying it could not be read; login still refuses it', async () => {
    const other = tempConfigDir();
    try {
      mkdirSync(other.dir, { recursive: true });
      const file = join(other.dir, 'credentials.json');
      const text = '{"shops": {"acme": {"auth": {"clientId": "c", "clientSecret": s3cr3t-value}}}}\n';
      const neighbour = join(other.dir, 'listen.json');
      writeFileSync(neighbour, '{"not": "touched"}\n');

      // login must not overwrite it silently: refused, the file as it was
      writeFileSync(file, text, { mode: 0o600 });
      const login = await loginRefusedAsCorrupt(other.dir, file, text);

      const all = await runCli(other.dir, ['logout', '--all']);
      expect({ code: all.code, stdout: all.stdout, stderr: all.stderr }).toEqual({
        code: 0,
        stdout: `✔ removed ${file}, which could not be read (not valid JSON: unexpected character at line 1, column 63): every shop it held is forgotten\n`,
        stderr: '',
      });
      expect(existsSync(file)).toBe(false);
      expect(readFileSync(neighbour, 'utf8')).toBe('{"not": "touched"}\n');

      writeFileSync(file, text, { mode: 0o600 });
      const json = await runCli(other.dir, ['logout', '--all', '--json']);
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual({
        removed: [],
        remaining: [],
        unreadableFile: {
          path: file,
          problem: 'not valid JSON: unexpected character at line 1, column 63',
        },
      });
      expect(existsSync(file)).toBe(false);
      expect(login.stdout + login.stderr + all.stdout + json.stdout).not.toContain('s3cr3t');

      // Nothing stored any more: logout --all says so.
      const again = await runCli(other.dir, ['logout', '--all']);
      expect({ code: again.code, stdout: again.stdout }).toEqual({ code: 0, stdout: 'no stored shops\n' });
    } finally {
      other.cleanup();
    }
  });

  it('logout forgets one shop, then commands ask for a login', async () => {
    const run = await runCli(config.dir, ['logout', '--shop', 'readonly', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ removed: ['readonly'], remaining: ['acme'] });
    const after = await runCli(config.dir, ['webhooks', 'list', '--shop', 'readonly']);
    expect(after.code).toBe(2);
    expect(after.stderr).toContain('no credentials for shop readonly');
    const again = await runCli(config.dir, ['logout', '--shop', 'readonly']);
    expect(again.code).toBe(2);
    // --shop and --all together: which did the user mean? nothing is forgotten
    const both = await runCli(config.dir, ['logout', '--shop', 'readonly', '--all', '--json']);
    expect(both.code).toBe(2);
    expect(JSON.parse(both.stdout).error).toMatchObject({ code: 'conflicting_options' });
    expect(both.stderr).toContain('error: --shop and --all contradict each other');
    expect(JSON.parse(readFileSync(credentialsFile, 'utf8')).shops).toHaveProperty('acme');
    const all = await runCli(config.dir, ['logout', '--all']);
    expect(all.code).toBe(0);
    expect(all.stdout).toBe('✔ removed the credentials for acme\n');
    expect(existsSync(credentialsFile)).toBe(false);
  });

  it('refuses client credentials and a username/password together, storing nothing', async () => {
    const run = await cli(
      'login',
      '--shop',
      'both',
      '--client-id',
      TEST_CLIENT.clientId,
      '--client-secret',
      TEST_CLIENT.clientSecret,
      '--username',
      'api-user',
      '--password',
      'never-printed-password',
      '--no-verify',
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error: use either OAuth client credentials or a username and password, not both (got --client-id, --client-secret, --username, --password)\nOAuth: --client-id … --client-secret … (recommended by ShopRenter); legacy Basic auth: --username … --password …\n',
    );
    expect(run.stderr).not.toContain('never-printed-password');
    const shops = await cli('shops', '--json');
    expect(JSON.stringify(JSON.parse(shops.stdout))).not.toContain('"both"');
  });

  it('never printed a secret', () => {
    expect(seenOutput.length).toBeGreaterThan(10);
    for (const text of seenOutput) {
      expect(text).not.toContain(TEST_CLIENT.clientSecret);
      expect(text).not.toContain(READ_ONLY_CLIENT.clientSecret);
    }
  });
});

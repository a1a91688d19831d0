import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli, tempConfigDir } from '../test-support/run-cli.js';

// The sandbox server's flags belong to `srhooks sandbox` only: its simulator subcommands talk to a
// running sandbox (--sandbox-url), so they neither list those flags nor silently ignore them.

const config = tempConfigDir();
const SERVER_FLAGS = [
  '--port',
  '--host',
  '--data',
  '--shops',
  '--apps',
  '--time-scale',
  '--token-ttl',
  '--no-rate-limit',
];
const SUBCOMMANDS = [['order'], ['status', '12', '2'], ['cart'], ['subscribe'], ['unsubscribe']];

describe('sandbox simulator subcommands and the server flags', () => {
  it.each(SUBCOMMANDS.map((args) => [args[0], args]))(
    'sandbox %s --help lists no server flag',
    async (_name, args) => {
      const run = await runCli(config.dir, ['sandbox', args[0] ?? '', '--help']);
      expect(run.code).toBe(0);
      for (const flag of SERVER_FLAGS) expect(run.stdout).not.toMatch(new RegExp(`^\\s+${flag}\\b`, 'm'));
      expect(run.stdout).toContain('--sandbox-url');
      expect(run.stdout).toMatch(/^\s+--json\b/m);
    },
  );

  it('sandbox --help still lists them', async () => {
    const run = await runCli(config.dir, ['sandbox', '--help']);
    for (const flag of SERVER_FLAGS) expect(run.stdout).toMatch(new RegExp(`^\\s+${flag}\\b`, 'm'));
  });

  it.each([
    [['sandbox', 'order', '--port', '28787'], '--port'],
    [['sandbox', '--port', '28787', 'order'], '--port'],
    [['sandbox', 'cart', '--data', 'x.json'], '--data'],
    [['sandbox', 'order', '--token-ttl', '2'], '--token-ttl'],
    [['sandbox', 'status', '12', '2', '--no-rate-limit'], '--no-rate-limit'],
  ])('%j is refused with a pointer to --sandbox-url (exit 2)', async (args, flag) => {
    const run = await runCli(config.dir, [...args, '--sandbox-url', 'http://127.0.0.1:1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`error: ${flag} is an option of srhooks sandbox (the server)`);
    expect(run.stderr).toContain('--sandbox-url http://127.0.0.1:PORT');
    expect(run.stderr).not.toContain('cannot reach the sandbox');
    const json = await runCli(config.dir, [...args, '--sandbox-url', 'http://127.0.0.1:1', '--json']);
    expect(JSON.parse(json.stdout).error.code).toBe('sandbox_server_option');
  });

  it.each([
    ['--apps', '[\n  {"appId": "my-app", "clientSecret": hunter2-app-secret}\n]\n', 'line 2, column 39'],
    [
      '--shops',
      '[{"name": "acme", "clients": [{"clientId": "c", "clientSecret": "s3cr3t-shop"',
      'line 1, column 78',
    ],
  ])(
    'sandbox %s with a file that is not JSON: a usage error with the line and column, quoting nothing of it',
    async (flag, content, where) => {
      const file = join(config.dir, '..', `bad${flag}.json`);
      writeFileSync(file, content);
      const run = await runCli(config.dir, ['sandbox', '--port', '0', flag, file, '--json']);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`error: ${flag} ${file} is not valid JSON: `);
      expect(run.stderr).toContain(`at ${where}`);
      expect(run.stdout + run.stderr).not.toMatch(/hunter2|s3cr3t|appId|clientId/);
      expect(JSON.parse(run.stdout).error).toMatchObject({ code: 'invalid_json', exitCode: 2 });
    },
  );

  it('sandbox --token-ttl sets the lifetime of the tokens it issues; a bad value is a usage error', async () => {
    const sandbox = startCli(config.dir, ['sandbox', '--port', '0', '--token-ttl', '2', '--json']);
    try {
      const info = JSON.parse(await sandbox.waitForLine(/"type":"sandbox_started"/));
      const token = await fetch(info.tokenUrl.replace('{shop}', 'demo'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'client_credentials',
          client_id: info.demoClient.clientId,
          client_secret: info.demoClient.clientSecret,
        }),
      });
      expect(((await token.json()) as { expires_in: number }).expires_in).toBe(2);
    } finally {
      await sandbox.interrupt();
    }
    const bad = await runCli(config.dir, ['sandbox', '--token-ttl', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--token-ttl');
  });
});

describe('sandbox --shops, --apps and --data files it cannot read', () => {
  const missing = join(config.dir, '..', 'no-such-dir', 'missing.json');
  const directory = join(config.dir, '..');

  it.each([
    [
      '--shops',
      missing,
      'does not exist',
      'check the path, or leave --shops out (the sandbox then has only its default shop demo)',
    ],
    ['--apps', missing, 'does not exist', 'check the path, or leave --apps out'],
    ['--shops', directory, 'is a directory, not a file', 'check the path, or leave --shops out'],
    ['--apps', directory, 'is a directory, not a file', 'check the path, or leave --apps out'],
    [
      '--data',
      directory,
      'is a directory, not a file',
      'give --data a file path (one that does not exist yet is created), or leave --data out',
    ],
  ])(
    'sandbox %s %s: a usage error naming the flag, in words, with what to do',
    async (flag, file, problem, hint) => {
      const run = await runCli(config.dir, ['sandbox', '--port', '0', flag, file]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`error: ${flag} ${file} ${problem}\n`);
      expect(run.stderr).toContain(hint);
      expect(run.stderr).not.toMatch(/ENOENT|EISDIR|open '|^\s+at /m);
      const json = await runCli(config.dir, ['sandbox', '--port', '0', flag, file, '--json']);
      expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'file_unreadable', exitCode: 2 });
    },
  );

  it.each([
    [
      '--data',
      '{"shops": [\n',
      'error: --data FILE is not valid JSON: the JSON ends too early (a closing bracket, brace or quote missing?) at line 2, column 1\n' +
        'fix the JSON at line 2, column 1 (your editor shows the spot), or move the file away to start fresh (or leave --data out to keep the state in memory)\n',
      'invalid_json',
    ],
    [
      '--data',
      '{"orders": 5}',
      'error: --data FILE is not a sandbox data file\n' +
        'move it away, or pass another --data path (one that does not exist yet is created)\n',
      'data_file_corrupt',
    ],
    [
      '--apps',
      '[{"appId": "1"}]',
      "error: --apps FILE: app \"1\": The app's 'clientId' is required (a non-empty string)\n" +
        'fix that app in the file (see the sandbox README for its fields), or leave --apps out\n',
      'bad_app',
    ],
    [
      '--apps',
      '{"appId": "1"}',
      'error: --apps FILE must hold a JSON list of apps [{appId, clientId, clientSecret, redirectUri, entryPoint, uninstallUri}]\n' +
        'fix the file (see the sandbox README for its format), or leave --apps out\n',
      'bad_sandbox_options',
    ],
    [
      '--shops',
      '[{"name": "BAD"}]',
      'error: --shops FILE [0]: shop name "BAD" is not a ShopRenter shop name (lowercase letters, digits, hyphens)\n' +
        'fix the file (see the sandbox README for its format), or leave --shops out\n',
      'bad_sandbox_options',
    ],
  ])(
    'sandbox %s with a file it cannot use (%j): names the flag and the file, the fix on its own line',
    async (flag, content, expected, code) => {
      const file = join(config.dir, '..', `unusable-${code}${flag}.json`);
      writeFileSync(file, content);
      const run = await runCli(config.dir, ['sandbox', '--port', '0', flag, file]);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(expected.replace('FILE', file));
      const json = await runCli(config.dir, ['sandbox', '--port', '0', flag, file, '--json']);
      expect(JSON.parse(json.stdout).error).toMatchObject({ code, exitCode: 2 });
    },
  );

  it('a --data file that does not exist yet is fine: the sandbox starts and creates it', async () => {
    const sandbox = startCli(config.dir, ['sandbox', '--port', '0', '--data', missing, '--json']);
    try {
      const info = JSON.parse(await sandbox.waitForLine(/"type":"sandbox_started"/));
      expect(info.dataFile).toBe(missing);
    } finally {
      expect(await sandbox.interrupt()).toBe(0);
    }
  });
});

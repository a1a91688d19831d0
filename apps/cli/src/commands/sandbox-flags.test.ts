import { describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../test-support/run-cli.js';

// The sandbox server's flags belong to `srhooks sandbox` only: its simulator subcommands talk to a
// running sandbox (--sandbox-url), so they neither list those flags nor silently ignore them.

const config = tempConfigDir();
const SERVER_FLAGS = ['--port', '--host', '--data', '--shops', '--apps', '--time-scale', '--no-rate-limit'];
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
});

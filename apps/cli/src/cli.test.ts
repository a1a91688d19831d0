import { freePort } from '@srhooks/sandbox';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, seenOutput, tempConfigDir } from './test-support/run-cli.js';

const config = tempConfigDir();
afterAll(() => config.cleanup());

describe('srhooks basics', () => {
  // the files share a module cache (isolate: false): seenOutput is emptied before each file
  it('starts with no output of another test file in seenOutput', () => {
    expect(seenOutput).toEqual([]);
  });

  it('prints the version from package.json', async () => {
    const { version } = (await import('../package.json', { with: { type: 'json' } })).default;
    const run = await runCli(config.dir, ['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(version);
  });

  it.each([[['--version', '--json']], [['--json', '-v']]])(
    '%j prints the version as a JSON document, shaped as every command prints its result',
    async (args) => {
      const { version } = (await import('../package.json', { with: { type: 'json' } })).default;
      const run = await runCli(config.dir, args);
      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout)).toEqual({ version });
      // pretty-printed with two spaces, as `fields --json` and the other results
      expect(run.stdout).toBe(`${JSON.stringify({ version }, null, 2)}\n`);
    },
  );

  it('lists every command in --help', async () => {
    const run = await runCli(config.dir, ['--help']);
    expect(run.code).toBe(0);
    for (const command of [
      'login',
      'shops',
      'logout',
      'webhooks',
      'fields',
      'url',
      'trigger',
      'listen',
      'events',
      'dead-letters',
      'prune',
      'sandbox',
      'demo',
    ]) {
      expect(run.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
    expect(run.stdout).toContain('--json');
  });

  it('shows examples in a subcommand help, with the global options', async () => {
    const run = await runCli(config.dir, ['webhooks', 'create', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Examples:');
    expect(run.stdout).toContain('--delay-unit');
    expect(run.stdout).toContain('--json');
  });
});

describe('usage errors exit 2 and suggest the nearest name', () => {
  it.each([
    [['feilds'], /unknown command 'feilds'[\s\S]*Did you mean fields\?/],
    [['webhooks', 'crate'], /unknown command 'crate'[\s\S]*Did you mean create\?/],
    [['fields', '--serch', 'x'], /unknown option '--serch'[\s\S]*Did you mean --search\?/],
    [['url', '--event', 'order_confrm'], /unknown event "order_confrm" \(did you mean order_confirm\?\)/],
    [['trigger'], /missing required argument 'event'/],
    // a subcommand typed without its command names the command it belongs to
    [['replay', 'evt_1'], /unknown command 'replay'\n\(Did you mean events replay\?\)/],
    [['reprocess'], /unknown command 'reprocess'\n\(Did you mean deliveries reprocess\?\)/],
    [['sync', '-f', 'x.json'], /unknown command 'sync'\n\(Did you mean webhooks sync\?\)/],
    [['list'], /unknown command 'list'\n\(Did you mean one of webhooks list, .*events list\b.*\?\)/],
  ])('srhooks %j', async (args, message) => {
    const run = await runCli(config.dir, args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  it('no credentials: says which command fixes it', async () => {
    const run = await runCli(config.dir, ['webhooks', 'list', '--shop', 'demo']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error: no credentials for shop demo\nrun srhooks login --shop demo --client-id … --client-secret … (or set SRHOOKS_CLIENT_ID and SRHOOKS_CLIENT_SECRET)\n',
    );
  });

  it('no credentials for a shop not stored, while others are: names the stored ones (a typo shows the name meant)', async () => {
    const own = tempConfigDir();
    try {
      const login = await runCli(own.dir, [
        'login',
        '--shop',
        'demo',
        '--client-id',
        'typo-client',
        '--client-secret',
        'typo-secret-5d41402a',
        '--no-verify',
      ]);
      expect(login.code).toBe(0);
      const run = await runCli(own.dir, ['webhooks', 'list', '--shop', 'dmeo']);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        'error: no credentials for shop dmeo (stored shops: demo)\nrun srhooks login --shop dmeo --client-id … --client-secret … (or set SRHOOKS_CLIENT_ID and SRHOOKS_CLIENT_SECRET)\n',
      );
    } finally {
      own.cleanup();
    }
  });

  it('under --json an error is also a JSON document on stdout', async () => {
    const run = await runCli(config.dir, ['webhooks', 'list', '--shop', 'demo', '--json']);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toEqual({
      error: {
        code: 'no_credentials',
        message: 'no credentials for shop demo',
        hint: expect.stringContaining('srhooks login --shop demo'),
        exitCode: 2,
      },
    });
  });
});

describe('usage errors commander catches are JSON documents under --json', () => {
  it.each([
    [['webhooks', 'list', '--bogus', '--json'], 'unknown_option', /unknown option '--bogus'/],
    [['--json', 'webhooks', 'list', '--bogus'], 'unknown_option', /unknown option '--bogus'/],
    [['fields', '--serch', 'x', '--json'], 'unknown_option', /unknown option '--serch'/],
    [
      ['prune', '--older-than', '2x', '--json'],
      'invalid_argument',
      /option '--older-than <days>' argument '2x' is invalid/,
    ],
    [['trigger', '--json'], 'missing_argument', /missing required argument 'event'/],
    [['--json', 'feilds'], 'unknown_command', /unknown command 'feilds'/],
  ])('srhooks %j', async (args, code, message) => {
    const run = await runCli(config.dir, args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    const document = JSON.parse(run.stdout);
    expect(document).toEqual({
      error: { code, message: expect.stringMatching(message), hint: expect.any(String), exitCode: 2 },
    });
    expect(document.error.message).not.toContain('\n');
  });

  it("carries commander's suggestion as the hint", async () => {
    const run = await runCli(config.dir, ['fields', '--serch', 'x', '--json']);
    expect(JSON.parse(run.stdout).error.hint).toBe('Did you mean --search? (add --help for usage)');
  });

  it('an operand "--json" after -- is not the flag', async () => {
    const run = await runCli(config.dir, ['webhooks', 'list', '--bogus', '--', '--json']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
  });
});

describe('network errors exit 3', () => {
  it('an unreachable token endpoint', async () => {
    const port = await freePort();
    const run = await runCli(config.dir, [
      'login',
      '--shop',
      'demo',
      '--client-id',
      'id',
      '--client-secret',
      'never-printed-secret',
      '--token-url',
      `http://127.0.0.1:${port}/{shop}/app/token`,
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^error: .*ECONNREFUSED/);
    expect(run.stderr.split('\n').filter(Boolean).length).toBeLessThanOrEqual(2);
    expect(run.stderr).not.toContain('never-printed-secret');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('prints the stack trace only with --debug', async () => {
    const port = await freePort();
    const args = ['trigger', 'order_confirm', '--to', `http://127.0.0.1:${port}/hooks/x`];
    const plain = await runCli(config.dir, args);
    const debug = await runCli(config.dir, [...args, '--debug']);
    expect(plain.code).toBe(3);
    expect(debug.code).toBe(3);
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});

describe('colour', () => {
  it('FORCE_COLOR colours the table, NO_COLOR wins over it', async () => {
    const coloured = await runCli(config.dir, ['fields', 'newsletter_subscribe'], {
      env: { NO_COLOR: undefined, FORCE_COLOR: '1' },
    });
    const plain = await runCli(config.dir, ['fields', 'newsletter_subscribe'], {
      env: { NO_COLOR: '1', FORCE_COLOR: '1' },
    });
    expect(coloured.stdout).toContain('\u001b[');
    expect(plain.stdout).not.toContain('\u001b[');
    expect(plain.stdout.replace(/\s+/g, ' ')).toBe(
      coloured.stdout.replace(/\u001b\[[0-9;]*m/g, '').replace(/\s+/g, ' '),
    );
  });

  it('FORCE_COLOR wins over TERM=dumb (as in Node and supports-color); FORCE_COLOR=0 or false does not force', async () => {
    const dumb = await runCli(config.dir, ['fields', 'newsletter_subscribe'], {
      env: { NO_COLOR: undefined, FORCE_COLOR: '1', TERM: 'dumb' },
    });
    expect(dumb.stdout).toContain('\u001b[');
    for (const off of ['0', 'false']) {
      const run = await runCli(config.dir, ['fields', 'newsletter_subscribe'], {
        env: { NO_COLOR: undefined, FORCE_COLOR: off },
      });
      expect(run.stdout).not.toContain('\u001b[');
    }
  });

  it('--no-color turns colour off too, and --json output is never coloured', async () => {
    const flag = await runCli(config.dir, ['fields', '--no-color'], {
      env: { NO_COLOR: undefined, FORCE_COLOR: '1' },
    });
    const json = await runCli(config.dir, ['fields', '--json'], {
      env: { NO_COLOR: undefined, FORCE_COLOR: '1' },
    });
    expect(flag.stdout).not.toContain('\u001b[');
    expect(json.stdout).not.toContain('\u001b[');
  });
});

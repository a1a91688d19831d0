import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { signDeliveryUrl } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import { listenFixture } from '../test-support/listen-fixture.js';
import { runCli, seenOutput, startCli, tempConfigDir } from '../test-support/run-cli.js';
import { TEST_CLIENT } from '../test-support/test-sandbox.js';

const fixture = listenFixture();
const { config } = fixture;

describe('srhooks listen refuses', () => {
  it('a shop named twice in --shop is one line naming it (no zod issue list), exit 2', async () => {
    const other = tempConfigDir();
    try {
      const run = await runCli(other.dir, ['listen', '--port', '0', '--shop', 'demo,demo']);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe('error: --shop lists "demo" twice\nname each shop once\n');
      const json = await runCli(other.dir, ['listen', '--port', '0', '--shop', 'demo,acme,demo', '--json']);
      expect(JSON.parse(json.stdout).error).toMatchObject({
        code: 'duplicate_shop',
        message: '--shop lists "demo" twice',
      });
    } finally {
      other.cleanup();
    }
  });

  it('a port in use is a usage error', async () => {
    const other = tempConfigDir();
    try {
      const port = new URL(fixture.start.url).port;
      const run = await runCli(other.dir, ['listen', '--port', port]);
      expect(run.code).toBe(2);
      // names the flag that picks another port, worded as the sandbox words it (sandbox.test.ts)
      expect(run.stderr).toBe(
        `error: port ${port} is already in use\npick another with --port (0 = any free port)\n`,
      );
      const json = await runCli(other.dir, ['listen', '--port', port, '--json']);
      expect(JSON.parse(json.stdout).error).toMatchObject({
        code: 'port_in_use',
        hint: 'pick another with --port (0 = any free port)',
        exitCode: 2,
      });
    } finally {
      other.cleanup();
    }
  });

  it("a --db file its user may not read and write: exit 2, said in listen's words (not SRHOOKS_DB)", async () => {
    const other = tempConfigDir();
    try {
      mkdirSync(other.dir, { recursive: true });
      // the other user may reach and write the config dir: only the database file's mode stops it
      chmodSync(dirname(other.dir), 0o777);
      chmodSync(other.dir, 0o777);
      const file = join(other.dir, 'restored-as-root.db');
      // a SQLite file as its header starts (the refusal comes before it is opened)
      writeFileSync(file, Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4080)]));
      chmodSync(file, 0o600);
      // As root every file is readable and writable: run as another user, whom the mode binds.
      const asRoot = process.getuid?.() === 0;
      if (!asRoot) chmodSync(file, 0o000);
      const user = asRoot ? { uid: 65534, gid: 65534 } : undefined;
      const run = await runCli(other.dir, ['listen', '--port', '0', '--db', file], user ? { user } : {});
      expect(run.code).toBe(2);
      expect(run.stderr.split('\n')[0]).toBe(
        `error: cannot use --db ${file} as listen's SQLite database: this user cannot read and write (permission denied)`,
      );
      expect(run.stderr).not.toContain('SRHOOKS_DB');
      expect(run.stderr).not.toContain('report it');
    } finally {
      other.cleanup();
    }
  });

  it('a --db it cannot use is a usage error that names the file (no stack, no "report it")', async () => {
    const other = tempConfigDir();
    try {
      mkdirSync(other.dir, { recursive: true });
      const plainFile = join(other.dir, 'not-a-dir');
      writeFileSync(plainFile, 'x');
      const under = await runCli(other.dir, ['listen', '--port', '0', '--db', join(plainFile, 'x.db')]);
      expect(under.code).toBe(2);
      expect(under.stderr).toMatch(
        new RegExp(`^error: cannot use --db ${join(plainFile, 'x.db')} as listen's SQLite database: `),
      );
      expect(under.stderr).not.toContain('report it');
      // said in words, not SQLite's "unable to open database file"
      expect(under.stderr).toContain(`listen's SQLite database: ${plainFile} is a file, not a directory\n`);
      const folder = join(other.dir, 'a-folder');
      mkdirSync(folder);
      const dir = await runCli(other.dir, ['listen', '--port', '0', '--db', folder]);
      expect(dir.code).toBe(2);
      expect(dir.stderr).toContain(
        `error: cannot use --db ${folder} as listen's SQLite database: it is a directory, not a file\n`,
      );
      const notSqlite = join(other.dir, 'notes.txt');
      writeFileSync(notSqlite, 'these are my notes, not a database\n'.repeat(200));
      const wrong = await runCli(other.dir, ['listen', '--port', '0', '--db', notSqlite, '--json']);
      expect(wrong.code).toBe(2);
      expect(JSON.parse(wrong.stdout).error).toMatchObject({ code: 'listen_db_unusable', exitCode: 2 });
      expect(wrong.stderr).toContain('not a SQLite database');
      expect(readFileSync(notSqlite, 'utf8')).toBe('these are my notes, not a database\n'.repeat(200));
    } finally {
      other.cleanup();
    }
  });

  it("a --db another receiver uses (the running listen's) is a usage error naming it and that process", async () => {
    const other = tempConfigDir();
    try {
      const run = await runCli(other.dir, ['listen', '--port', '0', '--db', fixture.start.db, '--json']);
      expect(run.code).toBe(2);
      expect(JSON.parse(run.stdout).error).toMatchObject({ code: 'listen_db_in_use', exitCode: 2 });
      expect(run.stderr).toContain(
        `The SQLite file ${fixture.start.db} is in use by another srhooks receiver: pid `,
      );
      expect(run.stderr).toContain('pass --db with another file');
      expect(run.stderr).not.toContain('report it');
      // listen's own words: not the receiver's advice about settings listen does not read (CLI QA B5)
      expect(run.stderr).not.toContain('SRHOOKS_DB');
      expect(run.stderr).not.toContain('DATABASE_URL');
    } finally {
      other.cleanup();
    }
  });

  it('a damaged listen.json is refused, never replaced (its URL secret signs the registered URLs)', async () => {
    const other = tempConfigDir();
    try {
      mkdirSync(other.dir, { recursive: true });
      const file = join(other.dir, 'listen.json');
      const broken = '{"urlSecret": "kept-url-secret-0123456789abcdef", "adminToken": \n';
      writeFileSync(file, broken);
      const run = await runCli(other.dir, ['listen', '--port', '0', '--json'], { timeoutMs: 30_000 });
      expect(run.code).toBe(2);
      expect(JSON.parse(run.stdout).error).toMatchObject({ code: 'listen_file_invalid' });
      expect(run.stderr).toContain(
        `error: ${file} is not valid JSON: the JSON ends too early (a closing bracket, brace or quote missing?) at line 2, column 1`,
      );
      expect(run.stderr).toContain('URLs');
      expect(readFileSync(file, 'utf8')).toBe(broken);
      const events = await runCli(other.dir, ['events', 'list']);
      expect(events.code).toBe(2);
      expect(events.stderr).toContain(`error: ${file} is not valid JSON`);

      // a file that lost a key keeps the secrets it still has
      writeFileSync(file, '{"urlSecret": "kept-url-secret-0123456789abcdef"}\n');
      const partial = startCli(other.dir, ['listen', '--port', '0', '--shop', 'demo', '--json']);
      try {
        const started = JSON.parse(await partial.waitForLine(/"type":"listening"/));
        const url = started.urls.find((entry: { event: string }) => entry.event === 'order_confirm').url;
        expect(url).toBe(
          signDeliveryUrl(
            started.url,
            { shop: 'demo', event: 'order_confirm' },
            'kept-url-secret-0123456789abcdef',
          ),
        );
        expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
          urlSecret: 'kept-url-secret-0123456789abcdef',
          adminToken: expect.any(String),
          forwardSecret: expect.stringMatching(/^whsec_/),
        });
      } finally {
        await partial.interrupt();
      }
    } finally {
      other.cleanup();
    }
  });

  it('a second listen on the same config dir is refused; the admin commands still reach the first', async () => {
    const second = await runCli(config.dir, ['listen', '--port', '0', '--json'], { timeoutMs: 30_000 });
    expect(second.code).toBe(2);
    expect(JSON.parse(second.stdout).error).toMatchObject({ code: 'listen_running', exitCode: 2 });
    expect(second.stderr).toMatch(
      new RegExp(
        `^error: srhooks listen is already running with this config dir \\(${fixture.start.url}, process \\d+ since .+\\)\n`,
      ),
    );
    expect(second.stderr).toContain('SRHOOKS_CONFIG_DIR');
    expect(JSON.parse(readFileSync(join(config.dir, 'listen.json'), 'utf8')).running.url).toBe(
      fixture.start.url,
    );
    const events = await runCli(config.dir, ['events', 'list', '--json']);
    expect(events.code).toBe(0);
    expect(JSON.parse(events.stdout).receiver).toBe(fixture.start.url);
  });

  it('a --host that is no address of this machine is a usage error naming --host', async () => {
    // Its own config dir: the shared one has a listen running, which a second listen is refused for.
    const other = tempConfigDir();
    try {
      const run = await runCli(other.dir, ['listen', '--port', '0', '--host', 'no-such-host.invalid']);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--host "no-such-host.invalid" is not an address of this machine');
    } finally {
      other.cleanup();
    }
  });

  it('never printed the client secret', () => {
    for (const text of seenOutput) expect(text).not.toContain(TEST_CLIENT.clientSecret);
  });
});

/**
 * `SRHOOKS_CONFIG_DIR` naming a regular file (or a path through one) is a configuration problem:
 * every command that uses the config dir exits 2 naming the variable and saying what to do, with
 * no stack trace and no Node errno text (`ENOTDIR: not a directory, open …`).
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../test-support/run-cli.js';

const temp = tempConfigDir();
afterAll(() => temp.cleanup());
const root = join(temp.dir, '..');
mkdirSync(root, { recursive: true });
const file = join(root, 'not-a-dir');
writeFileSync(file, 'x');

const CASES: { name: string; args: string[]; env?: Record<string, string> }[] = [
  { name: 'shops', args: ['shops'] },
  { name: 'logout', args: ['logout', '--shop', 'demo'] },
  { name: 'webhooks list', args: ['webhooks', 'list', '--shop', 'demo'] },
  { name: 'events list', args: ['events', 'list'] },
  { name: 'listen', args: ['listen', '--port', '0', '--shop', 'demo'] },
];

describe('SRHOOKS_CONFIG_DIR that is not a directory', () => {
  it.each(CASES)('$name exits 2 naming the variable', async ({ args, env }) => {
    for (const dir of [file, join(file, 'sub')]) {
      const run = await runCli(dir, args, { env, timeoutMs: 45_000 });
      expect(run.stderr).toContain(`SRHOOKS_CONFIG_DIR ${dir} is not a directory`);
      expect(run.stderr).toMatch(/point SRHOOKS_CONFIG_DIR at a directory/);
      expect(run.stderr).not.toContain('ENOTDIR');
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(run.code).toBe(2);
    }
  });

  it('a directory that does not exist yet is fine (it is created)', async () => {
    const run = await runCli(join(root, 'new', 'config'), ['shops']);
    expect(run.code).toBe(0);
  });

  it('login creates missing levels, the config directory with mode 0700', async () => {
    const dir = join(root, 'deep', 'er', 'config');
    const run = await runCli(dir, [
      'login',
      '--shop',
      'demo',
      '--client-id',
      'a',
      '--client-secret',
      'b',
      '--no-verify',
    ]);
    expect(run.code).toBe(0);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(existsSync(join(dir, 'credentials.json'))).toBe(true);
  });

  // node's recursive mkdir never returned where the system answers ENOENT for a parent that exists
  it.skipIf(!existsSync('/proc/self'))(
    'a directory that cannot be created (under /proc) fails at once, never hangs',
    async () => {
      const dir = `/proc/srhooks-config-${process.pid}`;
      const login = await runCli(
        dir,
        ['login', '--shop', 'demo', '--client-id', 'a', '--client-secret', 'b', '--no-verify'],
        {
          timeoutMs: 20_000,
        },
      );
      expect(login.code).not.toBe(0);
      expect(login.stderr).toContain(`cannot write ${dir}/credentials.json`);
      expect(login.stderr).not.toMatch(/^\s+at /m);
      const listen = await runCli(dir, ['listen', '--port', '0', '--shop', 'demo'], { timeoutMs: 20_000 });
      expect(listen.code).not.toBe(0);
      expect(listen.stderr).toContain(`cannot write ${dir}/listen.json`);
      expect(listen.stderr).not.toMatch(/^\s+at /m);
    },
  );
});

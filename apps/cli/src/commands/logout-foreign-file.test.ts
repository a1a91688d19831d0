/**
 * `logout --all` and a credentials.json it cannot take for srhooks' own: valid JSON that is not a
 * credentials file (it may be another program's: never deleted), and a file it may not read
 * (permissions). Each is refused, exit 2, saying what the file is, where, and what to do; the file is
 * left as it was.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../test-support/run-cli.js';

const dirs: Array<{ cleanup(): void }> = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.cleanup();
});

function configWith(text: string): { dir: string; path: string } {
  const config = tempConfigDir();
  dirs.push(config);
  mkdirSync(config.dir, { recursive: true });
  const path = join(config.dir, 'credentials.json');
  writeFileSync(path, text);
  return { dir: config.dir, path };
}

const NOT_OURS_HINT =
  'it was not deleted: it may belong to another program. Move it away (or point SRHOOKS_CONFIG_DIR at a directory of srhooks’ own); srhooks login then stores new credentials there';

describe('logout --all and a credentials.json that is not srhooks’ own', () => {
  it.each([
    ['a JSON array', '[1, 2]\n', 'a JSON array'],
    [
      'another program’s JSON object',
      '{"name": "my-app", "version": "1.0.0"}\n',
      'a JSON object without "shops"',
    ],
    ['a JSON string', '"token"\n', 'a JSON string'],
  ])('%s: refused, not deleted, saying what the file is', async (_what, text, what) => {
    const { dir, path } = configWith(text);
    const run = await runCli(dir, ['logout', '--all', '--json']);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).error).toEqual({
      code: 'not_a_credentials_file',
      message: `${path} is valid JSON but not an srhooks credentials file (it is ${what}; a credentials file is {"version": 1, "shops": {…}}): nothing was changed`,
      hint: NOT_OURS_HINT,
      exitCode: 2,
    });
    expect(readFileSync(path, 'utf8')).toBe(text);
    // every command that reads the file says the same
    const shops = await runCli(dir, ['shops', '--json']);
    expect(JSON.parse(shops.stdout).error.code).toBe('not_a_credentials_file');
  });

  it('a file it may not read: exit 2, what the file is, why, and what to do; left as it is', async () => {
    const { dir, path } = configWith('{"version": 1, "shops": {}}\n');
    chmodSync(path, 0o000);
    // the other user may reach the directory, only the file's mode stops it
    chmodSync(dirname(dir), 0o755);
    chmodSync(dir, 0o755);
    // As root every file is readable: run as another user, whom the mode binds.
    const user = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
    const run = await runCli(dir, ['logout', '--all', '--json'], user ? { user } : {});
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).error).toEqual({
      code: 'credentials_unreadable',
      message: `the credentials file ${path} (srhooks’ stored API credentials) cannot be read (permission denied): nothing was changed`,
      hint: 'the file is kept for its owner only (mode 0600): run srhooks as the user who ran srhooks login, or, as the file’s owner, make it readable (chmod 600 the file); to start afresh instead, point SRHOOKS_CONFIG_DIR at another directory',
      exitCode: 2,
    });
    expect(existsSync(path)).toBe(true);
  });
});

/**
 * `srhooks listen` when better-sqlite3's native module does not load (its install script skipped, or a
 * global install followed by a Node.js upgrade): one error saying so and how to rebuild the driver, exit
 * 1 — not "unexpected error … report it", nor a problem of its database file (QA). A real listen
 * process whose loader fails as a missing or foreign build does: a preloaded script makes `process.dlopen`
 * fail for better_sqlite3.node (the one part of a broken install this machine cannot have without
 * breaking its own).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../test-support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'srhooks-listen-driver-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('srhooks listen without a working SQLite driver', () => {
  it('says the driver did not load and how to rebuild it (exit 1, sqlite_driver_unavailable)', async () => {
    const shim = join(dir, 'broken-sqlite-driver.cjs');
    writeFileSync(
      shim,
      `const dlopen = process.dlopen;
process.dlopen = function (module, filename, ...rest) {
  if (String(filename).endsWith('better_sqlite3.node')) {
    const error = new Error(filename + ': invalid ELF header');
    error.code = 'ERR_DLOPEN_FAILED';
    throw error;
  }
  return dlopen.call(this, module, filename, ...rest);
};
`,
    );
    const config = tempConfigDir();
    try {
      const env = { NODE_OPTIONS: `--require ${shim}` };
      const human = await runCli(config.dir, ['listen', '--port', '0'], { env });
      expect(human.code).toBe(1);
      const [first, hint, ...rest] = human.stderr.trim().split('\n');
      expect(first).toMatch(
        /^error: the SQLite driver \(better-sqlite3\) cannot load its native module \(.*better_sqlite3\.node: invalid ELF header\): its install script did not run, or it was built for another Node\.js than this one \(v[\d.]+\)\.$/,
      );
      expect(hint).toMatch(/^Rebuild it where srhooks is installed: `npm rebuild better-sqlite3`/);
      expect(rest).toEqual([]);
      expect(human.stderr).not.toMatch(/unexpected error|report it|listen's SQLite database/);

      const json = await runCli(config.dir, ['listen', '--port', '0', '--json'], { env });
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'sqlite_driver_unavailable', exitCode: 1 });
    } finally {
      config.cleanup();
    }
  });
});

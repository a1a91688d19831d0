/**
 * The receiver's docs/operations.md, Backups: the SQLite commands, run as written (paths put in a
 * temporary folder, the deploy folder being the built receiver here), make a backup that holds the
 * store's rows and is readable by its owner only — it holds every delivery, personal data included.
 * Before, the recipe made it with the shell's umask: 0644 under the usual 022, readable by every user
 * of the machine, and a restored file keeps its mode. Needs the sqlite3 shell (Debian's sqlite3).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, runProcess } from './run-process.js';
import { REPO_ROOT } from './workspace.js';

const OPERATIONS = 'apps/receiver/docs/operations.md';

const hasSqlite3 = spawnSync('sh', ['-c', 'command -v sqlite3']).status === 0;
if (process.env.CI && !hasSqlite3) {
  throw new Error("sqlite3 not on PATH: the backup recipe check needs Debian's sqlite3 package");
}

/** The first ```sh block under "## Backups", its `\`-continued lines joined. */
function backupBlock(): string[] {
  const text = readFileSync(join(REPO_ROOT, OPERATIONS), 'utf8');
  const start = text.indexOf('\n## Backups\n');
  if (start < 0) throw new Error(`${OPERATIONS} has no "## Backups" section`);
  const block = /```sh\n([\s\S]*?)```/.exec(text.slice(start))?.[1];
  if (block === undefined) throw new Error('no ```sh block under "## Backups"');
  return block.replace(/\\\n\s*/g, ' ').split('\n');
}

const scratch = realpathSync(mkdtempSync(join(tmpdir(), 'srhooks-backup-recipe-')));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(!hasSqlite3)("the docs' SQLite backup recipe", () => {
  it('makes backups that hold the rows and only their owner can read', async () => {
    const store = join(scratch, 'lib', 'srhooks.db');
    const backups = join(scratch, 'backups');
    mkdirSync(join(scratch, 'lib'));
    mkdirSync(backups);
    const made = spawnSync('sqlite3', [
      store,
      'CREATE TABLE deliveries (id TEXT); INSERT INTO deliveries VALUES (1), (2);',
    ]);
    expect(made.status, String(made.stderr)).toBe(0);
    const lines = backupBlock().map((line) =>
      line
        .replaceAll('/var/lib/srhooks/srhooks.db', store)
        .replaceAll('/var/backups/srhooks/', `${backups}/`)
        .replaceAll('/opt/srhooks/receiver', join(REPO_ROOT, 'apps/receiver')),
    );
    const setup = lines.filter((line) => /^umask\b/.test(line.trim()));
    const commands = lines.filter((line) => /^(sqlite3|cd) /.test(line.trim()));
    expect(commands).toHaveLength(2);
    for (const command of commands) {
      // Each command on its own (both write the same file name), after the block's set-up lines, in a
      // shell with the usual umask of a login.
      const script = ['umask 022', ...setup, command].join('\n');
      const ran = await runProcess('bash', ['-e', '-c', script], { cwd: scratch, env: cleanEnv() });
      expect(ran.code, ran.stderr).toBe(0);
      const [file] = spawnSync('ls', [backups], { encoding: 'utf8' }).stdout.trim().split('\n');
      const backup = join(backups, file ?? '');
      expect(statSync(backup).mode & 0o777, command).toBe(0o600);
      const rows = spawnSync('sqlite3', [backup, 'SELECT count(*) FROM deliveries'], { encoding: 'utf8' });
      expect(rows.stdout.trim()).toBe('2');
      rmSync(backup);
    }
  });
});

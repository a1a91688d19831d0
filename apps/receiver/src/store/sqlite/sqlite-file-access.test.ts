/**
 * The built receiver, started by a user who may not read and write its SRHOOKS_DB file (a file restored
 * as root, a service user changed): it stops with a configuration error naming the setting, the file and
 * what to do — not "The event store is unavailable (SQLITE_CANTOPEN …); retry once the database is
 * reachable again", which named neither and told the operator to wait. Run as an unprivileged user
 * (`nobody` through runuser when the tests run as root, which file permissions do not stop).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBuiltMain } from '../../test-support/built-main.js';
import { LOCK_FILE_SUFFIX } from './receiver-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'srhooks-sqlite-file-access-'));
let main: string;
beforeAll(() => {
  main = ensureBuiltMain();
  chmodSync(dir, 0o777);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the built receiver as an unprivileged user; its exit code and stderr. */
function startAsUnprivileged(env: Record<string, string>): { status: number | null; stderr: string } {
  const asRoot = process.getuid?.() === 0;
  const command = asRoot ? 'runuser' : process.execPath;
  const args = asRoot ? ['-u', 'nobody', '--', process.execPath, main] : [main];
  const result = spawnSync(command, args, {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      HOST: '127.0.0.1',
      SRHOOKS_SECRETS: 'test-secret-0123456789abcdef',
      ...env,
    },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stderr: result.stderr };
}

it('refuses a SQLite file its user cannot read and write, naming SRHOOKS_DB and the file', () => {
  const file = join(dir, 'restored-as-root.db');
  new Database(file).exec('CREATE TABLE t (x)').close();
  chmodSync(file, 0o600);
  if (process.getuid?.() !== 0) chmodSync(file, 0o000);
  const { status, stderr } = startAsUnprivileged({ SRHOOKS_DB: file });
  expect(status).toBe(1);
  expect(stderr).toBe(
    `srhooks receiver failed to start: SRHOOKS_DB (or "db") names ${file}, which this receiver's user cannot read and write (permission denied): give that user read and write access to the file and its folder (chown or chmod), or set SRHOOKS_DB to a file it owns.\n`,
  );
  expect(existsSync(`${file}${LOCK_FILE_SUFFIX}`)).toBe(false);
});

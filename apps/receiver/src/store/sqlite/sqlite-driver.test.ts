/**
 * better-sqlite3's native module failing to load (its install script skipped, built for another Node.js)
 * is refused as what it is, saying how to rebuild the driver — not as a folder that must be writable or
 * a database to retry (QA: an install with its scripts skipped, and a global install after a Node
 * upgrade, got those). The driver's own failure: a native binding that is no shared object (the loader's
 * `invalid ELF header`, ERR_DLOPEN_FAILED); and a real receiver process whose loader fails the same way
 * (a preloaded script makes `process.dlopen` fail for better_sqlite3.node, as a missing or foreign
 * build does: the one part of a broken install that cannot be reproduced without breaking this one).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltMain } from '../../test-support/built-main.js';
import { driverLoadFailure, openSqlite, SqliteDriverError } from './sqlite-driver.js';

let dir = '';
let main = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'srhooks-sqlite-driver-'));
  main = ensureBuiltMain();
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the SQLite driver that cannot load', () => {
  it('a native module that does not load is a SqliteDriverError saying how to rebuild it; other failures stay as they are', () => {
    const notAModule = join(dir, 'better_sqlite3.node');
    writeFileSync(notAModule, 'not a shared object');
    let caught: unknown;
    try {
      openSqlite(':memory:', { nativeBinding: notAModule });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SqliteDriverError);
    const error = caught as SqliteDriverError;
    expect(error.code).toBe('store_config_invalid');
    expect(error.message).toMatch(
      /^the SQLite driver \(better-sqlite3\) cannot load its native module \(.*better_sqlite3\.node/,
    );
    expect(error.message).toContain('`npm rebuild better-sqlite3`');
    expect(error.message).toContain(process.version);

    // A working driver opens; a file problem is SQLite's own error, not the driver's.
    openSqlite(':memory:').close();
    let fileProblem: unknown;
    try {
      openSqlite(join(dir, 'missing-folder', 'x.db'));
    } catch (problem) {
      fileProblem = problem;
    }
    expect(fileProblem).toBeInstanceOf(Error);
    expect(fileProblem).not.toBeInstanceOf(SqliteDriverError);
    expect(driverLoadFailure(fileProblem)).toBeNull();
  });

  it('a receiver whose driver does not load refuses to start in one line saying so, and creates no database', () => {
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
    const cwd = mkdtempSync(join(dir, 'start-'));
    const run = spawnSync(process.execPath, [main], {
      cwd,
      env: {
        PATH: process.env.PATH,
        NODE_OPTIONS: `--require ${shim}`,
        SRHOOKS_SECRETS: 'sqlite-driver-secret-0123456789',
        SRHOOKS_DB: join(cwd, 'data', 'srhooks.db'),
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/the SQLite driver \(better-sqlite3\) cannot load its native module/);
    expect(lines[0]).toContain('npm rebuild better-sqlite3');
    expect(lines[0]).not.toMatch(/must be writable|retry once the database is reachable/);
    expect(readdirSync(cwd, { recursive: true }).filter((name) => String(name).endsWith('.db'))).toEqual([]);
  });
});

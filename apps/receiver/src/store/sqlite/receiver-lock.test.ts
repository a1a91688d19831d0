/**
 * The SQLite receiver lock on real files and real processes: refused (StoreInUseError, naming the holder
 * from its holder file) while held by this process or another one, free as soon as the holder releases it
 * or is killed with SIGKILL (no stale time), whatever its holder file says; no details when the holder
 * file is missing or an earlier holder's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../processing/test-support/processing-fixtures.js';
import { ensureBuiltMain, RECEIVER_ROOT } from '../../test-support/built-main.js';
import { StoreConfigError, StoreInUseError, StoreUnavailableError } from '../store-errors.js';
import { HOLDER_FILE_SUFFIX, LOCK_FILE_SUFFIX, SqliteReceiverLock } from './receiver-lock.js';

const tmp = tempDir('receiver-lock');
const held: SqliteReceiverLock[] = [];
const children: ChildProcess[] = [];
beforeAll(() => ensureBuiltMain(), 120_000);
afterEach(() => {
  for (const lock of held.splice(0)) lock.release();
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});
afterAll(() => tmp.cleanup());

let files = 0;
const nextFile = () => join(tmp.dir, `store-${++files}.db`);

function acquire(file: string): SqliteReceiverLock {
  const lock = SqliteReceiverLock.acquire(file);
  held.push(lock);
  return lock;
}

function refusal(file: string): StoreInUseError {
  try {
    acquire(file);
  } catch (error) {
    if (error instanceof StoreInUseError) return error;
    throw error;
  }
  throw new Error('the lock was taken, not refused');
}

/**
 * A child process (the built module) that tries to lock `file` and, when it got it, holds it until
 * killed: 'locked', or the refusal's code.
 */
async function lockInChild(file: string): Promise<{ child: ChildProcess; outcome: string }> {
  const module = pathToFileURL(join(RECEIVER_ROOT, 'dist/store/sqlite/receiver-lock.js')).href;
  const script = `import(${JSON.stringify(module)}).then((m) => {
    try { globalThis.heldLock = m.SqliteReceiverLock.acquire(${JSON.stringify(file)}); } catch (error) { console.log(error.code); process.exit(0); }
    console.log('locked'); setInterval(() => {}, 60_000);
  });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const outcome = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`the child exited (${code}) without an answer`)));
  });
  return { child, outcome };
}

describe('the SQLite receiver lock', () => {
  it('refuses a second lock in this process, naming this process; free again once released', async () => {
    const file = nextFile();
    const first = acquire(file);
    expect(existsSync(`${file}${LOCK_FILE_SUFFIX}`)).toBe(true);
    expect(existsSync(file)).toBe(false); // the store file itself is not touched

    const refused = refusal(file);
    expect(refused.code).toBe('store_in_use');
    expect(refused.holder).toMatchObject({ pid: process.pid, hostname: hostname() });
    expect(refused.message).toContain(
      `The SQLite file ${file} is in use by another srhooks receiver: pid ${process.pid} on host ${hostname()}, running since `,
    );
    // the refused attempts did not drop this process's lock: another process is refused too
    expect(refusal(file).code).toBe('store_in_use');
    expect((await lockInChild(file)).outcome).toBe('store_in_use');

    first.release();
    first.release(); // idempotent
    expect(existsSync(`${file}${HOLDER_FILE_SUFFIX}`)).toBe(false);
    acquire(file);
  });

  it("refuses while another process holds it; free at once after that process's SIGKILL, whatever its holder file says", async () => {
    const file = nextFile();
    const { child, outcome } = await lockInChild(file);
    expect(outcome).toBe('locked');
    expect(refusal(file).holder).toMatchObject({ pid: child.pid, hostname: hostname() });

    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    // A holder file that looks alive (this pid) from another host or pid namespace: irrelevant.
    writeFileSync(
      `${file}${HOLDER_FILE_SUFFIX}`,
      JSON.stringify({ pid: process.pid, hostname: 'old-container', startedAt: new Date().toISOString() }),
    );
    const lock = acquire(file);
    expect(refusal(file).holder).toMatchObject({ pid: process.pid, hostname: hostname() });
    lock.release();
  });

  it('refuses without details when the holder file is missing or older than the lock (an earlier holder)', () => {
    const file = nextFile();
    acquire(file);
    const holderFile = `${file}${HOLDER_FILE_SUFFIX}`;
    const old = new Date(statSync(`${file}${LOCK_FILE_SUFFIX}`).mtimeMs - 60_000);
    utimesSync(holderFile, old, old);
    const stale = refusal(file);
    expect(stale.holder).toBeNull();
    expect(stale.message).toMatch(
      new RegExp(`^The SQLite file ${file.replaceAll('.', '\\.')} is in use by another srhooks receiver\\. `),
    );
    rmSync(holderFile);
    expect(refusal(file).holder).toBeNull();
  });

  it('creates a missing directory; a path it cannot lock is StoreUnavailableError naming the file', () => {
    const file = join(tmp.dir, 'new', 'dir', 'store.db');
    acquire(file);
    expect(existsSync(`${file}${LOCK_FILE_SUFFIX}`)).toBe(true);

    const notADirectory = join(tmp.dir, 'plain-file');
    writeFileSync(notADirectory, 'x');
    const error = (() => {
      try {
        acquire(join(notADirectory, 'store.db'));
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toContain(join(notADirectory, 'store.db'));
  });

  it('refuses an existing file that is not SQLite as a configuration error naming the setting, without creating the lock file beside it', () => {
    const file = nextFile();
    writeFileSync(file, 'these are notes, not a SQLite database\n');
    const error = (() => {
      try {
        acquire(file);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(StoreConfigError);
    expect((error as Error).message).toBe(
      `${file} is not a SQLite database file (it does not start with SQLite's header), so the receiver did not open it. ` +
        'Check that SRHOOKS_DB (or "db") names the receiver\'s database file; if it does, the file is damaged: ' +
        'restore it from a backup (receiver docs/operations.md, Backups).',
    );
    expect(existsSync(`${file}${LOCK_FILE_SUFFIX}`)).toBe(false);
    expect(existsSync(`${file}${HOLDER_FILE_SUFFIX}`)).toBe(false);

    // An empty file (SQLite makes it a database) and a real SQLite file are locked as before.
    const empty = nextFile();
    writeFileSync(empty, '');
    acquire(empty);
    expect(existsSync(`${empty}${LOCK_FILE_SUFFIX}`)).toBe(true);
    const real = nextFile();
    new Database(real).exec('CREATE TABLE t (x)');
    acquire(real);
    expect(existsSync(`${real}${LOCK_FILE_SUFFIX}`)).toBe(true);
  });

  it('refuses a directory as a configuration error naming the setting, without creating the lock file beside it', () => {
    const directory = nextFile();
    mkdirSync(directory);
    const error = (() => {
      try {
        acquire(directory);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(StoreConfigError);
    expect((error as Error).message).toBe(
      `SRHOOKS_DB (or "db") names ${directory}, which is a directory, not a file: name the SQLite file in it, e.g. ${join(directory, 'srhooks.db')}.`,
    );
    expect(existsSync(`${directory}${LOCK_FILE_SUFFIX}`)).toBe(false);
    expect(existsSync(`${directory}${HOLDER_FILE_SUFFIX}`)).toBe(false);
  });

  it.skipIf(!existsSync('/dev/null'))(
    'refuses a device (/dev/null) as a configuration error naming the setting, writing nothing beside it',
    () => {
      // before: passed as a file; SQLite's refusal read as an outage, and /dev/null-receiver.lock was written
      const error = (() => {
        try {
          acquire('/dev/null');
        } catch (caught) {
          return caught;
        } finally {
          // what the old code left in /dev
          for (const suffix of [LOCK_FILE_SUFFIX, HOLDER_FILE_SUFFIX])
            rmSync(`/dev/null${suffix}`, { force: true });
        }
      })();
      expect(error).toBeInstanceOf(StoreConfigError);
      expect((error as Error).message).toBe(
        'SRHOOKS_DB (or "db") names /dev/null, which is not a regular file (a device, pipe or socket): name the receiver\'s SQLite database file, e.g. ./data/srhooks.db.',
      );
    },
  );
});

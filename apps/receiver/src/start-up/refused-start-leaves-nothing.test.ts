/**
 * A start the configuration refuses leaves nothing new on disk (QA: a start refused for its spool folder
 * had created the SQLite file already). Real processes (`node dist/main.js`, rebuilt first when src/ is
 * newer), as an operator starts the receiver: each refused start exits 1 with one line naming the
 * setting, and its folder holds afterwards what it held before — no SQLite file, no data folder, no spool
 * folder; on PostgreSQL no schema. So does a start refused for its listening address (HOST, PORT).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runReceiver } from '../run-receiver.js';
import { SpoolLock } from '../spool/spool-lock.js';
import { ensureBuiltMain } from '../test-support/built-main.js';
import { FakeProcess } from '../test-support/fake-process.js';
import { TEST_DATABASE_URL, testSchemas, withTestDatabase } from '../test-support/postgres-schema.js';

let main = '';
let root = '';
let dir = '';
const newSchema = testSchemas('refused');

beforeAll(() => {
  main = ensureBuiltMain();
  root = mkdtempSync(join(tmpdir(), 'srhooks-refused-start-'));
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

let count = 0;
beforeEach(() => {
  count += 1;
  dir = join(root, String(count));
  mkdirSync(dir);
});

/** Run as root (a container), the receiver runs as nobody: root may write any folder. */
const asRoot = process.getuid?.() === 0;
const NOBODY = 65534;

/** Everything under `at`, relative, sorted (folders end in /). */
function listing(at: string): string[] {
  return readdirSync(at, { recursive: true, withFileTypes: true })
    .map((entry) => {
      const path = join(entry.parentPath, entry.name).slice(at.length + 1);
      return entry.isDirectory() ? `${path}/` : path;
    })
    .sort();
}

/** `node dist/main.js` in `dir` with `env`: its exit code and stderr. */
function start(env: Record<string, string>, options: { unprivileged?: boolean } = {}) {
  const result = spawnSync(process.execPath, [main], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      SRHOOKS_SECRETS: 'refused-start-secret-0123456789',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...env,
    },
    encoding: 'utf8',
    timeout: 60_000,
    ...(options.unprivileged && asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}

/** The refusal's one line (no stack trace), after "srhooks receiver failed to start: ". */
function refusal(run: { status: number | null; stderr: string }): string {
  expect(run.status).toBe(1);
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0] as string;
}

describe('a refused start leaves nothing new on disk (real processes)', () => {
  it('SRHOOKS_SPOOL_DIR is a file: refused before the SQLite file is created', () => {
    writeFileSync(join(dir, 'spool'), 'not a folder');
    const line = refusal(start({ SRHOOKS_SPOOL_DIR: './spool' }));
    expect(line).toContain(
      `The spool folder ${join(dir, 'spool')} (SRHOOKS_SPOOL_DIR) cannot be used: it is a file, not a folder`,
    );
    expect(listing(dir)).toEqual(['spool']);
  });

  it('SRHOOKS_SPOOL_DIR is under a file: refused, naming that file', () => {
    writeFileSync(join(dir, 'volume'), 'not a folder');
    const line = refusal(
      start({ SRHOOKS_SPOOL_DIR: join(dir, 'volume', 'spool'), SRHOOKS_DB: join(dir, 'db', 'srhooks.db') }),
    );
    expect(listing(dir)).toEqual(['volume']);
    expect(line).toContain(`${join(dir, 'volume')} is a file, not a folder`);
  });

  it("SRHOOKS_SPOOL_DIR cannot be created or written by the receiver's user: refused before the SQLite file is created", () => {
    if (asRoot) {
      chownSync(root, NOBODY, NOBODY);
      chownSync(dir, NOBODY, NOBODY);
    }
    // a folder the user may not write (its parent for a missing spool folder, or the spool folder itself)
    mkdirSync(join(dir, 'readonly'));
    mkdirSync(join(dir, 'spool-readonly'));
    if (asRoot) chownSync(join(dir, 'spool-readonly'), NOBODY, NOBODY);
    chmodSync(join(dir, 'readonly'), 0o555);
    chmodSync(join(dir, 'spool-readonly'), 0o555);
    const before = listing(dir);
    const missing = refusal(
      start(
        { SRHOOKS_SPOOL_DIR: join(dir, 'readonly', 'spool'), SRHOOKS_DB: join(dir, 'data', 'srhooks.db') },
        { unprivileged: true },
      ),
    );
    expect(listing(dir)).toEqual(before);
    expect(missing).toContain(
      `(SRHOOKS_SPOOL_DIR) cannot be used: it does not exist and cannot be created: the receiver's user may not write to ${join(dir, 'readonly')} (EACCES)`,
    );
    const readonly = refusal(
      start(
        { SRHOOKS_SPOOL_DIR: join(dir, 'spool-readonly'), SRHOOKS_DB: join(dir, 'data', 'srhooks.db') },
        { unprivileged: true },
      ),
    );
    expect(readonly).toContain(
      "(SRHOOKS_SPOOL_DIR) cannot be used: the receiver's user may not read and write it (EACCES)",
    );
    expect(listing(dir)).toEqual(before);
  });

  it('SRHOOKS_SPOOL_DIR is held by another receiver: refused before the SQLite file is created', () => {
    const spool = join(dir, 'spool');
    mkdirSync(spool);
    const held = SpoolLock.acquire(spool);
    try {
      const before = listing(dir);
      const line = refusal(start({ SRHOOKS_SPOOL_DIR: spool }));
      expect(line).toContain(
        `The spool folder ${spool} (SRHOOKS_SPOOL_DIR) is in use by another srhooks receiver: pid ${process.pid}`,
      );
      expect(listing(dir)).toEqual(before);
      // the check read the lock file and left the holder's lock alone
      expect(() => SpoolLock.acquire(spool)).toThrow(/is in use by another srhooks receiver/);
    } finally {
      held.release();
    }
  });

  it('SRHOOKS_SPOOL_MAX_BYTES without SRHOOKS_SPOOL_DIR: refused, nothing created', () => {
    const run = start({ SRHOOKS_SPOOL_MAX_BYTES: '2gb' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      "SRHOOKS_SPOOL_MAX_BYTES: is the delivery spool's size, and SRHOOKS_SPOOL_DIR (spoolDir) is not set",
    );
    expect(listing(dir)).toEqual([]);
  });

  it('PORT taken or HOST no address of this machine: refused before the SQLite file and the spool folder are created', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const inUse = refusal(start({ PORT: String(port), SRHOOKS_SPOOL_DIR: './spool' }));
      expect(listing(dir)).toEqual([]);
      expect(inUse).toContain(`cannot listen on 127.0.0.1:${port}: the port is already in use (EADDRINUSE)`);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
    // TEST-NET-3 (RFC 5737): on no machine's interfaces
    const badHost = refusal(start({ HOST: '203.0.113.7', SRHOOKS_SPOOL_DIR: './spool' }));
    expect(listing(dir)).toEqual([]);
    expect(badHost).toContain('HOST "203.0.113.7" is not an address of this machine (EADDRNOTAVAIL)');
  });

  it('on PostgreSQL: a start its spool folder refuses creates no schema', async () => {
    writeFileSync(join(dir, 'spool'), 'not a folder');
    const schema = newSchema();
    const line = refusal(
      start({ SRHOOKS_SPOOL_DIR: './spool', DATABASE_URL: TEST_DATABASE_URL, SRHOOKS_DB_SCHEMA: schema }),
    );
    expect(line).toContain('it is a file, not a folder');
    const { rows } = await withTestDatabase((client) =>
      client.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema]),
    );
    expect(rows).toEqual([]);
    expect(listing(dir)).toEqual(['spool']);
  });

  it('a start that is not refused creates its spool folder (and the folders above it) and the SQLite file', async () => {
    const proc = new FakeProcess(
      {
        SRHOOKS_SECRETS: 'refused-start-secret-0123456789',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        SRHOOKS_SPOOL_DIR: join(dir, 'var', 'spool'),
        SRHOOKS_DB: join(dir, 'data', 'srhooks.db'),
      },
      dir,
    );
    const running = await runReceiver(proc, { processing: { enabled: false } });
    expect(running).not.toBeNull();
    proc.emit('SIGTERM', 'SIGTERM');
    await running?.stopped;
    expect(listing(dir)).toEqual(expect.arrayContaining(['data/srhooks.db', 'var/', 'var/spool/']));
  });
});

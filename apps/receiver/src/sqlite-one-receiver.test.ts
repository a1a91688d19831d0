/**
 * One receiver process per SQLite file, with real processes (`node dist/main.js`, rebuilt first when
 * src/ is newer): a second receiver on the file exits 1 with one line naming the file and the running
 * receiver (no stack trace); once the first is killed with SIGKILL, the next receiver starts at once (the
 * kernel dropped the killed one's file lock), whatever the killed one's holder record says; a receiver
 * stopped with SIGTERM releases the file.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltMain } from './test-support/built-main.js';

let main = '';
let cwd = '';
let db = '';
const children: ChildProcess[] = [];

beforeAll(() => {
  main = ensureBuiltMain();
  cwd = mkdtempSync(join(tmpdir(), 'srhooks-one-receiver-'));
  db = join(cwd, 'data', 'srhooks.db');
}, 120_000);
afterAll(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(cwd, { recursive: true, force: true });
});

const env = () => ({
  PATH: process.env.PATH,
  SRHOOKS_SECRETS: 'one-receiver-secret-0123456789',
  PORT: '0',
  HOST: '127.0.0.1',
  SRHOOKS_DB: db,
  LOG_LEVEL: 'info',
});

interface Started {
  readonly child: ChildProcess;
  /** Every JSON log line written so far. */
  readonly lines: Array<Record<string, unknown>>;
  readonly exited: Promise<number | null>;
}

/** Starts `node dist/main.js` and waits until it listens. */
async function startReceiver(): Promise<Started> {
  const child = spawn(process.execPath, [main], { cwd, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  let buffered = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const complete = buffered.split('\n');
      buffered = complete.pop() ?? '';
      for (const line of complete) {
        if (!line.startsWith('{')) continue;
        const parsed = JSON.parse(line) as Record<string, unknown>;
        lines.push(parsed);
        if (String(parsed.msg).startsWith('Server listening')) resolve();
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    void exited.then((code) =>
      reject(new Error(`the receiver exited (${code}) before listening: ${stderr}`)),
    );
  });
  await listening;
  return { child, lines, exited };
}

/** The holder file's pid and host (null: none). */
function holder(): unknown {
  const file = `${db}-receiver.json`;
  if (!existsSync(file)) return null;
  const { pid, hostname } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  return { pid, hostname };
}

/**
 * "At once": well under the 30 s a lease-based lock would make a restarted receiver wait, with room for
 * a node process starting on a loaded CI machine (5.8 s seen at load 10; 20.03 s under a 0.7-CPU quota
 * beside the other suites).
 */
const START_WITHOUT_WAIT_MS = 28_000;

describe('one receiver process per SQLite file (real processes)', () => {
  it('refuses a second receiver, starts at once after the first was SIGKILLed, frees the file on SIGTERM', async () => {
    const first = await startReceiver();
    expect(holder()).toEqual({ pid: first.child.pid, hostname: hostname() });

    const second = spawnSync(process.execPath, [main], {
      cwd,
      env: env(),
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(
        `^srhooks receiver failed to start: The SQLite file ${db.replaceAll('.', '\\.')} is in use by another srhooks receiver: pid ${first.child.pid} on host ${hostname()}, running since \\S+\\.`,
      ),
    );
    expect(second.stderr).toContain('Stop that receiver first');
    expect(second.stderr.trim().split('\n')).toHaveLength(1); // no stack trace
    expect(first.child.exitCode).toBeNull(); // the first one runs on

    first.child.kill('SIGKILL');
    await first.exited;
    expect(holder()).toEqual({ pid: first.child.pid, hostname: hostname() }); // left behind

    const restartedAt = Date.now();
    const third = await startReceiver();
    expect(Date.now() - restartedAt).toBeLessThan(START_WITHOUT_WAIT_MS);
    expect(holder()).toEqual({ pid: third.child.pid, hostname: hostname() });

    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
    expect(holder()).toBeNull();
    const fourth = await startReceiver(); // the file is free
    fourth.child.kill('SIGTERM');
    expect(await fourth.exited).toBe(0);
  });

  it('a SIGKILLed receiver frees the file at once, even when its holder record looks alive and foreign (a restarted container: a new pid namespace)', async () => {
    const first = await startReceiver();
    first.child.kill('SIGKILL');
    await first.exited;
    // What the killed receiver would leave behind if it ran in another pid namespace (the container
    // before its restart): a holder whose pid is alive here (this test's) and whose namespace is not ours,
    // as the former lease row (which refused this start for 30 s) and as the holder file.
    const now = Date.now();
    const file = new Database(db);
    file.exec(
      'CREATE TABLE IF NOT EXISTS receiver_lease (id INTEGER PRIMARY KEY, owner TEXT, pid INTEGER, hostname TEXT, pid_namespace TEXT, started_at INTEGER, heartbeat_at INTEGER)',
    );
    file
      .prepare(
        `INSERT OR REPLACE INTO receiver_lease (id, owner, pid, hostname, pid_namespace, started_at, heartbeat_at)
         VALUES (1, 'old-container', ?, 'old-container', 'pid:[4026531836]', ?, ?)`,
      )
      .run(process.pid, now - 60_000, now);
    file.close();
    writeFileSync(
      `${db}-receiver.json`,
      JSON.stringify({ pid: process.pid, hostname: 'old-container', startedAt: new Date(now).toISOString() }),
    );

    const startedAt = Date.now();
    const next = await startReceiver();
    expect(Date.now() - startedAt).toBeLessThan(START_WITHOUT_WAIT_MS);
    next.child.kill('SIGTERM');
    expect(await next.exited).toBe(0);
  });
});

/**
 * One receiver process per SQLite file, with real processes (`node dist/main.js`, rebuilt first when
 * src/ is newer): a second receiver on the file exits 1 with one line naming the file and the running
 * receiver (no stack trace); once the first is killed with SIGKILL (its lease left behind), the next
 * receiver on this host takes the file over at once (the holder's pid is gone) and says so; a receiver
 * stopped with SIGTERM releases the file.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

function leaseRow(): unknown {
  const file = new Database(db, { readonly: true });
  try {
    return file.prepare('SELECT pid, hostname FROM receiver_lease').get();
  } finally {
    file.close();
  }
}

describe('one receiver process per SQLite file (real processes)', () => {
  it('refuses a second receiver, takes the file over from a SIGKILLed one at once, frees it on SIGTERM', async () => {
    const first = await startReceiver();
    expect(leaseRow()).toEqual({ pid: first.child.pid, hostname: hostname() });

    const second = spawnSync(process.execPath, [main], {
      cwd,
      env: env(),
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(
        `^srhooks receiver failed to start: The SQLite file ${db.replaceAll('.', '\\.')} is in use by another srhooks receiver: pid ${first.child.pid} on host ${hostname()}, running since \\S+, last heartbeat \\d+ s ago\\.`,
      ),
    );
    expect(second.stderr).toContain('Stop that receiver first');
    expect(second.stderr.trim().split('\n')).toHaveLength(1); // no stack trace
    expect(first.child.exitCode).toBeNull(); // the first one runs on

    first.child.kill('SIGKILL');
    await first.exited;
    expect(leaseRow()).toEqual({ pid: first.child.pid, hostname: hostname() }); // left behind

    const third = await startReceiver();
    const takeover = third.lines.find((line) => line.storeLease !== undefined);
    expect(takeover).toMatchObject({
      level: 40,
      storeLease: { file: db, takenOver: { pid: first.child.pid, reason: 'dead' } },
    });
    expect(leaseRow()).toEqual({ pid: third.child.pid, hostname: hostname() });

    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
    expect(leaseRow()).toBeUndefined();
  }, 60_000);
});

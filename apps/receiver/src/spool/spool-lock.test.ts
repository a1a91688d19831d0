/**
 * One receiver per spool folder, with real receivers (buildReceiver, each on a SQLite file of its own)
 * and real processes: a second receiver on the folder is refused with SpoolInUseError naming the folder,
 * the holder and what to do — through `node dist/main.js` as one line on stderr, no stack trace — and
 * starts once the first closed; a process that held the folder and was killed with SIGKILL leaves its
 * record, and the next start takes the folder over at once, logging the old holder's pid at warn.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltMain, RECEIVER_ROOT } from '../test-support/built-main.js';
import { startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';
import { SpoolInUseError } from './spool-errors.js';
import { SPOOL_HOLDER_FILE } from './spool-lock.js';

let main = '';
let dir = '';
let receiverCount = 0;
const receivers: TestReceiver[] = [];
const children: ChildProcess[] = [];

beforeAll(() => {
  main = ensureBuiltMain();
  dir = mkdtempSync(join(tmpdir(), 'srhooks-spool-lock-'));
}, 120_000);
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const receiver of receivers.splice(0)) await receiver.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A receiver on its own SQLite file, on the spool folder `spoolDir`. */
async function start(spoolDir: string): Promise<TestReceiver> {
  const receiver = await startTestReceiver({ db: join(dir, `receiver-${++receiverCount}.db`), spoolDir });
  receivers.push(receiver);
  return receiver;
}

async function refusal(spoolDir: string): Promise<SpoolInUseError> {
  const error = await start(spoolDir).then(
    () => new Error('the second receiver started'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SpoolInUseError);
  return error as SpoolInUseError;
}

function holderRecord(spoolDir: string): unknown {
  const file = join(spoolDir, SPOOL_HOLDER_FILE);
  if (!existsSync(file)) return null;
  const { pid, hostname } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  return { pid, hostname };
}

/** A child process (the built module) that locks the folder and holds it until killed. */
async function lockInChild(spoolDir: string): Promise<ChildProcess> {
  mkdirSync(spoolDir, { recursive: true });
  const module = pathToFileURL(join(RECEIVER_ROOT, 'dist/spool/spool-lock.js')).href;
  const script = `import(${JSON.stringify(module)}).then((m) => {
    globalThis.heldLock = m.SpoolLock.acquire(${JSON.stringify(spoolDir)}); console.log('locked'); setInterval(() => {}, 60_000);
  });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const answer = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`the child exited (${code}) without locking`)));
  });
  expect(answer).toBe('locked');
  return child;
}

describe('one receiver per spool folder', () => {
  it('refuses a second receiver on the folder, naming the folder, the holder and what to do; starts one once the first closed', async () => {
    const spoolDir = join(dir, 'shared-spool');
    const first = await start(spoolDir);
    expect(holderRecord(spoolDir)).toEqual({ pid: process.pid, hostname: hostname() });

    const refused = await refusal(spoolDir);
    expect(refused.code).toBe('spool_in_use');
    expect(refused.holder).toMatchObject({ pid: process.pid, hostname: hostname() });
    expect(refused.message).toMatch(
      new RegExp(
        `^The spool folder ${spoolDir.replaceAll('.', '\\.')} \\(SRHOOKS_SPOOL_DIR\\) is in use by another srhooks receiver: pid ${process.pid} on host ${hostname()}, running since \\d{4}-\\d\\d-\\d\\dT`,
      ),
    );
    expect(refused.message).toContain('give each receiver its own SRHOOKS_SPOOL_DIR');
    expect(refused.message).not.toContain('\n');
    // the refused start released what it had taken (its SQLite file), and the first one runs on
    expect((await fetch(`${first.baseUrl}/readyz`)).status).toBe(200);
    expect((await refusal(spoolDir)).code).toBe('spool_in_use');

    await first.close();
    receivers.splice(receivers.indexOf(first), 1);
    expect(holderRecord(spoolDir)).toBeNull(); // released on a clean shutdown
    const next = await start(spoolDir);
    expect(next.logLines.join('\n')).not.toContain('taken over');
    expect(holderRecord(spoolDir)).toEqual({ pid: process.pid, hostname: hostname() });
  });

  it('frees the folder when the start fails after the spool was opened (a route refused)', async () => {
    const spoolDir = join(dir, 'failed-start-spool');
    const failed = await startTestReceiver(
      { db: join(dir, `receiver-${++receiverCount}.db`), spoolDir },
      {
        routes: [
          {
            name: 'refusing',
            plugin: async () => {
              throw new Error('this route refuses to register');
            },
          },
        ],
      },
    ).then(
      () => null,
      (error: unknown) => error,
    );
    expect((failed as Error).message).toContain('this route refuses to register');
    expect(holderRecord(spoolDir)).toBeNull();
    await start(spoolDir);
    expect(holderRecord(spoolDir)).toEqual({ pid: process.pid, hostname: hostname() });
  });

  it('through the start path: one line on stderr, exit code 1, no stack trace', async () => {
    const spoolDir = join(dir, 'start-path-spool');
    await start(spoolDir);
    const second = spawnSync(process.execPath, [main], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        SRHOOKS_SECRETS: 'spool-lock-secret-0123456789',
        PORT: '0',
        HOST: '127.0.0.1',
        SRHOOKS_DB: join(dir, 'start-path.db'),
        SRHOOKS_SPOOL_DIR: spoolDir,
        LOG_LEVEL: 'silent',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(
        `^srhooks receiver failed to start: The spool folder ${spoolDir.replaceAll('.', '\\.')} \\(SRHOOKS_SPOOL_DIR\\) is in use by another srhooks receiver: pid ${process.pid} on host `,
      ),
    );
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect(second.stderr).not.toMatch(/\n\s+at /);
  });

  it("takes the folder over at once from a process killed with SIGKILL, logging the old holder's pid at warn", async () => {
    const spoolDir = join(dir, 'killed-holder-spool');
    const child = await lockInChild(spoolDir);
    expect((await refusal(spoolDir)).holder).toMatchObject({ pid: child.pid, hostname: hostname() });

    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(holderRecord(spoolDir)).toEqual({ pid: child.pid, hostname: hostname() }); // left behind

    const next = await start(spoolDir);
    expect(holderRecord(spoolDir)).toEqual({ pid: process.pid, hostname: hostname() });
    const takeOver = next.logLines
      .map((line) => JSON.parse(line) as { level: number; msg: string; spool?: { previousHolder?: object } })
      .find((line) => line.msg.includes('taken over'));
    expect(takeOver).toMatchObject({
      level: 40,
      msg: `spool folder taken over from receiver pid ${child.pid}, which ended without releasing it (killed or crashed)`,
      spool: { previousHolder: { pid: child.pid, hostname: hostname() } },
    });
  });
});

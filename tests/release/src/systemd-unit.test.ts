/**
 * The receiver's systemd unit (docs/operations.md, systemd) is valid and starts the receiver:
 * read from the docs, checked by `systemd-analyze verify` (no warning either), then its
 * `Environment=` and `ExecStart=` run as systemd would run them (no systemd needed for that part),
 * from the built receiver in place of `WorkingDirectory=` and with a database of this run, until
 * `/readyz` answers; `KillSignal=` stops it within `TimeoutStopSec=`. Needs `systemd-analyze` (Debian's
 * systemd package); outside CI a machine without it skips with that reason, in CI it fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningProcess, startProcess } from './run-process.js';
import { REPO_ROOT } from './workspace.js';

/** Where the receiver's operations guide, with the unit, is. */
const OPERATIONS = 'apps/receiver/docs/operations.md';

const hasAnalyze = spawnSync('sh', ['-c', 'command -v systemd-analyze']).status === 0;
if (process.env.CI && !hasAnalyze) {
  throw new Error("systemd-analyze not on PATH: the unit check needs Debian's systemd package");
}

/** The docs' unit: `[Section]` → key → values (a key may repeat, as `Environment=` can). */
function readUnit(): { text: string; get: (key: string) => string[] } {
  const readme = readFileSync(join(REPO_ROOT, OPERATIONS), 'utf8');
  const start = readme.indexOf('\n## systemd\n');
  if (start < 0) throw new Error(`${OPERATIONS} has no "## systemd" section`);
  const text = /```ini\n([\s\S]*?)\n```/.exec(readme.slice(start))?.[1];
  if (text === undefined) throw new Error('no ```ini block under "## systemd"');
  const get = (key: string) =>
    text
      .split('\n')
      .filter((line) => line.startsWith(`${key}=`))
      .map((line) => line.slice(key.length + 1).trim());
  return { text, get };
}

/** `A=1 B="two words"` → { A: '1', B: 'two words' } (systemd's Environment= quoting, enough of it). */
function parseEnvironment(values: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const value of values) {
    for (const match of value.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S*)/g)) {
      env[match[1] as string] = match[3] ?? (match[2] as string);
    }
  }
  return env;
}

const scratch = realpathSync(mkdtempSync(join(tmpdir(), 'srhooks-unit-')));
let receiver: RunningProcess | undefined;
afterAll(async () => {
  await receiver?.stop('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

describe.skipIf(!hasAnalyze)("the docs' systemd unit", () => {
  const unit = readUnit();

  it('passes systemd-analyze verify without a warning', () => {
    const file = join(scratch, 'srhooks-receiver.service');
    writeFileSync(file, `${unit.text}\n`);
    const verified = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    expect(verified.stderr.trim()).toBe('');
    expect(verified.status).toBe(0);
  });

  it('starts the receiver with its Environment= and ExecStart=, and KillSignal= stops it in TimeoutStopSec=', async () => {
    const [execStart] = unit.get('ExecStart');
    const [node, ...args] = (execStart ?? '').split(/\s+/);
    expect(node).toBe('/usr/bin/node');
    expect(args.at(-1)).toBe('dist/main.js');
    const env = parseEnvironment(unit.get('Environment'));
    expect(env).toMatchObject({ NODE_ENV: 'production', HOST: '127.0.0.1', SRHOOKS_DB: expect.any(String) });
    receiver = startProcess(process.execPath, args, {
      cwd: join(REPO_ROOT, 'apps/receiver'), // WorkingDirectory=: the deploy folder; the built app here
      env: {
        PATH: process.env.PATH,
        ...env,
        PORT: '0', // the unit's 3000 may be taken on this machine
        SRHOOKS_DB: join(scratch, 'srhooks.db'),
        // EnvironmentFile= (the docs' receiver.env): the required secret
        SRHOOKS_SECRETS: 'systemd-unit-check-secret-0123456789',
      },
    });
    const listening = await receiver.waitForLine(/Server listening at http:\/\/127\.0\.0\.1:\d+/);
    const base = /http:\/\/127\.0\.0\.1:\d+/.exec(listening)?.[0] ?? '';
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    const [signal] = unit.get('KillSignal');
    const [timeout] = unit.get('TimeoutStopSec');
    const started = Date.now();
    expect(await receiver.stop(signal as NodeJS.Signals)).toBe(0);
    expect(Date.now() - started).toBeLessThan(Number(timeout) * 1000);
  });

  it('sets what the start script and the Dockerfile set (malloc), a private umask and state directory', () => {
    const env = parseEnvironment(unit.get('Environment'));
    const start = (
      JSON.parse(readFileSync(join(REPO_ROOT, 'apps/receiver/package.json'), 'utf8')) as {
        scripts: { start: string };
      }
    ).scripts.start;
    const fromStart = Object.fromEntries(
      [...start.matchAll(/\b(MALLOC_[A-Z_]+)=(\S+)/g)].map((match) => [match[1], match[2]]),
    );
    const dockerfile = readFileSync(join(REPO_ROOT, 'apps/receiver/Dockerfile'), 'utf8');
    const fromDockerfile = Object.fromEntries(
      [...dockerfile.matchAll(/\b(MALLOC_[A-Z_]+)=(\S+)/g)].map((match) => [match[1], match[2]]),
    );
    expect(Object.keys(fromStart).sort()).toEqual(['MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_']);
    expect(fromDockerfile).toEqual(fromStart);
    expect(env).toMatchObject(fromStart);
    // The SQLite file (and its -wal/-shm) holds every delivery: readable by the service user only.
    expect(unit.get('UMask')).toEqual(['0077']);
    if (unit.get('StateDirectory').length > 0) expect(unit.get('StateDirectoryMode')).toEqual(['0700']);
  });
});

describe("the docs' /etc/srhooks/receiver.env", () => {
  it('has no comment on a value line (systemd keeps it in the value)', () => {
    const readme = readFileSync(join(REPO_ROOT, OPERATIONS), 'utf8');
    const section = readme.slice(readme.indexOf('\n## systemd\n'));
    const at = section.indexOf('`/etc/srhooks/receiver.env`');
    const block = /```sh\n([\s\S]*?)\n```/.exec(section.slice(at))?.[1];
    expect(block).toBeDefined();
    const lines = (block ?? '').split('\n').filter((line) => line.trim() !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      if (/^\s*[#;]/.test(line)) continue;
      expect(line, 'a value line: NAME=value, nothing after the value').toMatch(/^[A-Z_][A-Z0-9_]*=[^\s#]*$/);
    }
  });
});

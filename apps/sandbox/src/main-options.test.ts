/**
 * The sandbox's own command line (`node dist/main.js`, the container image's command): PORT/HOST
 * from the environment, flags over them; a bad port names where it came from (`PORT` or `--port`)
 * and is refused before the server starts, not with Node's "options.port should be >= 0" message.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readMainOptions, startFailure } from './main-options.js';

describe('readMainOptions', () => {
  it('reads PORT and HOST, flags winning', () => {
    expect(readMainOptions([], { PORT: '9000', HOST: '0.0.0.0' })).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
    });
    expect(readMainOptions(['--port', '0'], { PORT: '9000' })).toMatchObject({ port: 0, host: '127.0.0.1' });
    expect(readMainOptions([], {})).toMatchObject({ port: 8787 });
  });

  it("reads --clock-offset (the shop's clock against this machine's, negative: behind)", () => {
    expect(readMainOptions(['--clock-offset=-600'], {})).toMatchObject({ clockOffsetSeconds: -600 });
    expect(readMainOptions(['--clock-offset', '30'], {})).toMatchObject({ clockOffsetSeconds: 30 });
    expect(readMainOptions([], {})).not.toHaveProperty('clockOffsetSeconds');
  });

  it.each([
    [[], { PORT: 'abc' }, /^PORT must be a port number from 0 to 65535 \(0: any free port\), got 'abc'/],
    [[], { PORT: '99999' }, /^PORT must be a port number from 0 to 65535/],
    [[], { PORT: '80.5' }, /^PORT must be a port number/],
    [['--port=-1'], {}, /^--port must be a port number from 0 to 65535/],
    [['--port', '70000'], { PORT: '1' }, /^--port must be a port number/],
  ])('refuses %j %j', (args, env, message) => {
    expect(() => readMainOptions(args, env)).toThrow(message);
  });
});

describe('startFailure', () => {
  const failed = (code: string) => Object.assign(new Error(`listen ${code}`), { code });

  it('names PORT/--port for a port in use and HOST/--host for an address that is not this machine', () => {
    expect(startFailure(failed('EADDRINUSE'), { port: 8787, host: '127.0.0.1' })).toBe(
      'port 8787 is already in use: stop the other process, or set PORT (or --port) to a free port (0: any free port)',
    );
    expect(startFailure(failed('ENOTFOUND'), { port: 8787, host: 'nohost' })).toBe(
      'HOST (or --host) "nohost" is not an address of this machine (ENOTFOUND): leave it out (127.0.0.1) or give one of its addresses (0.0.0.0: all of them)',
    );
    expect(startFailure(new Error('cannot read seed file x'), { port: 1, host: 'h' })).toBe(
      'cannot read seed file x',
    );
  });
});

describe('node dist/main.js with a broken --shops file', () => {
  const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

  it('exits 1 naming the file, line and column and what to do, quoting nothing of the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'srhooks-sandbox-main-'));
    try {
      const seedFile = join(dir, 'shops.json');
      writeFileSync(seedFile, '[{"name": "bolt", "clients": [], "owner": Kiss Anna}]');
      const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = execFile(
          process.execPath,
          [main, '--port', '0', '--shops', seedFile],
          { timeout: 20_000 },
          (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
        );
      });
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(
        `sandbox failed to start: seed file ${seedFile} is not valid JSON: unexpected character at line 1, column 43; fix the JSON at line 1, column 43 (your editor shows the spot).\n`,
      );
      expect(run.stderr).not.toMatch(/Kiss|Anna/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('node dist/main.js with a --shops or --apps file that does not exist', () => {
  const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

  it.each([
    ['--shops', 'seed file', ' (the default shop demo is always there)'],
    ['--apps', 'apps file', ''],
  ])('%s: exits 1 saying so in words, naming the flag and what to do', async (flag, what, more) => {
    const missing = join(tmpdir(), 'srhooks-sandbox-main-missing', 'missing.json');
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        [main, '--port', '0', flag, missing],
        { timeout: 20_000 },
        (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
      );
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `sandbox failed to start: ${what} ${missing} (${flag}) does not exist; check the path, or leave ${flag} out${more}.\n`,
    );
  });
});

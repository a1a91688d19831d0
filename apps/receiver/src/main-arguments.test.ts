/**
 * `node dist/main.js` takes no arguments: --help and --version answer and exit without starting a
 * receiver (no database file is created), anything else is refused with exit code 2. Runs the
 * built entry point as an operator would (rebuilt first when src/ is newer).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ENV_VARIABLES } from './app-mode/app-env.js';
import { ENV_VARIABLES } from './config/env-config.js';
import { ensureBuiltMain, BUILT_MAIN as main, RECEIVER_ROOT } from './test-support/built-main.js';

const version = (JSON.parse(readFileSync(join(RECEIVER_ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;
let cwd = '';

beforeAll(() => {
  ensureBuiltMain();
  cwd = mkdtempSync(join(tmpdir(), 'srhooks-main-args-'));
}, 120_000);
afterAll(() => {
  rmSync(cwd, { recursive: true, force: true });
});

function run(...args: string[]) {
  // A valid configuration: without the argument check, the receiver would start and listen.
  return spawnSync(process.execPath, [main, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 20_000,
    env: {
      PATH: process.env.PATH,
      SRHOOKS_SECRETS: 'main-arguments-secret-0123456789',
      PORT: '0',
      HOST: '127.0.0.1',
    },
  });
}

describe('node dist/main.js arguments', () => {
  it.each(['--help', '-h'])(
    '%s prints the usage, pointing to the variables and docs/configuration.md, and exits 0',
    (flag) => {
      const result = run(flag);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('Usage: node dist/main.js');
      // an install from the registry has no start script to run: where its main.js is
      expect(result.stdout).toContain('node node_modules/@srhooks/receiver/dist/main.js');
      expect(result.stdout).toContain('environment variables');
      expect(result.stdout).toContain("the receiver's docs/configuration.md");
      expect(result.stdout).toContain('/apps/receiver/docs/configuration.md');
      for (const name of [
        ...Object.keys(ENV_VARIABLES),
        ...Object.keys(APP_ENV_VARIABLES),
        'SRHOOKS_CONFIG',
      ]) {
        expect(result.stdout).toContain(name);
      }
      expect(existsSync(join(cwd, 'data'))).toBe(false);
    },
  );

  it.each(['--version', '-v'])('%s prints the version and exits 0', (flag) => {
    const result = run(flag);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(version);
    expect(existsSync(join(cwd, 'data'))).toBe(false);
  });

  it.each([['--port', '4000'], ['start'], ['--bogus']])(
    '%j is refused with exit code 2 and a clear message',
    (...args) => {
      const result = run(...args);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(`unknown argument "${args[0]}"`);
      expect(result.stderr).toContain('environment variables');
      expect(result.stderr).toContain('--help');
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(existsSync(join(cwd, 'data'))).toBe(false);
    },
  );
});

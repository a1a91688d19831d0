import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_PATH, cliEnv, tempConfigDir } from '../test-support/run-cli.js';

const config = tempConfigDir();
afterAll(() => config.cleanup());

/**
 * Runs the CLI with a stdout pipe whose reading end is closed at once, as `| head -0` does after
 * reading (every write the CLI makes meets EPIPE).
 */
function runWithClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], {
      env: cliEnv(config.dir),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`srhooks ${args.join(' ')} kept running with a closed stdout\n${stderr}`));
    }, 15_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, ms: Date.now() - started });
    });
  });
}

describe('a closed stdout ends the CLI quietly', () => {
  it.each([
    [['sandbox', '--help']],
    [['trigger', '--help']],
    [['login', '--help']],
    [['demo', '--help']],
    [['--help']],
    [['fields']],
    [['fields', '--json']],
    [
      [
        'url',
        '--shop',
        'demo',
        '--event',
        'order_confirm',
        '--base',
        'http://x.test',
        '--secret',
        'a-secret-of-16-chars+',
      ],
    ],
  ])('srhooks %j', async (args) => {
    const run = await runWithClosedStdout(args);
    expect(run.stderr).not.toMatch(/EPIPE|Unhandled|\n\s+at /);
    expect(run.code).toBe(0);
  });

  it('a long-running command (sandbox) stops as on Ctrl-C', async () => {
    const run = await runWithClosedStdout(['sandbox', '--port', '0']);
    expect(run.stderr).not.toMatch(/EPIPE|Unhandled|\n\s+at /);
    expect(run.code).toBe(0);
  });

  it('a failure keeps its exit code', async () => {
    const run = await runWithClosedStdout(['webhooks', 'list', '--shop', 'demo', '--json']);
    expect(run.stderr).toMatch(/^error: no credentials for shop demo/);
    expect(run.stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(run.code).toBe(2);
  });
});

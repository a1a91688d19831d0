/**
 * A Redis server of one test's own: `redis-server` on a free loopback port, with the settings the test
 * needs (a small `maxmemory`, `proto-max-bulk-len`, RDB snapshots into a folder the test can take away),
 * its data in a temporary folder. The machine's shared Redis is never reconfigured. Starts in well under
 * a second.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export interface DisposableRedis {
  readonly port: number;
  readonly url: string;
  /** Its data directory (`dir`), where RDB snapshots are written. */
  readonly dataDir: string;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

/** Starts one with these extra arguments (`['--maxmemory', '2mb']`); fails with its output when it does not start. */
export async function startDisposableRedis(
  args: string[] = [],
  timeoutMs = 20_000,
): Promise<DisposableRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'srhooks-redis-'));
  const dataDir = join(dir, 'data');
  await mkdir(dataDir);
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dataDir, '--appendonly', 'no', ...args],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  // a redis-server that cannot be spawned (not installed) reports 'error' and never 'exit'
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      output += `${error.message} (these tests need redis-server installed)`;
      resolve();
    });
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`redis-server did not start within ${timeoutMs} ms: ${output.slice(-2000)}`)),
        timeoutMs,
      );
      const read = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (/Ready to accept connections/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', read);
      child.stderr?.on('data', read);
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited while starting: ${output.slice(-2000)}`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, url: `redis://127.0.0.1:${port}`, dataDir, stop };
}

/**
 * A Redis server of one test's own: `redis-server` on a free loopback port, with the settings the test
 * needs (a small `maxmemory`, `proto-max-bulk-len`, RDB snapshots into a folder the test can take away),
 * its data in a temporary folder. The machine's shared Redis is never reconfigured. Starts in well under
 * a second.
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { spawnUntilReady } from './spawn-until-ready.js';

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
  const { stop } = await spawnUntilReady({
    name: 'redis-server',
    command: 'redis-server',
    args: ['--port', String(port), '--bind', '127.0.0.1', '--dir', dataDir, '--appendonly', 'no', ...args],
    dir,
    ready: /Ready to accept connections/,
    timeoutMs,
  });
  return { port, url: `redis://127.0.0.1:${port}`, dataDir, stop };
}

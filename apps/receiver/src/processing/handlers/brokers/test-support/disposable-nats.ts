/**
 * A NATS server of one test's own: `nats-server` with JetStream on a free loopback port, with the limits
 * the test needs (`jetstream { max_file_store: 2MB }`), its store in a temporary folder. The machine's
 * shared NATS is never reconfigured. Starts in well under a second.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { spawnUntilReady } from './spawn-until-ready.js';

export interface DisposableNats {
  readonly port: number;
  readonly url: string;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

/** Starts one; `jetstream` lines go into its `jetstream { … }` block (`max_file_store: 2MB`). */
export async function startDisposableNats(
  jetstream: string[] = [],
  timeoutMs = 20_000,
): Promise<DisposableNats> {
  const dir = await mkdtemp(join(tmpdir(), 'srhooks-nats-'));
  const port = await freePort();
  const config = join(dir, 'nats.conf');
  await writeFile(
    config,
    `listen: 127.0.0.1:${port}\njetstream {\n  store_dir: ${JSON.stringify(join(dir, 'js'))}\n${jetstream.map((line) => `  ${line}\n`).join('')}}\n`,
  );
  const { stop } = await spawnUntilReady({
    name: 'nats-server',
    command: 'nats-server',
    args: ['-c', config],
    dir,
    ready: /Server is ready/,
    timeoutMs,
  });
  return { port, url: `nats://127.0.0.1:${port}`, stop };
}

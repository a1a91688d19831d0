/**
 * A NATS server of one test's own: `nats-server` with JetStream on a free loopback port, with the limits
 * the test needs (`jetstream { max_file_store: 2MB }`), its store in a temporary folder. The machine's
 * shared NATS is never reconfigured. Starts in well under a second.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

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
  const child = spawn('nats-server', ['-c', config], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  // a nats-server that cannot be spawned (not installed) reports 'error' and never 'exit'
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      output += `${error.message} (these tests need nats-server installed)`;
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
        () => reject(new Error(`nats-server did not start within ${timeoutMs} ms: ${output.slice(-2000)}`)),
        timeoutMs,
      );
      const read = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (/Server is ready/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', read);
      child.stderr?.on('data', read);
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited while starting: ${output.slice(-2000)}`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, url: `nats://127.0.0.1:${port}`, stop };
}

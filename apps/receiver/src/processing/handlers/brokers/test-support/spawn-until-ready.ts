/**
 * A server process of a test's own (disposable-nats.ts, disposable-redis.ts, disposable-rabbitmq.ts):
 * spawned, its output read until it says it is ready. When it exits first, cannot be spawned, or is not
 * ready within `timeoutMs`, it is stopped, its folder removed, and the start fails with its last output.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';

export interface SpawnUntilReadyOptions {
  /** The server's name in messages (`nats-server`). */
  name: string;
  command: string;
  args?: string[];
  /** Its working folder, removed by `stop`. */
  dir: string;
  env?: NodeJS.ProcessEnv;
  /** What its output says once it is ready (`/Server is ready/`). */
  ready: RegExp;
  timeoutMs: number;
  /**
   * A server that is a process group (rabbitmq-server: a script and its Erlang VM): started detached, and
   * stopped with SIGTERM to the group, then SIGKILL after `graceMs`. Otherwise the process is killed.
   */
  group?: { graceMs: number };
}

export interface SpawnedServer {
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

export async function spawnUntilReady(options: SpawnUntilReadyOptions): Promise<SpawnedServer> {
  const { name, dir, ready, timeoutMs, group } = options;
  const child = spawn(options.command, options.args ?? [], {
    cwd: dir,
    ...(options.env ? { env: options.env } : {}),
    detached: group !== undefined,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // a server that cannot be spawned (not installed) reports 'error' and never 'exit'
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      output += `${error.message} (these tests need ${name} installed)`;
      resolve();
    });
  });
  const stop = async () => {
    if (group) {
      signalGroup(child, 'SIGTERM');
      const gone = await Promise.race([exited.then(() => true), sleep(group.graceMs).then(() => false)]);
      if (!gone) signalGroup(child, 'SIGKILL');
    } else {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${name} did not start within ${timeoutMs} ms: ${output.slice(-2000)}`)),
        timeoutMs,
      );
      const read = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (ready.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', read);
      child.stderr?.on('data', read);
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`${name} exited while starting: ${output.slice(-2000)}`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}

/** Signals the server's process group, which this file started. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // gone already
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

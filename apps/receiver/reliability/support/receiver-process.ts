/**
 * The receiver as production runs it: `node apps/receiver/dist/main.js` in a child process, configured
 * through environment variables and a `srhooks.config.json` named by `SRHOOKS_CONFIG`, with its log
 * lines appended to `receiver.log` in the scenario's directory. The port stays the same across
 * restarts, so a load generator can keep sending to one URL while the process dies and comes back.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RECEIVER_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface ReceiverProcessOptions {
  /** Working directory (tmp): holds the config file and the log. */
  dir: string;
  port: number;
  /** Environment variables besides PORT/HOST/SRHOOKS_CONFIG (secrets, SRHOOKS_DB, DATABASE_URL, …). */
  env: Record<string, string>;
  /** Written to `<dir>/srhooks.config.json` and passed with SRHOOKS_CONFIG. */
  config?: Record<string, unknown>;
  /** How long a start may take before it counts as failed; default 30 s. */
  startTimeoutMs?: number;
}

export class ReceiverProcess {
  readonly baseUrl: string;
  readonly logFile: string;
  readonly #options: ReceiverProcessOptions;
  #child: ChildProcess | null = null;
  #exited: Promise<number | null> = Promise.resolve(null);
  /** Process ids of every start, in order. */
  readonly pids: number[] = [];

  private constructor(options: ReceiverProcessOptions) {
    this.#options = options;
    this.baseUrl = `http://127.0.0.1:${options.port}`;
    this.logFile = join(options.dir, 'receiver.log');
  }

  static async start(options: ReceiverProcessOptions): Promise<ReceiverProcess> {
    if (!existsSync(RECEIVER_MAIN)) {
      throw new Error(
        `${RECEIVER_MAIN} is missing: build the receiver first (pnpm --filter @srhooks/receiver build)`,
      );
    }
    const receiver = new ReceiverProcess(options);
    await receiver.launch();
    return receiver;
  }

  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  /** True while the current child has not exited. */
  get alive(): boolean {
    return this.#child !== null && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Spawns the child and waits until `/healthz` answers 200 (rejects with the log tail if it exits or times out). */
  async launch(): Promise<void> {
    if (this.alive) throw new Error('the receiver is already running');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'production',
      PORT: String(this.#options.port),
      HOST: '127.0.0.1',
      ...this.#options.env,
    };
    if (this.#options.config) {
      const configFile = join(this.#options.dir, 'srhooks.config.json');
      writeFileSync(configFile, JSON.stringify(this.#options.config, null, 2));
      env.SRHOOKS_CONFIG = configFile;
    }
    const log = openSync(this.logFile, 'a');
    const child = spawn(process.execPath, [RECEIVER_MAIN], {
      cwd: this.#options.dir,
      env,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.#child = child;
    if (child.pid !== undefined) this.pids.push(child.pid);
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code) => resolve(code));
    });
    await this.#waitHealthy(this.#options.startTimeoutMs ?? 30_000);
  }

  async #waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive) {
        throw new Error(`the receiver exited during start-up:\n${this.logTail()}`);
      }
      try {
        const response = await fetch(`${this.baseUrl}/healthz`, { signal: AbortSignal.timeout(1000) });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the receiver did not answer /healthz within ${timeoutMs} ms:\n${this.logTail()}`);
  }

  /** `kill -9`: no shutdown hook runs, in-flight requests and commits are cut off. */
  async kill9(): Promise<void> {
    const child = this.#child;
    if (!child || !this.alive) return;
    child.kill('SIGKILL');
    await this.#exited;
  }

  /** SIGTERM (graceful shutdown), SIGKILL if it takes longer than `timeoutMs`. Resolves with the exit code. */
  async stop(timeoutMs = 15_000): Promise<number | null> {
    const child = this.#child;
    if (!child || !this.alive) return child?.exitCode ?? null;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.#exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The last lines of the receiver's log (for failure messages). */
  logTail(lines = 30): string {
    if (!existsSync(this.logFile)) return '(no log)';
    return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** Log lines (parsed pino JSON; non-JSON lines are skipped). */
  logRecords(): Array<Record<string, unknown>> {
    if (!existsSync(this.logFile)) return [];
    const records: Array<Record<string, unknown>> = [];
    for (const line of readFileSync(this.logFile, 'utf8').split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        records.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // a line cut off by kill -9
      }
    }
    return records;
  }
}

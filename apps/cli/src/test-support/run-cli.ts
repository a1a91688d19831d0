import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WebhookEvent } from '@srhooks/contracts/events';

/**
 * How long one CLI command may take, and how long a running one may take to print an expected line,
 * before the test fails saying so: a few seconds on a quiet machine, several times that on a slow,
 * loaded CI machine (one ran everything 2.8 times slower), so these are limits for a hang.
 */
const RUN_LIMIT_MS = 60_000;
const LINE_WAIT_MS = 45_000;

/** The bundled CLI of this checkout (`node apps/cli/dist/cli.js`: it names commands `npm run srhooks -- …`). */
export const CLI_PATH = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/**
 * What the tests run by default: the bundled CLI through a link named `srhooks`, as a global install or
 * `npm link` makes the bin, so its messages name commands `srhooks …` as an installed CLI's do. Tests of
 * how the checkout's CLI names them run `CLI_PATH` (`script`). Removed when the test process exits.
 */
export const SRHOOKS_BIN = linkedBin();

function linkedBin(): string {
  const dir = mkdtempSync(join(tmpdir(), 'srhooks-bin-'));
  // readable by every user: some tests run the CLI as another user (`user`)
  chmodSync(dir, 0o755);
  const bin = join(dir, 'srhooks');
  symlinkSync(CLI_PATH, bin);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return bin;
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  /** Run this file instead of the `srhooks` link to dist/cli.js (e.g. `CLI_PATH`, as a checkout runs it). */
  script?: string;
  input?: string;
  timeoutMs?: number;
  /** Run as this user and group (a test run as root: file permissions bind only other users). */
  user?: { uid: number; gid: number };
}

/**
 * A clean environment: no SRHOOKS_* variables of the developer's shell leak into a test, colours
 * off, and the config dir is the test's own temporary directory.
 */
export function cliEnv(configDir: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    SRHOOKS_CONFIG_DIR: configDir,
    NO_COLOR: '1',
  };
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Every output seen by a test file, to assert that no secret ever appears in any of them (emptied before each file by per-file.setup.ts). */
export const seenOutput: string[] = [];

/** Runs `node dist/cli.js …args` (asynchronously, so in-process servers keep answering). */
export function runCli(configDir: string, args: string[], options: RunOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.script ?? SRHOOKS_BIN, ...args], {
      env: cliEnv(configDir, options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.user ?? {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `srhooks ${args.join(' ')} did not finish in ${options.timeoutMs ?? RUN_LIMIT_MS} ms\n${stdout}\n${stderr}`,
        ),
      );
    }, options.timeoutMs ?? RUN_LIMIT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      seenOutput.push(stdout, stderr);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** `srhooks trigger order_confirm --to URL --seed SEED --json` for each seed; throws with its stderr when one fails. */
export async function triggerOrders(configDir: string, url: string, seeds: readonly string[]): Promise<void> {
  for (const seed of seeds) {
    const sent = await runCli(configDir, ['trigger', 'order_confirm', '--to', url, '--seed', seed, '--json']);
    if (sent.code !== 0) throw new Error(`srhooks trigger exited ${sent.code}: ${sent.stderr}`);
  }
}

/** What the receiver answered one delivery sent by `sendDelivery`, and the trigger's output. */
export interface SentDelivery {
  deliveryId: string;
  /** The receiver spooled it (its store was unavailable). */
  spooled?: boolean;
  /** `srhooks trigger --json`'s output, as printed. */
  stdout: string;
}

/**
 * Sends one delivery with `srhooks trigger EVENT --to URL --seed SEED --json` (EVENT order_confirm unless
 * given) and reads the receiver's answer; throws with its stderr unless it exits 0. `{ data: FILE }` in
 * place of the seed sends that file (`--data FILE`) instead of the built-in sample.
 */
export async function sendDelivery(
  configDir: string,
  url: string,
  seed: string | { data: string },
  event: WebhookEvent = 'order_confirm',
): Promise<SentDelivery> {
  const payload = typeof seed === 'string' ? ['--seed', seed] : ['--data', seed.data];
  const sent = await runCli(configDir, ['trigger', event, '--to', url, ...payload, '--json']);
  if (sent.code !== 0) throw new Error(`srhooks trigger exited ${sent.code}: ${sent.stderr}`);
  const answer = JSON.parse(JSON.parse(sent.stdout).response.body) as Omit<SentDelivery, 'stdout'>;
  return { deliveryId: answer.deliveryId, spooled: answer.spooled, stdout: sent.stdout };
}

export interface AdminCli {
  /** `srhooks …args --receiver <receiver>`, the admin token in SRHOOKS_ADMIN_TOKEN. */
  admin(...args: string[]): Promise<CliRun>;
  /** `admin(…args, '--json')`, its output parsed; throws with its stderr unless it exits 0. */
  adminJson(...args: string[]): Promise<ReturnType<typeof JSON.parse>>;
}

/**
 * Runs admin commands (`deliveries`, `events`, `handlers`, …) against a test's receiver, whose URL
 * `receiverUrl` returns once it listens. `onRun` sees every run (to check later what was printed).
 */
export function adminCli(
  configDir: string,
  receiverUrl: () => string,
  adminToken: string,
  onRun: (args: string[], run: CliRun) => void = () => {},
): AdminCli {
  const admin = async (...args: string[]): Promise<CliRun> => {
    const run = await runCli(configDir, [...args, '--receiver', receiverUrl()], {
      env: { SRHOOKS_ADMIN_TOKEN: adminToken },
    });
    onRun(args, run);
    return run;
  };
  const adminJson = async (...args: string[]) => {
    const run = await admin(...args, '--json');
    if (run.code !== 0) throw new Error(`srhooks ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
    return JSON.parse(run.stdout);
  };
  return { admin, adminJson };
}

export interface RunningCli {
  child: ChildProcess;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `pattern` (rejects after `timeoutMs`). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** The same for stderr (progress and warnings of a long-running command). */
  waitForErrorLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends SIGINT (Ctrl-C) and resolves with the exit code. */
  interrupt(): Promise<number | null>;
}

/** Starts a long-running command (`sandbox`, `listen`) in the background. */
export function startCli(configDir: string, args: string[], options: RunOptions = {}): RunningCli {
  const child = spawn(process.execPath, [options.script ?? SRHOOKS_BIN, ...args], {
    env: cliEnv(configDir, options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const waiter of waiters) waiter();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    for (const waiter of waiters) waiter();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => {
      seenOutput.push(stdout, stderr);
      for (const waiter of waiters) waiter();
      resolve(code);
    });
  });
  const waitIn =
    (text: () => string, name: string) =>
    (pattern: RegExp, timeoutMs = LINE_WAIT_MS): Promise<string> =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const line = text()
            .split('\n')
            .find((candidate) => pattern.test(candidate));
          if (line !== undefined) {
            finish();
            resolve(line);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            finish();
            reject(
              new Error(
                `srhooks ${args.join(' ')} exited before printing ${pattern} on ${name}\n${stdout}\n${stderr}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(
            new Error(`no ${name} line matching ${pattern} within ${timeoutMs} ms\n${stdout}\n${stderr}`),
          );
        }, timeoutMs);
        const finish = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForLine: waitIn(() => stdout, 'stdout'),
    waitForErrorLine: waitIn(() => stderr, 'stderr'),
    async interrupt() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      return exited;
    },
  };
}

/** A fresh config dir (SRHOOKS_CONFIG_DIR) and its cleanup. */
export function tempConfigDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'srhooks-cli-test-'));
  return { dir: join(dir, 'config'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The "store down at start" fixture: a receiver started (`runReceiver`, in this process) while its
 * PostgreSQL store cannot be reached. DATABASE_URL points at a TcpProxy in front of the test PostgreSQL
 * whose port refuses connections until the test calls `proxy.start()` (the store opens: the full receiver
 * takes over). Each test gets its own temporary folder (the receiver's cwd; the spool is `spool` in it)
 * and the receiver's JSON log lines; the receivers it started are stopped (SIGTERM) after it.
 *
 * Registers its beforeEach/afterEach where it is called: call it once at the top of a test file. A failed
 * test prints what the receiver last logged about its store (a take-over that never comes is waited for
 * up to the test limit, e.g. a PostgreSQL server out of connections while every suite uses it).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach } from 'vitest';
import { type RunningReceiver, runReceiver } from '../run-receiver.js';
import { FakeProcess } from './fake-process.js';
import { TEST_DATABASE_URL } from './postgres-schema.js';
import { TcpProxy } from './tcp-proxy.js';

export interface StartedReceiver {
  proc: FakeProcess;
  receiver: RunningReceiver;
}

export interface StoreDownAtStart {
  /** This test's temporary folder: the receiver's cwd. */
  readonly dir: string;
  /** `spool` in `dir`, the SRHOOKS_SPOOL_DIR of `env()`. */
  readonly spoolDir: string;
  /** In front of the test PostgreSQL, stopped (refusing connections) until the test starts it. */
  readonly proxy: TcpProxy;
  /** This test's receiver log lines, parsed. */
  readonly logLines: Array<Record<string, unknown>>;
  /** Where the receivers log (into `logLines`). */
  readonly logDestination: Writable;
  /** DATABASE_URL through the proxy. */
  databaseUrl(): string;
  /** PORT 0 on 127.0.0.1, DATABASE_URL through the proxy and SRHOOKS_SPOOL_DIR, then `extra`. */
  env(extra?: Record<string, string>): Record<string, string>;
  /**
   * `runReceiver` with `env` (processing off, spool retries 50–100 ms, store retries 100–200 ms);
   * throws with its stderr if it did not start. Stopped after the test unless `stoppedByTest`.
   */
  start(env: Record<string, string>, options?: { stoppedByTest?: boolean }): Promise<StartedReceiver>;
  /** The deliveries waiting in the spool (`*.delivery` file names). */
  spoolFiles(): string[];
}

/** The fixture; `tempPrefix` names this file's temporary folders (`srhooks-…-`). */
export function storeDownAtStart(tempPrefix: string): StoreDownAtStart {
  let dir = '';
  let proxy: TcpProxy | undefined;
  let logLines: Array<Record<string, unknown>> = [];
  const running: StartedReceiver[] = [];

  const logDestination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.startsWith('{')) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });

  beforeEach(async ({ onTestFailed }) => {
    dir = mkdtempSync(join(tmpdir(), tempPrefix));
    proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || '5432'));
    await proxy.start();
    await proxy.stop(); // its port now refuses connections: the store is unreachable
    logLines = [];
    onTestFailed(() => {
      const storeLines = logLines
        .filter((line) => Number(line.level) >= 40 || String(line.msg).startsWith('store'))
        .filter((line) => !String(line.msg).startsWith('store unavailable: delivery spooled'))
        .slice(-8)
        .map((line) => {
          const err = line.err as { type?: unknown; code?: unknown; message?: unknown } | undefined;
          const cause = err
            ? ` (${String(err.type)} ${String(err.code ?? '')}: ${String(err.message ?? '')})`
            : '';
          const store = line.store ? ` ${JSON.stringify(line.store)}` : '';
          return `  [${String(line.level)}] ${String(line.msg).slice(0, 160)}${store}${cause}`;
        });
      console.error(`the receiver's last store log lines:\n${storeLines.join('\n') || '  (none)'}`);
    });
  });
  afterEach(async () => {
    for (const { proc, receiver } of running.splice(0)) {
      proc.emit('SIGTERM', 'SIGTERM');
      await receiver.stopped;
    }
    await proxy?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const fixture: StoreDownAtStart = {
    get dir() {
      return dir;
    },
    get spoolDir() {
      return join(dir, 'spool');
    },
    get proxy() {
      if (!proxy) throw new Error('storeDownAtStart: the proxy exists only within a test');
      return proxy;
    },
    get logLines() {
      return logLines;
    },
    logDestination,
    databaseUrl() {
      const url = new URL(TEST_DATABASE_URL);
      url.hostname = '127.0.0.1';
      url.port = String(fixture.proxy.port);
      return url.toString();
    },
    env(extra = {}) {
      return {
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: fixture.databaseUrl(),
        SRHOOKS_SPOOL_DIR: fixture.spoolDir,
        ...extra,
      };
    },
    async start(env, options = {}) {
      const proc = new FakeProcess(env, dir);
      const receiver = await runReceiver(
        proc,
        { processing: { enabled: false }, spool: { retryMs: 50, maxRetryMs: 100 }, logDestination },
        { storeRetry: { firstMs: 100, maxMs: 200 } },
      );
      if (!receiver) throw new Error(`the receiver did not start: ${proc.stderrText.join('')}`);
      const started = { proc, receiver };
      if (!options.stoppedByTest) running.push(started);
      return started;
    },
    spoolFiles() {
      return readdirSync(fixture.spoolDir).filter((name) => name.endsWith('.delivery'));
    },
  };
  return fixture;
}

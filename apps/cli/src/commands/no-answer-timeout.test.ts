/**
 * `--timeout <duration>` of the commands that call a receiver's admin API or a sandbox: a server that
 * accepts the connection and never answers cost an admin command 5 minutes (undici's headers timeout,
 * reported in its own words) and hung `sandbox order` and `app install|uninstall` for good. Each
 * request now gives up after `--timeout` (default 30s) and says so in words, exit 3, code `timeout`;
 * `events tail`'s live stream, open on purpose, is not cut by it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, tempConfigDir } from '../test-support/run-cli.js';
import { silentServer } from '../test-support/silent-server.js';
import { startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';

const config = tempConfigDir();
const ADMIN_TOKEN = 'no-answer-admin-token-0123456789';
let silent: Awaited<ReturnType<typeof silentServer>>;
let silentUrl = '';
let receiver: TestReceiver;

beforeAll(async () => {
  silent = await silentServer();
  silentUrl = `http://127.0.0.1:${silent.port}`;
  receiver = await startTestReceiver(config.dir, {
    secrets: ['no-answer-url-secret-0123456789abcdef'],
    adminToken: ADMIN_TOKEN,
    shops: [{ name: 'acme', handlers: ['erp'] }],
    handlers: { erp: { type: 'log' } },
  });
});
afterAll(async () => {
  await silent?.close();
  await receiver?.receiver.close();
  config.cleanup();
});

/** Well under the 5 minutes (or forever) it took, with room for a slow, loaded machine. */
const GIVES_UP_WITHIN_MS = 20_000;

/** `srhooks …args --json`, its error document; the run may take at most 30 s. */
async function jsonError(args: string[]) {
  const started = Date.now();
  const run = await runCli(config.dir, [...args, '--json'], { timeoutMs: 30_000 });
  return { run, elapsed: Date.now() - started, error: JSON.parse(run.stdout || '{}').error ?? {} };
}

/** Every command that calls a receiver's admin API (each with what it needs to send a request). */
const ADMIN_COMMANDS = [
  ['events', 'list'],
  ['events', 'show', 'evt_0000000000'],
  ['events', 'replay', 'evt_0000000000'],
  ['events', 'release', 'evt_0000000000'],
  ['events', 'backfill', '--handler', 'erp', '--from', '2025-12-01'],
  ['events', 'tail'],
  ['deliveries', 'list'],
  ['deliveries', 'show', 'dlv_0000000000'],
  ['deliveries', 'reprocess', 'dlv_0000000000'],
  ['dead-letters', 'list'],
  ['dead-letters', 'retry'],
  ['handlers', 'list'],
  ['handlers', 'enable', 'erp'],
  ['handlers', 'disable', 'erp'],
  ['prune', '--older-than', '90'],
  ['erase', '--email', 'anna@example.com', '--reason', 'T-1', '--dry-run'],
  ['recover', '--shop', 'acme'],
  ['app', 'mark-uninstalled', 'acme'],
] as const;

describe('a receiver that accepts the connection and never answers', () => {
  it("events list --timeout 1s gives up after 1s: exit 3, code timeout, in words, never undici's", async () => {
    const { run, elapsed, error } = await jsonError([
      ...['events', 'list', '--receiver', silentUrl, '--admin-token', ADMIN_TOKEN, '--timeout', '1s'],
    ]);
    expect(elapsed).toBeLessThan(GIVES_UP_WITHIN_MS);
    expect(run.code).toBe(3);
    expect(error).toMatchObject({
      code: 'timeout',
      exitCode: 3,
      message: `the receiver at ${silentUrl} (given with --receiver) did not answer within 1s`,
    });
    expect(error.hint).toContain('check --receiver');
    expect(error.hint).toContain('or allow more time with --timeout (e.g. --timeout 2s)');
    expect(run.stdout + run.stderr).not.toMatch(/Headers Timeout|UND_ERR|AbortError|TimeoutError|^\s+at /m);
  });

  it('the human error: one line saying what happened, the fix on the next', async () => {
    const run = await runCli(
      config.dir,
      ['deliveries', 'list', '--receiver', silentUrl, '--admin-token', ADMIN_TOKEN, '--timeout', '1s'],
      { timeoutMs: 30_000 },
    );
    expect(run.code).toBe(3);
    const [line, hint] = run.stderr.trim().split('\n');
    expect(line).toBe(`error: the receiver at ${silentUrl} (given with --receiver) did not answer within 1s`);
    expect(hint).toMatch(/^check --receiver: .*, or allow more time with --timeout \(e\.g\. --timeout 2s\)$/);
  });

  it('every admin command takes --timeout and gives up in time (SRHOOKS_RECEIVER_URL named too)', async () => {
    const runs = await Promise.all(
      ADMIN_COMMANDS.map(async (command) => {
        const started = Date.now();
        const run = await runCli(config.dir, [...command, '--timeout', '1s', '--json'], {
          env: { SRHOOKS_RECEIVER_URL: silentUrl, SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN },
          timeoutMs: 45_000,
        });
        return { command: command.join(' '), run, elapsed: Date.now() - started };
      }),
    );
    for (const { command, run, elapsed } of runs) {
      const error = JSON.parse(run.stdout || '{}').error ?? {};
      expect({ command, code: run.code, error: error.code }).toEqual({ command, code: 3, error: 'timeout' });
      expect(error.message, command).toBe(
        `the receiver at ${silentUrl} (from SRHOOKS_RECEIVER_URL) did not answer within 1s`,
      );
      expect(error.hint, command).toContain('check SRHOOKS_RECEIVER_URL');
      expect(elapsed, command).toBeLessThan(40_000);
    }
  });

  it('shops --receiver --timeout 1s likewise', async () => {
    const { run, elapsed, error } = await jsonError([
      ...['shops', '--receiver', silentUrl, '--admin-token', ADMIN_TOKEN, '--timeout', '1s'],
    ]);
    expect(elapsed).toBeLessThan(GIVES_UP_WITHIN_MS);
    expect(run.code).toBe(3);
    expect(error).toMatchObject({
      code: 'timeout',
      message: `the receiver at ${silentUrl} (given with --receiver) did not answer within 1s`,
    });
  });

  it('--help of an admin command names --timeout and its default', async () => {
    for (const command of [['events', 'list'], ['shops'], ['app', 'install']]) {
      const help = await runCli(config.dir, [...command, '--help']);
      expect(help.stdout, command.join(' ')).toMatch(/--timeout <duration>\s+give up on a request to/);
      expect(help.stdout.replace(/\s+/g, ' '), command.join(' ')).toContain('(default 30s)');
    }
  });
});

describe('events tail --timeout', () => {
  it('does not cut the live stream: a quiet receiver is followed beyond the limit', async () => {
    const tail = startCli(
      config.dir,
      ['events', 'tail', '--timeout', '1s', '--receiver', receiver.url, '--admin-token', ADMIN_TOKEN],
      {},
    );
    await tail.waitForErrorLine(
      /^following the receiver at http:\/\/127\.0\.0\.1:\d+: waiting for deliveries/,
    );
    // the receiver sends nothing but a heartbeat every 15 s: three times the limit without a byte
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(tail.child.exitCode).toBeNull();
    expect(tail.stderr()).not.toMatch(/lost the live stream|cannot follow|did not answer/);
    expect(await tail.interrupt()).toBe(0);
  });
});

describe('a sandbox URL that accepts the connection and never answers', () => {
  it('sandbox order --timeout 1s: exit 3, code timeout, in words', async () => {
    const { run, elapsed, error } = await jsonError([
      ...['sandbox', 'order', '--sandbox-url', silentUrl, '--timeout', '1s'],
    ]);
    expect(elapsed).toBeLessThan(GIVES_UP_WITHIN_MS);
    expect(run.code).toBe(3);
    expect(error).toMatchObject({
      code: 'timeout',
      exitCode: 3,
      message: `the sandbox at ${silentUrl} did not answer within 1s`,
    });
    expect(error.hint).toContain('or allow more time with --timeout (e.g. --timeout 2s)');
  });

  it('sandbox status, cart, subscribe and unsubscribe likewise', async () => {
    for (const command of [
      ['sandbox', 'status', '1001', '2'],
      ['sandbox', 'cart'],
      ['sandbox', 'subscribe'],
      ['sandbox', 'unsubscribe'],
    ]) {
      const { run, error } = await jsonError([...command, '--sandbox-url', silentUrl, '--timeout', '1s']);
      expect({ command, code: run.code, error: error.code }).toEqual({ command, code: 3, error: 'timeout' });
    }
  });

  it('app install and app uninstall --timeout 1s: exit 3, code timeout, in words', async () => {
    for (const action of ['install', 'uninstall']) {
      const { run, elapsed, error } = await jsonError([
        ...['app', action, '--shop', 'demo', '--sandbox-url', silentUrl, '--timeout', '1s'],
      ]);
      expect(elapsed, action).toBeLessThan(GIVES_UP_WITHIN_MS);
      expect(run.code, action).toBe(3);
      expect(error, action).toMatchObject({
        code: 'timeout',
        message: `the sandbox at ${silentUrl} did not answer within 1s`,
      });
      expect(error.hint, action).toContain('check --sandbox-url');
    }
  });
});

describe('a trigger target that accepts the connection and never answers', () => {
  it('trigger --timeout 1s: exit 3, code timeout, with the fix on its own line (it had none)', async () => {
    const to = `${silentUrl}/hooks/acme/order_confirm/AbCdEfGhIjKlMnOpQrSt`;
    const { run, elapsed, error } = await jsonError([
      'trigger',
      'order_confirm',
      '--to',
      to,
      '--timeout',
      '1s',
    ]);
    expect(elapsed).toBeLessThan(GIVES_UP_WITHIN_MS);
    expect(run.code).toBe(3);
    expect(error).toMatchObject({
      code: 'timeout',
      exitCode: 3,
      message: `no answer from ${silentUrl}/hooks/acme/order_confirm/AbCd… within 1s`,
      hint: 'check --to: something accepted the connection there but sent no answer (a stuck or overloaded receiver, or a server of another kind), or allow more time with --timeout (e.g. --timeout 2s)',
    });
  });
});

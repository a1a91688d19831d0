/**
 * The `webhooks` commands against a sandbox that enforces ShopRenter's 3 requests/second, run
 * back to back as a user (or a script) would: every command must finish its change and exit 0,
 * however long the client waits for a slot. (With an unref'd wake-up timer, a command whose only
 * pending work was that wait exited 13 with no output and the change not made.)
 */
import { ALL_SCOPES, type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, runCli, tempConfigDir } from '../../test-support/run-cli.js';
import { loginArgs, TEST_CLIENT } from '../../test-support/test-sandbox.js';

let sandbox: RunningSandbox;
const config = tempConfigDir();
const cli = (...args: string[]) => runCli(config.dir, args, { timeoutMs: 30_000 });

function ok(run: CliRun, what: string): CliRun {
  if (run.code !== 0) throw new Error(`${what} exited ${run.code}\n${run.stdout}\n${run.stderr}`);
  return run;
}

async function listIds(): Promise<string[]> {
  const run = ok(await cli('webhooks', 'list', '--json'), 'webhooks list');
  return (JSON.parse(run.stdout).webhooks as { id: string }[]).map((hook) => hook.id);
}

beforeAll(async () => {
  sandbox = await startSandbox({
    rateLimit: { perSecond: 3 },
    shops: [{ name: 'acme', clients: [{ ...TEST_CLIENT, scopes: [...ALL_SCOPES] }] }],
  });
  ok(await cli(...loginArgs(sandbox, 'acme')), 'login');
});
afterAll(async () => {
  await sandbox.close();
  config.cleanup();
});

describe('webhooks commands under the 3 requests/second rate limit', () => {
  it('back-to-back commands all finish their change and exit 0', { timeout: 120_000 }, async () => {
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) {
      const run = ok(
        await cli(
          'webhooks',
          'create',
          '--event',
          'order_confirm',
          '--url',
          `http://127.0.0.1:4750/h${i}`,
          '--json',
        ),
        `create ${i}`,
      );
      ids.push(JSON.parse(run.stdout).webhook.id);
    }
    const [kept, ...doomed] = ids as [string, ...string[]];

    // 4 deletes in one process: the 4th must wait for a slot
    const deleted = ok(await cli('webhooks', 'delete', ...doomed, '--json'), 'delete');
    expect(JSON.parse(deleted.stdout).deleted).toEqual(doomed);
    expect(await listIds()).toEqual([kept]);

    for (const [action, status] of [
      ['disable', 'disabled'],
      ['enable', 'enabled'],
      ['disable', 'disabled'],
      ['enable', 'enabled'],
    ] as const) {
      const run = ok(await cli('webhooks', action, kept), action);
      expect(run.stdout).toMatch(new RegExp(`^status\\s+${status}$`, 'm'));
    }
    for (const label of ['first', 'second', 'third']) {
      const run = ok(await cli('webhooks', 'update', kept, '--label', label), `update ${label}`);
      expect(run.stdout).toMatch(new RegExp(`^label\\s+${label}$`, 'm'));
    }
    const got = ok(await cli('webhooks', 'get', kept, '--json'), 'get');
    expect(JSON.parse(got.stdout).webhook).toMatchObject({ label: 'third', enabled: true });
  });
});

describe('a shop that keeps answering 429', () => {
  it('says what else uses the rate limit and what to do, not library advice', async () => {
    // found by integrator QA: the error told a CLI user to "keep the client's rate limiter on, lower
    // concurrency, or use batch" (advice for library code); the CLI does all of that, so the 429s
    // come from another program using the same API client of the shop at the same time
    sandbox.setFaults('acme', { force429: true });
    try {
      const run = await cli('webhooks', 'list', '--json');
      expect(run.code).toBe(3);
      const { error } = JSON.parse(run.stdout);
      expect(error.code).toBe('rate_limited');
      expect(error.hint).toContain('another program');
      expect(error.hint).toContain('try again');
      expect(run.stderr).not.toContain('use batch');
    } finally {
      sandbox.setFaults('acme', {});
    }
  });
});

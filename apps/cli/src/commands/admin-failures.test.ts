/**
 * Every admin command added for deliveries, held events and handlers fails the way `events` and
 * `dead-letters` do: a refused admin token and an unreachable receiver exit 3, a receiver without
 * an admin API exits 3 saying how to turn it on, no token at all exits 2 — one line and a hint each,
 * never a stack trace. Real receivers (in-process, HTTP on port 0): one with an admin token, one
 * without.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, seenOutput, tempConfigDir } from '../test-support/run-cli.js';
import { type Receiver, startTestReceiver } from '../test-support/test-receiver.js';

const config = tempConfigDir();
const ADMIN_TOKEN = 'failures-admin-token-0123456789abcdef';
const WRONG_TOKEN = 'not-the-admin-token-at-all-0123456789';
let guarded: Receiver;
let open: Receiver;
let guardedUrl = '';
let noAdminUrl = '';

const COMMANDS = [
  ['deliveries', 'list'],
  ['deliveries', 'show', 'dlv_0000000000'],
  ['deliveries', 'reprocess', 'dlv_0000000000'],
  ['deliveries', 'reprocess', 'dlv_0000000000', '--accept-shop-mismatch'],
  ['events', 'release', 'evt_0000000000'],
  ['handlers', 'list'],
  ['handlers', 'enable', 'erp'],
] as const;

/** Each receiver's SQLite file sits next to its own temporary config dir (startTestReceiver). */
const noAdminHome = tempConfigDir();

async function startReceiver(home: string, adminToken?: string) {
  return startTestReceiver(home, {
    secrets: ['failures-url-secret-0123456789abcdef'],
    ...(adminToken ? { adminToken } : {}),
    shops: [{ name: 'acme', handlers: ['erp'] }],
    handlers: { erp: { type: 'log' } },
  });
}

beforeAll(async () => {
  ({ receiver: guarded, url: guardedUrl } = await startReceiver(config.dir, ADMIN_TOKEN));
  ({ receiver: open, url: noAdminUrl } = await startReceiver(noAdminHome.dir));
});
afterAll(async () => {
  await guarded.close();
  await open.close();
  config.cleanup();
  noAdminHome.cleanup();
});

describe.each(COMMANDS.map((command) => [command.join(' '), command] as const))(
  'srhooks %s',
  (_name, command) => {
    it('a refused admin token: exit 3, without echoing the token', async () => {
      const run = await runCli(config.dir, [
        ...command,
        '--receiver',
        guardedUrl,
        '--admin-token',
        WRONG_TOKEN,
      ]);
      expect(run.code).toBe(3);
      expect(run.stderr).toBe(
        `error: the receiver at ${guardedUrl} refused the admin token given with --admin-token\npass the token the receiver was started with (its SRHOOKS_ADMIN_TOKEN; a srhooks listen's is adminToken in its config directory's listen.json)\n`,
      );
      expect(run.stdout + run.stderr).not.toContain(WRONG_TOKEN);
    });

    it('an unreachable receiver: exit 3, saying where it looked', async () => {
      const run = await runCli(config.dir, [...command, '--receiver', 'http://127.0.0.1:1', '--json'], {
        env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN },
      });
      expect(run.code).toBe(3);
      expect(JSON.parse(run.stdout).error).toMatchObject({
        code: 'network_error',
        message: 'cannot reach the receiver at http://127.0.0.1:1 (given with --receiver)',
        exitCode: 3,
      });
    });

    it('a receiver without the admin API: exit 3, saying how to turn it on', async () => {
      const run = await runCli(config.dir, [...command, '--receiver', noAdminUrl], {
        env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN },
      });
      expect(run.code).toBe(3);
      expect(run.stderr).toBe(
        `error: ${noAdminUrl} has no admin API\nstart the receiver with SRHOOKS_ADMIN_TOKEN set (at least 16 characters), or check --receiver\n`,
      );
    });

    it('no admin token at all: exit 2', async () => {
      const run = await runCli(config.dir, [...command, '--receiver', guardedUrl]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('error: no admin token\n');
    });
  },
);

describe('the commands that were there before', () => {
  it.each([
    ['events', 'list'],
    ['dead-letters', 'list'],
  ])(
    'srhooks %s %s: a receiver without the admin API is named as such (it answers a bare 404 not_found)',
    async (...command) => {
      const run = await runCli(config.dir, [...command, '--receiver', noAdminUrl], {
        env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN },
      });
      expect(run.code).toBe(3);
      expect(run.stderr).toBe(
        `error: ${noAdminUrl} has no admin API\nstart the receiver with SRHOOKS_ADMIN_TOKEN set (at least 16 characters), or check --receiver\n`,
      );
    },
  );
});

describe('a receiver URL copied with its /ui or /admin/api path', () => {
  it.each(['/ui', '/ui/dead-letters', '/admin/api', '/admin/api/', '/admin'])(
    '%s: names the base URL to use instead (it said the receiver had no admin API, and to start it with a token)',
    async (path) => {
      const run = await runCli(config.dir, ['events', 'list', '--receiver', `${guardedUrl}${path}`], {
        env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN },
      });
      expect(run.code).toBe(3);
      expect(run.stderr).toBe(
        // the URL as the CLI uses it: without a trailing slash
        `error: ${guardedUrl}${path.replace(/\/$/, '')} is not a receiver's base URL (the admin API is not under it)\n` +
          `--receiver takes the base URL the receiver serves /ui and /admin/api under: --receiver ${guardedUrl}\n`,
      );
      const json = await runCli(config.dir, ['events', 'list', '--json'], {
        env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN, SRHOOKS_RECEIVER_URL: `${guardedUrl}${path}` },
      });
      expect(json.code).toBe(3);
      expect(JSON.parse(json.stdout).error).toMatchObject({
        code: 'no_admin_api',
        hint: `SRHOOKS_RECEIVER_URL takes the base URL the receiver serves /ui and /admin/api under: set it to ${guardedUrl}`,
      });
    },
  );
});

describe('the admin token', () => {
  it('was never printed', () => {
    for (const text of seenOutput) expect(text).not.toContain(ADMIN_TOKEN);
  });
});

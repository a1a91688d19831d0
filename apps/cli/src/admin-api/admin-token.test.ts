/**
 * Which admin token the admin commands send, and what a refusal says: the running `srhooks listen`
 * found by itself gets its own token from listen.json even with SRHOOKS_ADMIN_TOKEN exported (that
 * names another receiver's token: sending it would only be refused and, ten times over, lock the
 * admin API); a token given with --admin-token is sent as given; a refusal names where the refused
 * token came from. A real `srhooks listen` (port 0) and a real receiver.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCli, runCli, seenOutput, startCli, tempConfigDir } from '../test-support/run-cli.js';
import { type Receiver, startTestReceiver } from '../test-support/test-receiver.js';

const config = tempConfigDir();
const other = tempConfigDir();
const OTHER_TOKEN = 'my-real-receiver-token-0123456789';
let listen: RunningCli;
let listenUrl = '';
let receiver: Receiver;
let receiverUrl = '';

beforeAll(async () => {
  listen = startCli(config.dir, ['listen', '--port', '0', '--shop', 'demo', '--json']);
  listenUrl = JSON.parse(await listen.waitForLine(/"type":"listening"/)).url;
  ({ receiver, url: receiverUrl } = await startTestReceiver(other.dir, {
    secrets: ['admin-token-url-secret-0123456789abcdef'],
    adminToken: OTHER_TOKEN,
    shops: [{ name: 'acme' }],
  }));
});
afterAll(async () => {
  await listen.interrupt();
  await receiver.close();
  config.cleanup();
  other.cleanup();
});

describe('the admin token of the admin commands', () => {
  it("the listen found by itself gets listen's own token, SRHOOKS_ADMIN_TOKEN notwithstanding (no lock-out)", async () => {
    // more runs than the receiver's allowance of wrong tokens: none of them sends one
    for (let run = 0; run < 11; run++) {
      const listed = await runCli(config.dir, ['events', 'list', '--json'], {
        env: { SRHOOKS_ADMIN_TOKEN: OTHER_TOKEN },
      });
      expect(listed.stderr).toBe('');
      expect(listed.code).toBe(0);
      expect(JSON.parse(listed.stdout).receiver).toBe(listenUrl);
    }
    const plain = await runCli(config.dir, ['events', 'list', '--json']);
    expect(plain.code).toBe(0);
    // twelve CLI processes one after another: a loaded machine takes seconds for each
  }, 120_000);

  it('SRHOOKS_ADMIN_TOKEN is sent to the receiver named by --receiver, and a refusal names the variable', async () => {
    const ok = await runCli(config.dir, ['events', 'list', '--receiver', receiverUrl, '--json'], {
      env: { SRHOOKS_ADMIN_TOKEN: OTHER_TOKEN },
    });
    expect(ok.stderr).toBe('');
    expect(JSON.parse(ok.stdout).receiver).toBe(receiverUrl);

    const refused = await runCli(config.dir, ['events', 'list', '--receiver', listenUrl], {
      env: { SRHOOKS_ADMIN_TOKEN: OTHER_TOKEN },
    });
    expect(refused.code).toBe(3);
    // --receiver names this config directory's running listen: its token is in listen.json, not a variable
    expect(refused.stderr).toBe(
      `error: srhooks listen (${listenUrl}, process ${listen.child.pid}) refused the admin token in SRHOOKS_ADMIN_TOKEN\n` +
        `unset SRHOOKS_ADMIN_TOKEN: srhooks listen's own token (adminToken in ${join(config.dir, 'listen.json')}) is then used\n`,
    );
  });

  it("--receiver naming this config directory's listen, with a wrong --admin-token: the fix says where listen's token is", async () => {
    const refused = await runCli(config.dir, [
      'events',
      'list',
      '--receiver',
      listenUrl,
      '--admin-token',
      'wrong',
    ]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toBe(
      `error: srhooks listen (${listenUrl}, process ${listen.child.pid}) refused the admin token given with --admin-token\n` +
        `leave --admin-token out: srhooks listen's own token (adminToken in ${join(config.dir, 'listen.json')}) is used\n`,
    );
    // a receiver the CLI cannot tell apart: where a listen keeps its token is said too
    const elsewhere = await runCli(other.dir, [
      'events',
      'list',
      '--receiver',
      listenUrl,
      '--admin-token',
      'wrong',
    ]);
    expect(elsewhere.code).toBe(3);
    expect(elsewhere.stderr).toBe(
      `error: the receiver at ${listenUrl} refused the admin token given with --admin-token\n` +
        "pass the token the receiver was started with (its SRHOOKS_ADMIN_TOKEN; a srhooks listen's is adminToken in its config directory's listen.json)\n",
    );
  });

  it('--admin-token is sent as given, also to listen; a refusal says to leave it out', async () => {
    const refused = await runCli(config.dir, ['events', 'list', '--admin-token', OTHER_TOKEN]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toBe(
      `error: srhooks listen (${listenUrl}, process ${listen.child.pid}) refused the admin token given with --admin-token\n` +
        `leave --admin-token out: srhooks listen's own token (adminToken in ${join(config.dir, 'listen.json')}) is used\n`,
    );
  });

  it("without a token of its own, another receiver gets listen.json's, and a refusal names that file", async () => {
    const refused = await runCli(config.dir, ['events', 'list', '--receiver', receiverUrl]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toBe(
      `error: the receiver at ${receiverUrl} refused srhooks listen's admin token (from ${join(config.dir, 'listen.json')})\n` +
        'this receiver is not the local srhooks listen: pass its own token with --admin-token or SRHOOKS_ADMIN_TOKEN\n',
    );
  });

  it('never printed a token', () => {
    expect(seenOutput.join('\n')).not.toContain(OTHER_TOKEN);
  });
});

/**
 * Which receiver the admin commands talk to when none is named, with two config directories: the
 * running listen of THIS config directory, never a guess that sends this directory's listen token to
 * whatever answers on the default port (another directory's listen, say). Every failure names the
 * receiver tried and why (flag, variable, this directory's listen, the default). Real `srhooks
 * listen` processes (port 0).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCli, runCli, startCli, tempConfigDir } from '../test-support/run-cli.js';

// `mine` ran a listen once (listen.json keeps its token) that is stopped now; `other` runs one
const mine = tempConfigDir();
const other = tempConfigDir();
let otherListen: RunningCli;
let otherUrl = '';

beforeAll(async () => {
  const once = startCli(mine.dir, ['listen', '--port', '0', '--shop', 'demo', '--json']);
  await once.waitForLine(/"type":"listening"/);
  expect(await once.interrupt()).toBe(0);
  otherListen = startCli(other.dir, ['listen', '--port', '0', '--shop', 'demo', '--json']);
  otherUrl = JSON.parse(await otherListen.waitForLine(/"type":"listening"/)).url;
});
afterAll(async () => {
  await otherListen.interrupt();
  mine.cleanup();
  other.cleanup();
});

describe('receiver discovery of the admin commands', () => {
  it('no listen for this config directory and no token for the default: nothing is sent, and it says what it would have tried', async () => {
    for (const command of [
      ['events', 'list'],
      ['deliveries', 'list'],
      ['recover', '--shop', 'demo'],
    ]) {
      const run = await runCli(mine.dir, [...command, '--json']);
      expect(run.code).toBe(2);
      expect(JSON.parse(run.stdout).error).toEqual({
        code: 'no_receiver',
        message: `no receiver to ask: no srhooks listen runs for the config directory ${mine.dir} (SRHOOKS_CONFIG_DIR), neither --receiver nor SRHOOKS_RECEIVER_URL is set, and the default http://127.0.0.1:4750 was not tried without an admin token (--admin-token or SRHOOKS_ADMIN_TOKEN)`,
        hint: 'start srhooks listen with this config directory (the admin commands then find it on any port and use its token), or pass --receiver URL with --admin-token (or set SRHOOKS_RECEIVER_URL and SRHOOKS_ADMIN_TOKEN)',
        exitCode: 2,
      });
    }
  });

  it("the other config directory's listen is found from there, on its port", async () => {
    const run = await runCli(other.dir, ['events', 'list', '--json']);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout).receiver).toBe(otherUrl);
  });

  it('with a token for the default, the default is tried and named as the default, with why', async () => {
    const run = await runCli(mine.dir, ['events', 'list'], {
      env: { SRHOOKS_ADMIN_TOKEN: 'not-any-receivers-token-0123456789' },
    });
    expect(run.code).toBe(3);
    // nothing listens on 4750 (connection refused), or a receiver refuses the token: either names it
    expect(run.stderr).toContain(
      `http://127.0.0.1:4750 (the default: no srhooks listen runs for the config directory ${mine.dir} (SRHOOKS_CONFIG_DIR), and neither --receiver nor SRHOOKS_RECEIVER_URL is set)`,
    );
  });

  it('a receiver given by flag or variable is named with where it came from', async () => {
    const flagged = await runCli(mine.dir, ['events', 'list', '--receiver', 'http://127.0.0.1:1', '--json'], {
      env: { SRHOOKS_ADMIN_TOKEN: 'not-any-receivers-token-0123456789' },
    });
    expect(JSON.parse(flagged.stdout).error).toMatchObject({
      code: 'network_error',
      message: 'cannot reach the receiver at http://127.0.0.1:1 (given with --receiver)',
      // port 1: fetch does not request it at all, so no receiver there could answer: another port, not "is it running?"
      hint: 'fetch does not request this port (bad port); port 1 is one that HTTP clients refuse to connect to: use another port (run the receiver on one and pass its URL with --receiver)',
    });
    const fromEnv = await runCli(mine.dir, ['events', 'list', '--json'], {
      env: {
        SRHOOKS_ADMIN_TOKEN: 'not-any-receivers-token-0123456789',
        SRHOOKS_RECEIVER_URL: 'http://127.0.0.1:1',
      },
    });
    expect(JSON.parse(fromEnv.stdout).error).toMatchObject({
      code: 'network_error',
      message: 'cannot reach the receiver at http://127.0.0.1:1 (from SRHOOKS_RECEIVER_URL)',
      hint: 'fetch does not request this port (bad port); port 1 is one that HTTP clients refuse to connect to: use another port (run the receiver on one and set SRHOOKS_RECEIVER_URL to its URL; --receiver URL overrides it)',
    });
  });
});

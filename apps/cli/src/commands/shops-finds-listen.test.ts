/**
 * `srhooks shops --receiver` without a URL finds the receiver as every admin command does: this config
 * directory's running `srhooks listen` (on any port, with its own token), or SRHOOKS_RECEIVER_URL. Plain
 * `srhooks shops` (the stored credentials) says where that listen runs and how to list its shops, and
 * refuses the receiver flags rather than ignore them. A real `srhooks listen` (port 0).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCli, runCli, startCli, tempConfigDir } from '../test-support/run-cli.js';

const config = tempConfigDir();
let listen: RunningCli;
let listenUrl = '';

beforeAll(async () => {
  listen = startCli(config.dir, ['listen', '--port', '0', '--shop', 'demo,acme', '--json']);
  listenUrl = JSON.parse(await listen.waitForLine(/"type":"listening"/)).url;
});
afterAll(async () => {
  await listen.interrupt();
  config.cleanup();
});

describe('srhooks shops and a running srhooks listen', () => {
  it('shops --receiver (no URL) lists the shops the running listen serves', async () => {
    const json = await runCli(config.dir, ['shops', '--receiver', '--json']);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const answer = JSON.parse(json.stdout);
    expect(answer.receiver).toBe(listenUrl);
    expect(answer.shops.map((shop: { name: string }) => shop.name).sort()).toEqual(['acme', 'demo']);

    const human = await runCli(config.dir, ['shops', '--receiver']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^acme +config +configured /m);
    expect(human.stdout).toMatch(/^demo +config +configured /m);
  });

  it("shops --receiver says listen's shops' subscriptions are unknown to it (made at the shop), not '-' (none)", async () => {
    const human = await runCli(config.dir, ['shops', '--receiver']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^acme +config +configured +unknown +never +off$/m);
    expect(human.stdout).toMatch(/^demo +config +configured +unknown +never +off$/m);
    expect(human.stdout).toContain(
      '\nsubscriptions unknown: the receiver makes none for demo, acme (no "events" or "webhooks" configured for them; srhooks listen makes none), so it does not know those made at the shop (srhooks webhooks create or sync); list them with:\n' +
        '  srhooks webhooks list --shop demo\n' +
        '  srhooks webhooks list --shop acme\n',
    );
    // --json says what the table says: null (unknown to the receiver), not [] (none)
    const json = JSON.parse((await runCli(config.dir, ['shops', '--receiver', '--json'])).stdout);
    expect(json.shops.map((shop: { subscriptions: unknown }) => shop.subscriptions)).toEqual([null, null]);
  });

  it('shops --receiver takes SRHOOKS_RECEIVER_URL first, as the admin commands do', async () => {
    const run = await runCli(config.dir, ['shops', '--receiver', '--json'], {
      env: { SRHOOKS_RECEIVER_URL: 'http://127.0.0.1:1' },
    });
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout).error).toMatchObject({
      code: 'network_error',
      message: 'cannot reach the receiver at http://127.0.0.1:1 (from SRHOOKS_RECEIVER_URL)',
    });
  });

  it('plain shops lists the stored credentials and says where the listen runs and how to list its shops', async () => {
    const json = await runCli(config.dir, ['shops', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ shops: [], runningListen: listenUrl });
    const human = await runCli(config.dir, ['shops']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(
      `srhooks listen runs at ${listenUrl}: srhooks shops --receiver lists the shops it serves`,
    );
  });

  it('plain shops refuses --admin-token and --timeout (receiver flags) rather than ignore them', async () => {
    for (const flags of [
      ['--admin-token', 'some-token-0123456789'],
      ['--timeout', '5s'],
    ]) {
      const run = await runCli(config.dir, ['shops', ...flags, '--json']);
      expect(run.code).toBe(2);
      expect(JSON.parse(run.stdout).error).toEqual({
        code: 'receiver_flag_without_receiver',
        message: `${flags[0]} is for a receiver's shops (srhooks shops --receiver); without --receiver, shops lists the stored credentials and asks no receiver`,
        hint: "add --receiver URL, or --receiver alone for the receiver the admin commands find (this config directory's running srhooks listen, or SRHOOKS_RECEIVER_URL)",
        exitCode: 2,
      });
    }
  });
});

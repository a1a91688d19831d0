/**
 * `srhooks recover --since` beyond the look-back, through a running `srhooks listen`: listen's look-back
 * is the receiver's default (3 days) and it reads no SRHOOKS_RECOVERY_LOOK_BACK_DAYS, so the receiver's
 * advice ("raise the look-back (SRHOOKS_RECOVERY_LOOK_BACK_DAYS) and restart the receiver") would be
 * wrong there: the refusal says what holds for listen. Against a receiver, its advice stays
 * (recover.test.ts). The refusal comes before any shop API call: the credentials need not work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCli, runCli, startCli, tempConfigDir } from '../test-support/run-cli.js';

const config = tempConfigDir();
let listen: RunningCli;

beforeAll(async () => {
  listen = startCli(config.dir, ['listen', '--port', '0', '--shop', 'demo', '--json'], {
    env: {
      SRHOOKS_CLIENT_ID: 'look-back-client',
      SRHOOKS_CLIENT_SECRET: 'look-back-client-secret-0123456789',
      // a receiver's variable: listen does not read it (its look-back stays 3 days)
      SRHOOKS_RECOVERY_LOOK_BACK_DAYS: '10',
    },
  });
  await listen.waitForLine(/"type":"listening"/);
});
afterAll(async () => {
  await listen.interrupt();
  config.cleanup();
});

describe('srhooks recover through srhooks listen: a --since beyond the look-back', () => {
  it("says listen's look-back is fixed, not to raise SRHOOKS_RECOVERY_LOOK_BACK_DAYS and restart", async () => {
    const run = await runCli(config.dir, ['recover', '--shop', 'demo', '--since', '5d', '--json']);
    expect(run.code).toBe(2);
    const { error } = JSON.parse(run.stdout);
    expect(error.code).toBe('bad_since');
    expect(error.message).toMatch(
      /^--since 5d \(\S+Z\) reaches further back than recovery may read for shop "demo" \(3 days\); pass a later --since \(at most 3d\)\.$/,
    );
    expect(error.hint).toBe(
      "srhooks listen reads at most 3 days back, always (it does not read SRHOOKS_RECOVERY_LOOK_BACK_DAYS, the receiver's setting); for a longer look-back, run the receiver (apps/receiver) with SRHOOKS_RECOVERY_LOOK_BACK_DAYS or recoveryLookBackDays in its config",
    );
  });
});

/**
 * A lone receiver (SQLite: one process per file) whose scheduled recovery turn comes moments after an
 * on-demand pass (`srhooks recover`) skips it, as the schedule's rule says — and its log line says that
 * pass was this receiver's on-demand one, not "another instance on this store", which there is none of.
 * The sandbox over real HTTP; the receiver's own pino lines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RecoveryScenario,
  SHOP,
  startRecoveryScenario,
  waitUntil,
} from './test-support/recovery-scenario.js';

const INTERVAL_MS = 3000;

interface LogLine {
  msg: string;
  recovery?: { shop?: string; lastPass?: { outcome?: string } };
}

describe('a scheduled recovery turn right after an on-demand pass', () => {
  let scenario: RecoveryScenario;
  beforeAll(async () => {
    scenario = await startRecoveryScenario({ rateLimit: false });
  });
  afterAll(async () => {
    await scenario.close();
  });

  const lines = (): LogLine[] => scenario.logLines.map((line) => JSON.parse(line) as LogLine);

  it('is skipped, and the line names the on-demand pass, not another instance', async () => {
    const app = await scenario.startReceiver(
      { logLevel: 'info' },
      { schedule: true, intervalMs: INTERVAL_MS },
    );
    await waitUntil('the start-up pass', async () =>
      lines().some((line) => line.msg.startsWith('recovery pass found')),
    );
    // well within the last 90 % of the interval before the next scheduled turn
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS / 3));
    await app.recovery.recover(SHOP);
    const skipped = await waitUntil('the scheduled turn to be skipped', async () =>
      lines().find((line) => line.msg.startsWith('recovery turn skipped')),
    );
    expect(skipped.msg).toBe(
      'recovery turn skipped: an on-demand pass for this shop (srhooks recover, POST /admin/api/recover) completed moments ago',
    );
    expect(skipped.msg).not.toContain('another instance');
    expect(skipped.recovery).toMatchObject({ shop: SHOP, lastPass: { outcome: 'ok' } });
  });
});

/**
 * A receiver down longer than the look-back (`recoveryLookBackDays`, default 3) restarts and its pass
 * reads only the last 3 days: the orders of the days before are never recovered. The pass said only
 * "recovery pass found N missed event(s)", so a shop owner back from a week's outage had no word that
 * some days were never read, nor how to read them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  type RecoveryScenario,
  SHOP,
  startRecoveryScenario,
} from './test-support/recovery-scenario.js';

const DAY = 86_400_000;

describe('a pass whose watermark lies further back than the look-back', () => {
  let scenario: RecoveryScenario;
  beforeAll(async () => {
    scenario = await startRecoveryScenario({ rateLimit: false });
  });
  afterAll(async () => {
    await scenario.close();
  });

  it('warns which time was not read and how to read it; a pass within the look-back does not', async () => {
    const app = await scenario.startReceiver({}, { schedule: false });
    const watermark = new Date(Date.now() - 5 * DAY);
    await app.store.recordRecoveryPass(SHOP, {
      pass: {
        startedAt: watermark,
        finishedAt: watermark,
        outcome: 'ok',
        since: new Date(watermark.getTime() - 300_000),
        ordersRead: 0,
        subscribersRead: 0,
        recovered: {},
        alreadyStored: 0,
        error: null,
      },
      watermark,
    });
    const recover = () =>
      app.inject({
        method: 'POST',
        url: '/admin/api/recover',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        payload: { shop: SHOP },
      });
    expect((await recover()).statusCode).toBe(200);
    const warnings = scenario.logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.code === 'recovery_look_back_exceeded');
    expect(warnings).toHaveLength(1);
    const [warning] = warnings as [Record<string, unknown> & { recovery: Record<string, unknown> }];
    expect(warning.level).toBe(40);
    expect(warning.recovery).toMatchObject({
      shop: SHOP,
      lookBackDays: 3,
      notReadFrom: new Date(watermark.getTime() - 300_000).toISOString(),
    });
    expect(String(warning.msg)).toMatch(
      /^orders changed from \S+Z to \S+Z were not read: the shop's last pass read up to \S+Z, and a pass reads at most 3 days back \(SRHOOKS_RECOVERY_LOOK_BACK_DAYS \/ recoveryLookBackDays\); to recover them, raise the look-back to 6 days, restart the receiver and run srhooks recover --shop demo --since \S+Z$/,
    );

    // The pass moved the watermark to now: the next one is within the look-back and says nothing.
    expect((await recover()).statusCode).toBe(200);
    expect(scenario.logLines.filter((line) => line.includes('recovery_look_back_exceeded'))).toHaveLength(1);
  });
});

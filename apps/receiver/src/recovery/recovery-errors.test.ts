/** The refusals of a recovery pass say what was wrong in words that read right for any number. */
import { describe, expect, it } from 'vitest';
import { RECORDED_REASON_MAX, recordedReason, sinceBeforeLookBack } from './recovery-errors.js';

describe('sinceBeforeLookBack', () => {
  const since = new Date('2026-03-01T00:00:00.000Z');

  it('names the look-back in days, one day in the singular', () => {
    expect(sinceBeforeLookBack('demo', since, 1).message).toContain(
      'for shop "demo" (1 day, SRHOOKS_RECOVERY_LOOK_BACK_DAYS',
    );
    expect(sinceBeforeLookBack('demo', since, 3).message).toContain(
      'for shop "demo" (3 days, SRHOOKS_RECOVERY_LOOK_BACK_DAYS',
    );
    expect(sinceBeforeLookBack('demo', since, 3)).toMatchObject({ code: 'bad_since' });
  });
});

describe('recordedReason', () => {
  it('keeps a reason of several hundred characters whole (its advice is at the end)', () => {
    const reason = `${'word '.repeat(150)}mark it uninstalled with srhooks app mark-uninstalled gamma`;
    expect(reason.length).toBeGreaterThan(500);
    expect(recordedReason(reason)).toBe(reason);
  });

  it('cuts a longer one at a space before the bound, ending with …', () => {
    const reason = 'abcdefghi '.repeat(300);
    const recorded = recordedReason(reason);
    expect(recorded.length).toBeLessThanOrEqual(RECORDED_REASON_MAX);
    expect(recorded).toMatch(/ abcdefghi…$/);
  });
});

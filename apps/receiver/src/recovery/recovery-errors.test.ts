/** The refusals of a recovery pass say what was wrong in words that read right for any number. */
import { describe, expect, it } from 'vitest';
import { sinceBeforeLookBack } from './recovery-errors.js';

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

import { sampleOrder } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import { ReceiverConfigSchema } from '../config/config-schema.js';
import { forwardedEvent } from '../processing/forwarded-event.js';
import { handlerEvent } from '../processing/handler-event.js';
import { claimedOrderJob } from '../processing/test-support/processing-fixtures.js';
import { sinceDuration } from './recover-request.js';
import { formatDelay, nextPassDelayMs, recoveryWindow } from './recovery-window.js';

const NOW = new Date('2026-12-02T12:00:00Z');
const DAY = 86_400_000;

describe('the window a pass reads', () => {
  const base = { now: NOW, lookBackDays: 3, overlapSeconds: 300 };

  it.each([
    [
      'first pass, nothing stored: the look-back',
      { watermark: null, lastDeliveryAt: null },
      NOW.getTime() - 3 * DAY,
    ],
    [
      'first pass after deliveries: from the newest one minus the overlap',
      { watermark: null, lastDeliveryAt: new Date(NOW.getTime() - 3_600_000) },
      NOW.getTime() - 3_600_000 - 300_000,
    ],
    [
      'later passes: the watermark minus the overlap',
      { watermark: new Date(NOW.getTime() - 600_000), lastDeliveryAt: null },
      NOW.getTime() - 900_000,
    ],
    [
      'after a long outage: never beyond the look-back',
      { watermark: new Date(NOW.getTime() - 10 * DAY), lastDeliveryAt: null },
      NOW.getTime() - 3 * DAY,
    ],
    [
      'an installed app shop, first pass: from its install, not the look-back',
      { watermark: null, lastDeliveryAt: null, notBefore: new Date(NOW.getTime() - 60_000) },
      NOW.getTime() - 60_000,
    ],
    [
      'a re-installed app shop: its old watermark minus the overlap reaches before the new install',
      {
        watermark: new Date(NOW.getTime() - DAY),
        lastDeliveryAt: null,
        notBefore: new Date(NOW.getTime() - 3_600_000),
      },
      NOW.getTime() - 3_600_000,
    ],
    [
      'an installed app shop with a watermark after its install: the watermark minus the overlap',
      {
        watermark: new Date(NOW.getTime() - 600_000),
        lastDeliveryAt: null,
        notBefore: new Date(NOW.getTime() - DAY),
      },
      NOW.getTime() - 900_000,
    ],
  ])('%s', (_name, input, since) => {
    const { notReadFrom: _notRead, ...window } = recoveryWindow({ ...base, ...input });
    expect(window).toEqual({ since: new Date(since), until: NOW });
  });

  it.each([
    [
      'after a long outage: what lies before the look-back is not read',
      new Date(NOW.getTime() - 10 * DAY),
      null,
      NOW.getTime() - 10 * DAY - 300_000,
    ],
    [
      'first pass, the newest delivery before the look-back',
      null,
      new Date(NOW.getTime() - 4 * DAY),
      NOW.getTime() - 4 * DAY - 300_000,
    ],
    ['within the look-back: everything is read', new Date(NOW.getTime() - DAY), null, undefined],
    ['nothing stored: no gap to speak of', null, null, undefined],
  ])('%s', (_name, watermark, lastDeliveryAt, notReadFrom) => {
    const window = recoveryWindow({ ...base, watermark, lastDeliveryAt });
    expect(window.notReadFrom?.getTime()).toBe(notReadFrom);
  });

  it('an explicit since is used as given', () => {
    const since = new Date(NOW.getTime() - 30 * DAY);
    expect(recoveryWindow({ ...base, watermark: NOW, lastDeliveryAt: null, since }).since).toEqual(since);
  });

  it('backs off after failures in a row, at most a day; no schedule with interval 0', () => {
    const ten = 600_000;
    expect([0, 1, 2, 3, 4].map((failures) => nextPassDelayMs(ten, failures))).toEqual([
      ten,
      ten,
      2 * ten,
      4 * ten,
      8 * ten,
    ]);
    expect(nextPassDelayMs(ten, 40)).toBe(DAY);
    expect(nextPassDelayMs(0, 0)).toBeNull();
  });

  it('with interval 0 retries a failed pass after 1 min, doubling to at most 30 min', () => {
    const minute = 60_000;
    expect([1, 2, 3, 4, 5, 6, 40].map((failures) => nextPassDelayMs(0, failures))).toEqual([
      minute,
      2 * minute,
      4 * minute,
      8 * minute,
      16 * minute,
      30 * minute,
      30 * minute,
    ]);
    expect(nextPassDelayMs(0, 2, 100)).toBe(200);
    expect(formatDelay(45_000)).toBe('45 s');
    expect(formatDelay(120_000)).toBe('2 min');
    expect(formatDelay(5_400_000)).toBe('1.5 h');
  });

  it('reads durations for --since', () => {
    expect(sinceDuration('2d', NOW)).toEqual(new Date(NOW.getTime() - 2 * DAY));
    expect(sinceDuration('12h', NOW)).toEqual(new Date(NOW.getTime() - 12 * 3_600_000));
    expect(sinceDuration('90m', NOW)).toEqual(new Date(NOW.getTime() - 90 * 60_000));
    expect(sinceDuration('yesterday', NOW)).toBeUndefined();
  });

  it('configuration defaults: every 10 minutes, 3 days back, 5 minutes overlap, on for shops with credentials', () => {
    const config = ReceiverConfigSchema.parse({
      secrets: ['0123456789abcdef0123'],
      shops: [{ name: 'demo' }],
    });
    expect(config).toMatchObject({
      recoveryIntervalMinutes: 10,
      recoveryLookBackDays: 3,
      recoveryOverlapSeconds: 300,
    });
    expect(config.shops[0]?.recovery).toBe(true);
  });
});

describe('the source travels with the event', () => {
  it('forwarded events and module handler events say where the event came from', () => {
    const job = claimedOrderJob({ ...sampleOrder(7), innerId: '7' }, { source: 'recovery' });
    // order events carry `source`; app events (app_uninstalled, payments) are a union member without it
    const sourceOf = (value: object) => (value as { source?: string }).source;
    expect(sourceOf(forwardedEvent(job).data)).toBe('recovery');
    expect(sourceOf(handlerEvent(job))).toBe('recovery');
    expect(sourceOf(forwardedEvent(claimedOrderJob({ ...sampleOrder(8), innerId: '8' })).data)).toBe(
      'webhook',
    );
  });
});

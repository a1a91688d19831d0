/** The recovery panel's row of a pass reads right for any count (it said "1 orders"). */
import { describe, expect, it } from 'vitest';
import type { RecoveryPass } from '../store/recovery-records.js';
import { recoveryPanel } from './recovery-panel.js';

const at = new Date('2026-12-01T10:00:00Z');

function passOf(ordersRead: number, subscribersRead: number): RecoveryPass {
  return {
    startedAt: at,
    finishedAt: at,
    outcome: 'ok',
    since: new Date(at.getTime() - 60_000),
    ordersRead,
    subscribersRead,
    recovered: {},
    alreadyStored: 0,
    error: null,
  };
}

function row(ordersRead: number, subscribersRead: number): string {
  const state = {
    shop: 'demo',
    watermark: at,
    consecutiveFailures: 0,
    lastPass: passOf(ordersRead, subscribersRead),
  };
  return String(recoveryPanel(['demo'], [state], true));
}

describe('recoveryPanel', () => {
  it('counts what a pass read in the singular for one, the plural otherwise', () => {
    expect(row(1, 1)).toContain('<td>1 order, 1 subscriber since 2026-12-01 09:59:00 UTC</td>');
    expect(row(3, 0)).toContain('<td>3 orders since 2026-12-01 09:59:00 UTC</td>');
    expect(row(0, 2)).toContain('<td>0 orders, 2 subscribers since');
  });
});

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
  it('labels every cell with its column, as the phone layout (stacked cards) shows them', () => {
    // Found by the inspector QA: at phone width the panel's values stood without their column names,
    // a pass's time and the watermark alike (the stacked layout shows each cell's data-label).
    const headers = ['Shop', 'Last pass', 'Read', 'Found', 'Watermark'];
    for (const html of [
      row(3, 0),
      String(recoveryPanel(['demo'], [], true)),
      String(recoveryPanel(['demo'], [], false)),
    ]) {
      const cells = [...html.matchAll(/<td([^>]*)>/g)].map((match) => match[1] ?? '');
      expect(cells.length).toBeGreaterThan(0);
      for (const attributes of cells) {
        const label = /data-label="([^"]*)"/.exec(attributes)?.[1];
        expect(headers, attributes).toContain(label);
      }
    }
    expect(row(3, 0)).toContain('<td data-label="Watermark">2026-12-01 10:00:00 UTC</td>');
  });

  it('counts what a pass read in the singular for one, the plural otherwise', () => {
    expect(row(1, 1)).toContain(
      '<td data-label="Read">1 order, 1 subscriber since 2026-12-01 09:59:00 UTC</td>',
    );
    expect(row(3, 0)).toContain('<td data-label="Read">3 orders since 2026-12-01 09:59:00 UTC</td>');
    expect(row(0, 2)).toContain('<td data-label="Read">0 orders, 2 subscribers since');
  });

  it('says of a failing shop why, how many passes failed in a row and when this receiver tries again', () => {
    const failedPass: RecoveryPass = {
      ...passOf(0, 0),
      outcome: 'failed',
      error: 'GET …/orders answered 503',
    };
    const next = new Date('2026-12-01T10:20:00Z');
    const html = String(
      recoveryPanel(
        ['demo'],
        [{ shop: 'demo', watermark: null, consecutiveFailures: 3, lastPass: failedPass }],
        true,
        () => next,
      ),
    );
    expect(html).toContain('GET …/orders answered 503');
    expect(html).toContain(
      '3 failed passes in a row; next try <time datetime="2026-12-01T10:20:00.000Z">2026-12-01 10:20:00 UTC</time>',
    );
    const once = String(
      recoveryPanel(
        ['demo'],
        [{ shop: 'demo', watermark: null, consecutiveFailures: 1, lastPass: failedPass }],
        true,
      ),
    );
    expect(once).toContain('1 failed pass in a row</div>');
  });
});

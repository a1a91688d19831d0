/**
 * The dead-letters page's "Replay queued" notice comes from a one-time token of this process
 * (replay-notices.ts): shown once, within a minute, to the session and filter that replayed.
 * dead-letters-page.test.ts checks the same over HTTP.
 */
import { describe, expect, it } from 'vitest';
import { ReplayNotices } from './replay-notices.js';

const scope = { sessionId: 'sess_1', handler: 'erp', from: new Date('2026-12-01T00:00:00Z') };

describe('replay notices', () => {
  it('gives the count once, for the session and filter it was issued for', () => {
    const notices = new ReplayNotices();
    const token = notices.issue(7, scope);
    expect(token).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(notices.take(token, { ...scope, from: new Date(scope.from.getTime()) })).toBe(7);
    expect(notices.take(token, scope)).toBeNull();
  });

  it('gives nothing for a token it did not issue, another session or another filter', () => {
    const notices = new ReplayNotices();
    expect(notices.take('7', scope)).toBeNull();
    expect(notices.take(notices.issue(7, scope), { ...scope, sessionId: 'sess_2' })).toBeNull();
    expect(notices.take(notices.issue(7, scope), { ...scope, handler: undefined })).toBeNull();
    expect(notices.take(notices.issue(7, scope), { ...scope, to: new Date() })).toBeNull();
    expect(notices.size).toBe(0);
  });

  it('gives nothing once a minute has passed, and forgets expired tokens', () => {
    let now = 1_000_000;
    const notices = new ReplayNotices({ now: () => now });
    const late = notices.issue(3, scope);
    const inTime = notices.issue(4, scope);
    now += 59_999;
    expect(notices.take(inTime, scope)).toBe(4);
    now += 1;
    expect(notices.take(late, scope)).toBeNull();
    const stale = notices.issue(5, scope);
    now += 60_000;
    notices.issue(6, scope);
    expect(notices.size).toBe(1);
    expect(notices.take(stale, scope)).toBeNull();
  });

  it('holds at most `max` tokens, dropping the oldest', () => {
    const notices = new ReplayNotices({ max: 2 });
    const first = notices.issue(1, scope);
    const second = notices.issue(2, scope);
    const third = notices.issue(3, scope);
    expect(notices.size).toBe(2);
    expect(notices.take(first, scope)).toBeNull();
    expect(notices.take(second, scope)).toBe(2);
    expect(notices.take(third, scope)).toBe(3);
  });
});

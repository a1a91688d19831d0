/**
 * The inspector pages' notices after an action come from one-time tokens of this process
 * (action-notices.ts): shown once, within a minute, on the page and subject and to the session they were
 * issued for. The pages' tests (delivery, dead letters, handlers, shops) check the same over HTTP.
 */
import { describe, expect, it } from 'vitest';
import { ActionNotices, deadLetterFilterSubject } from './action-notices.js';

const filter = { handler: 'erp', from: new Date('2026-12-01T00:00:00Z') };
const scope = { sessionId: 'sess_1', subject: deadLetterFilterSubject(filter) };

describe('action notices', () => {
  it('gives the notice once, for the page, subject and session it was issued for', () => {
    const notices = new ActionNotices();
    const token = notices.issue('dead-letters', { replayed: 7 }, scope);
    expect(token).toMatch(/^[A-Za-z0-9_-]{24}$/);
    // The same filter, another Date object: the same subject.
    const same = {
      ...scope,
      subject: deadLetterFilterSubject({ ...filter, from: new Date(filter.from.getTime()) }),
    };
    expect(notices.take('dead-letters', token, same)).toEqual({ replayed: 7 });
    expect(notices.take('dead-letters', token, scope)).toBeNull();
  });

  it('gives nothing for no token, a token it did not issue, another page, subject or session', () => {
    const notices = new ActionNotices();
    expect(notices.take('delivery', undefined, scope)).toBeNull();
    for (const made of ['7', 'replayed', 'released', 'AAAAAAAAAAAAAAAAAAAAAAAA']) {
      expect(notices.take('delivery', made, scope)).toBeNull();
    }
    const delivery = { sessionId: 'sess_1', subject: 'dlv_1' };
    const issued = () => notices.issue('delivery', { notice: 'released' }, delivery);
    expect(notices.take('delivery', issued(), { ...delivery, sessionId: 'sess_2' })).toBeNull();
    expect(notices.take('delivery', issued(), { ...delivery, sessionId: null })).toBeNull();
    expect(notices.take('delivery', issued(), { ...delivery, subject: 'dlv_2' })).toBeNull();
    // Issued for a delivery's page, taken by another page with the same subject and session.
    expect(notices.take('dead-letters', issued(), delivery)).toBeNull();
    expect(
      notices.take('dead-letters', notices.issue('dead-letters', { replayed: 7 }, scope), {
        ...scope,
        subject: deadLetterFilterSubject({ ...filter, handler: undefined }),
      }),
    ).toBeNull();
    expect(
      notices.take('dead-letters', notices.issue('dead-letters', { replayed: 7 }, scope), {
        ...scope,
        subject: deadLetterFilterSubject({ ...filter, to: new Date() }),
      }),
    ).toBeNull();
    expect(notices.size).toBe(0);
  });

  it('gives nothing once a minute has passed, and forgets expired tokens', () => {
    let now = 1_000_000;
    const notices = new ActionNotices({ now: () => now });
    const handlers = { sessionId: 'sess_1', subject: '' };
    const late = notices.issue('handlers', { handler: 'log', done: 'disabled' }, handlers);
    const inTime = notices.issue('handlers', { handler: 'log', done: 'enabled' }, handlers);
    now += 59_999;
    expect(notices.take('handlers', inTime, handlers)).toEqual({ handler: 'log', done: 'enabled' });
    now += 1;
    expect(notices.take('handlers', late, handlers)).toBeNull();
    const stale = notices.issue('shops', { shop: 'alpha', done: 'uninstalled', cancelled: 1 }, handlers);
    now += 60_000;
    notices.issue('shops', { shop: 'alpha', done: 'uninstalled', cancelled: 1 }, handlers);
    expect(notices.size).toBe(1);
    expect(notices.take('shops', stale, handlers)).toBeNull();
  });

  it('holds at most `max` tokens, dropping the oldest', () => {
    const notices = new ActionNotices({ max: 2 });
    const first = notices.issue('dead-letters', { replayed: 1 }, scope);
    const second = notices.issue('dead-letters', { replayed: 2 }, scope);
    const third = notices.issue('dead-letters', { replayed: 3 }, scope);
    expect(notices.size).toBe(2);
    expect(notices.take('dead-letters', first, scope)).toBeNull();
    expect(notices.take('dead-letters', second, scope)).toEqual({ replayed: 2 });
    expect(notices.take('dead-letters', third, scope)).toEqual({ replayed: 3 });
  });
});

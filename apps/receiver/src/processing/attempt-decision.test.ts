/**
 * What an outcome decides, and that the receiver's own summary of a failure travels with its error to
 * the store (the giving-up reason added to both when no retry is left).
 */
import { describe, expect, it } from 'vitest';
import { decideAttempt } from './attempt-decision.js';

const schedule = { delaysMs: [1000], jitter: 0, maxRetryAfterMs: 60_000 };
const now = new Date('2026-03-02T10:00:00.000Z');
const context = (failures: number) => ({ retry: schedule, failures, now, random: () => 0.5 });

describe('decideAttempt', () => {
  it('keeps the summary beside the error of a retry, a dead letter and a disable', () => {
    const failed = { error: 'https://erp.example/o answered 503: busy', summary: 'erp.example answered 503' };
    expect(decideAttempt({ status: 'retry', ...failed }, context(0))).toEqual({
      decision: 'retry',
      ...failed,
      retryAt: new Date(now.getTime() + 1000),
    });
    expect(decideAttempt({ status: 'dead', ...failed }, context(0))).toEqual({ decision: 'dead', ...failed });
    expect(decideAttempt({ status: 'disable', ...failed, reason: 'HTTP 410 Gone' }, context(0))).toEqual({
      decision: 'disable',
      ...failed,
      reason: 'HTTP 410 Gone',
    });
  });

  it('adds the giving-up reason to the summary as to the error when no retry is left', () => {
    expect(
      decideAttempt(
        { status: 'retry', error: 'answered 503: busy', summary: 'erp.example answered 503' },
        context(1),
      ),
    ).toEqual({
      decision: 'dead',
      error: 'answered 503: busy (gave up after 2 attempts)',
      summary: 'erp.example answered 503 (gave up after 2 attempts)',
      gaveUp: 'gave up after 2 attempts',
    });
  });

  it("gives a failure without a summary the receiver's words for its fixed code (a broker's, a module's timeout)", () => {
    expect(
      decideAttempt(
        { status: 'retry', error: 'connect ECONNREFUSED 127.0.0.1:6379', errorCode: 'broker_unreachable' },
        context(0),
      ),
    ).toMatchObject({ summary: 'the broker could not be reached (broker_unreachable)' });
    expect(
      decideAttempt({ status: 'retry', error: 'did not settle', errorCode: 'handler_timeout' }, context(1)),
    ).toMatchObject({
      decision: 'dead',
      summary:
        'the module handler did not settle within its timeoutMs (handler_timeout) (gave up after 2 attempts)',
    });
    // a module's own error: only its message says what it was
    expect(
      decideAttempt({ status: 'retry', error: 'no ERP partner', errorCode: 'handler_threw' }, context(0)),
    ).not.toHaveProperty('summary');
  });

  it('has no summary when the handler gave none (a module handler’s message)', () => {
    expect(decideAttempt({ status: 'retry', error: 'no ERP partner' }, context(1))).not.toHaveProperty(
      'summary',
    );
  });
});

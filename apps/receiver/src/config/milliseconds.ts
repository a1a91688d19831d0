/**
 * A `…Ms` setting of the handler configuration: a whole number of milliseconds. A duration written as
 * text, as `retry.delays` takes them (`"5s"`), is refused saying which number to write instead, not with
 * a bare "must be a number" (the handler author QA tried `"timeoutMs": "5s"`).
 */
import { millisecondsProblem } from '@srhooks/contracts/duration';
import { z } from 'zod';

export function millisecondsSchema(example: number) {
  return z.int({
    error: (issue) => {
      // the bounds chained after it (positive, max) say their own words
      if (issue.code !== 'invalid_type') return undefined;
      return millisecondsProblem(issue.input, example);
    },
  });
}

/** The longest a Node timer can wait: a longer `setTimeout` fires after 1 ms (TimeoutOverflowWarning). */
export const MAX_TIMER_MS = 2_147_483_647;

export const LONGER_THAN_A_TIMER = `must be at most ${MAX_TIMER_MS} (about 24.8 days, the longest a timer can wait)`;

/**
 * A time limit the receiver waits with a timer (a handler call's, a graceful shutdown's): more than 0
 * and at most {@link MAX_TIMER_MS}; a longer one would not be waited but end after 1 ms.
 */
export function timeLimitSchema(example: number) {
  return millisecondsSchema(example).positive().max(MAX_TIMER_MS, LONGER_THAN_A_TIMER);
}

/**
 * A handler's `retry` schedule (`{"delays": ["30s", "5m"], "jitter": 0.1, "maxRetryAfter": "2h"}`),
 * checked with the rest of the config, so its problems are listed with the others and stop start-up
 * before the store is opened (the worker builds the schedule later, `retryScheduleFrom`). A key within
 * a typo of `delays`, `jitter` or `maxRetryAfter` would silently leave Svix's schedule in force: refused,
 * naming the key meant. The value given is never quoted.
 */

import { meantName } from '@srhooks/contracts/meant-name';
import { parseDuration } from '../processing/duration.js';

const RETRY_KEYS = ['delays', 'jitter', 'maxRetryAfter'];

export interface RetryProblem {
  /** Below `retry`: `['delays', 1]`, `['jitter']`; `[]` for `retry` itself. */
  path: (string | number)[];
  message: string;
}

const isDuration = (value: unknown): boolean =>
  (typeof value === 'number' || typeof value === 'string') && parseDuration(value) !== null;

export function retryProblems(retry: unknown): RetryProblem[] {
  if (typeof retry !== 'object' || retry === null || Array.isArray(retry))
    return [
      { path: [], message: 'must be an object such as {"delays": ["5s", "5m", "30m"], "jitter": 0.2}' },
    ];
  const input = retry as Record<string, unknown>;
  const problems: RetryProblem[] = [];
  for (const key of Object.keys(input)) {
    if (RETRY_KEYS.includes(key)) continue;
    const meant = meantName(key, RETRY_KEYS);
    if (meant !== undefined) problems.push({ path: [key], message: `unknown key; did you mean "${meant}"?` });
  }
  if (input.delays !== undefined) {
    if (!Array.isArray(input.delays)) {
      problems.push({ path: ['delays'], message: 'must be a list of durations such as ["5s", "5m", "2h"]' });
    } else {
      for (const [index, value] of input.delays.entries()) {
        if (!isDuration(value))
          problems.push({
            path: ['delays', index],
            message: 'must be milliseconds or a duration such as "5s", "5m", "2h", "1d"',
          });
      }
    }
  }
  if (
    input.jitter !== undefined &&
    (typeof input.jitter !== 'number' || !(input.jitter >= 0 && input.jitter <= 1))
  )
    problems.push({
      path: ['jitter'],
      message: 'must be a number from 0 (exact delays) to 1; 0.2 means ±20 %',
    });
  if (input.maxRetryAfter !== undefined && !isDuration(input.maxRetryAfter))
    problems.push({ path: ['maxRetryAfter'], message: 'must be milliseconds or a duration such as "1h"' });
  return problems;
}

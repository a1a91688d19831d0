/**
 * A `…Ms` setting of the handler configuration: a whole number of milliseconds. A duration written as
 * text, as `retry.delays` takes them (`"5s"`), is refused saying which number to write instead, not with
 * a bare "must be a number" (the handler author QA tried `"timeoutMs": "5s"`).
 */
import { z } from 'zod';
import { parseDuration } from '../processing/duration.js';

export function millisecondsSchema(example: number) {
  return z.int({
    error: (issue) => {
      // the bounds chained after it (positive, max) say their own words
      if (issue.code !== 'invalid_type') return undefined;
      if (typeof issue.input === 'string') {
        const ms = parseDuration(issue.input);
        if (ms !== null && ms > 0) {
          return `must be a number of milliseconds, not text: write ${ms} for "${issue.input.trim()}"`;
        }
      }
      return `must be a whole number of milliseconds, e.g. ${example}`;
    },
  });
}

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

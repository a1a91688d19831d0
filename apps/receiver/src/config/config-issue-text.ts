/**
 * Plain words for zod's own messages in a receiver config problem (`Invalid input: expected number,
 * received string` → `must be a number (got text)`), used as the parse's error map: a schema's own
 * message (`must be at least 1024 bytes`) still wins. Never quotes the value given (it may be a
 * secret); only its JSON type.
 */

import { meantName } from '@srhooks/contracts/meant-name';
import type { z } from 'zod';

const JSON_TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list ([…])',
  object: 'an object ({…})',
  record: 'an object ({…})',
};

/** What a value is, in JSON's words: "text", "a number", "true or false", "a list", "an object", "null". */
function jsonTypeOf(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  switch (typeof input) {
    case 'string':
      return 'text';
    case 'number':
      return Number.isInteger(input) ? 'a whole number' : 'a number with a fraction';
    case 'boolean':
      return input ? 'true' : 'false';
    case 'object':
      return 'an object';
    default:
      return typeof input;
  }
}

function expectedWords(expected: string): string {
  return expected === 'string' ? 'text (a JSON string)' : (JSON_TYPE_WORDS[expected] ?? expected);
}

function sizeWords(
  issue: { origin?: string; inclusive?: boolean },
  bound: number | bigint,
  side: 'least' | 'most',
): string {
  // `.positive()` is "greater than 0", not "at least 0": 0 itself is refused
  if (issue.inclusive === false && (issue.origin === 'number' || issue.origin === 'bigint'))
    return `must be ${side === 'least' ? 'more' : 'less'} than ${bound}`;
  switch (issue.origin) {
    case 'string':
      return side === 'least' && Number(bound) === 1
        ? 'must not be empty'
        : `must be at ${side} ${bound} characters long`;
    case 'array':
    case 'set':
      return side === 'least' && Number(bound) === 1
        ? 'must list at least one entry'
        : `must list at ${side} ${bound} entries`;
    default:
      return `must be at ${side} ${bound}`;
  }
}

/** The plain message for one raw zod issue; undefined keeps zod's (issues this does not know). */
export function configIssueText(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is missing';
      return `must be ${expectedWords(issue.expected)} (got ${jsonTypeOf(issue.input)})`;
    case 'too_small':
      return sizeWords(issue, issue.minimum, 'least');
    case 'too_big':
      return sizeWords(issue, issue.maximum, 'most');
    case 'invalid_format':
      return issue.format === 'url' ? 'must be a URL such as https://example.com' : `has the wrong format`;
    case 'invalid_value': {
      const choices = issue.values.map((value) => JSON.stringify(value)).join(', ');
      const names = issue.values.filter((value): value is string => typeof value === 'string');
      const meant = typeof issue.input === 'string' ? meantName(issue.input, names) : undefined;
      return `must be one of ${choices}${meant ? ` (did you mean "${meant}"?)` : ''}`;
    }
    case 'invalid_key': {
      const why = issue.issues
        .map((inner) => inner.message)
        .filter((message) => message !== '')
        .join('; ');
      return `is not an allowed name${why ? `: ${why}` : ''}`;
    }
    case 'invalid_union':
      return 'is none of the accepted forms (see receiver docs/configuration.md)';
    default:
      return undefined;
  }
}

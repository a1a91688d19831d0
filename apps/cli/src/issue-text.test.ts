/**
 * A ZodError reaching the top level (a schema the CLI runs on what it was given, e.g. the embedded
 * receiver's config) is reported in one line, `path: message`, never as zod's JSON issue array.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toCliError } from './error-report.js';
import { issuesLine } from './issue-text.js';

describe('zod issues in the CLI', () => {
  it('a ZodError is one line naming each path, exit 2', () => {
    const schema = z.object({
      port: z.number(),
      shops: z.array(
        z.object({ name: z.string().refine((name) => name !== 'demo', 'shop "demo" is listed twice') }),
      ),
    });
    const result = schema.safeParse({ port: 'x', shops: [{ name: 'a' }, { name: 'demo' }] });
    if (result.success) throw new Error('expected a failure');
    const error = toCliError(result.error);
    expect(error.exitCode).toBe(2);
    expect(error.code).toBe('invalid_input');
    expect(error.message).toBe(
      'invalid settings: port: Invalid input: expected number, received string; shops[1].name: shop "demo" is listed twice',
    );
    expect(error.message).not.toContain('\n');
  });

  it('counts the issues past the third', () => {
    const issues = [1, 2, 3, 4, 5].map((n) => ({ path: ['a', n], message: `bad ${n}` }));
    expect(issuesLine(issues)).toBe('a[1]: bad 1; a[2]: bad 2; a[3]: bad 3 (and 2 more)');
  });
});

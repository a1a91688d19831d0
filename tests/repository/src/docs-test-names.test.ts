/**
 * The documentation proves its statements by naming the tests that hold them (`crash.reliability.ts`,
 * `inspector-pages.test.ts`): every test file a Markdown file names exists in the repository, so a
 * test renamed or split does not leave the docs pointing at nothing.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './repo-root.js';

const tracked = execFileSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' })
  .split('\n')
  .filter(Boolean);
const testNames = new Set(
  tracked.filter((file) => /\.(test|reliability)\.(ts|mjs)$/.test(file)).map((file) => basename(file)),
);

/**
 * The test files a Markdown text names: `name.test.ts`, `name.reliability.ts` (a path's last part); a
 * pattern such as `…-list-plans.test.ts` or `*.test.ts` is not a name.
 */
export function namedTests(text: string): string[] {
  return [...text.matchAll(/(?<![\w.*…-])(\w[\w.-]*\.(?:test|reliability)\.(?:ts|mjs))\b/g)].map(
    (match) => match[1] as string,
  );
}

describe('test files named in the documentation', () => {
  it('finds the names in a text', () => {
    expect(
      namedTests(
        'held (`crash.reliability.ts`, apps/x/src/a-b.test.ts and c.test.mjs; not `…-d.test.ts`, *.test.ts)',
      ),
    ).toEqual(['crash.reliability.ts', 'a-b.test.ts', 'c.test.mjs']);
  });

  it('every one exists', () => {
    const missing: string[] = [];
    for (const file of tracked.filter((name) => name.endsWith('.md'))) {
      const text = readFileSync(join(REPO_ROOT, file), 'utf8');
      for (const name of namedTests(text)) if (!testNames.has(name)) missing.push(`${file}: ${name}`);
    }
    expect(missing).toEqual([]);
  });
});

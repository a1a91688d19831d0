/**
 * Skips are honest: the summary behind `npm test` lists every test that did not run by package,
 * file and name, and a package whose suite produced no report counts as a failure. Checked on real
 * vitest JSON reports from a scratch package.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './repo-root.js';

const { summariseReports } = (await import(join(REPO_ROOT, 'scripts/test-summary.mjs'))) as {
  summariseReports: (
    dirs: string[],
    reports: string[],
  ) => {
    passed: number;
    failed: number;
    skipped: number;
    rows: string[];
    skippedTests: string[];
    failedTests: string[];
  };
};

const scratch = mkdtempSync(join(tmpdir(), 'srhooks-summary-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function scratchPackage(name: string, testFile: string | null): string {
  const dir = join(scratch, name);
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: `@scratch/${name}`, type: 'module', scripts: { test: 'vitest run' } }),
  );
  if (testFile !== null) {
    writeFileSync(join(dir, 'sample.test.mjs'), testFile);
    const vitest = join(REPO_ROOT, 'tests/repository/node_modules/vitest/vitest.mjs');
    spawnSync(process.execPath, [vitest, 'run', '--reporter=json', '--outputFile.json=.vitest-result.json'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, CI: '1' },
    });
  }
  return dir;
}

describe('the test summary', () => {
  it('lists each skipped test by package, file and name, and counts a suite without a report as failed', () => {
    const ran = scratchPackage(
      'ran',
      [
        "import { it, expect } from 'vitest';",
        "it('runs', () => expect(1).toBe(1));",
        "it.skip('needs a broker that is not configured', () => {});",
        "it('skips itself with a note', (ctx) => ctx.skip('RabbitMQ is down'));",
      ].join('\n'),
    );
    const silent = scratchPackage('never-ran', null);
    const result = summariseReports([ran, silent], ['.vitest-result.json']);
    expect(result.passed).toBe(1);
    expect(result.skipped).toBe(2);
    expect(result.failed).toBe(1);
    expect(result.rows).toEqual([
      '@scratch/ran: 1 passed, 0 failed, 2 skipped',
      '@scratch/never-ran: no test report (the suite did not run)',
    ]);
    expect(result.skippedTests).toContain(
      '  skipped: @scratch/ran sample.test.mjs > needs a broker that is not configured',
    );
    expect(result.skippedTests.find((line) => line.includes('skips itself with a note'))).toMatch(
      /^ {2}skipped: @scratch\/ran sample\.test\.mjs > skips itself with a note/,
    );
  });

  it('counts a failed test once, however deep its describe blocks, and a file that failed to load once', () => {
    const nested = scratchPackage(
      'nested',
      [
        "import { describe, it, expect } from 'vitest';",
        "describe('outer', () => describe('inner', () => {",
        "  it('fails', () => expect(1).toBe(2));",
        "  it('passes', () => expect(1).toBe(1));",
        '}));',
      ].join('\n'),
    );
    const broken = scratchPackage(
      'broken',
      "import './missing-module.mjs';\nimport { it } from 'vitest';\nit('never', () => {});",
    );
    const result = summariseReports([nested, broken], ['.vitest-result.json']);
    expect(result.rows).toEqual([
      '@scratch/nested: 1 passed, 1 failed',
      '@scratch/broken: 0 passed, 1 failed',
    ]);
    expect(result.failed).toBe(2);
    // CI shows only the output's tail: each failure is named there, with its first line.
    expect(result.failedTests).toHaveLength(2);
    expect(result.failedTests[0]).toMatch(
      /^ {2}failed: @scratch\/nested sample\.test\.mjs > outer inner fails: AssertionError: expected 1 to be 2/,
    );
    expect(result.failedTests[1]).toMatch(
      /^ {2}failed: @scratch\/broken sample\.test\.mjs: .*missing-module\.mjs/,
    );
  });

  it('says a test timed out where vitest reports only its "STACK_TRACE_ERROR" stack', () => {
    const slow = scratchPackage(
      'slow',
      [
        "import { it } from 'vitest';",
        "it('waits too long', () => new Promise((resolve) => setTimeout(resolve, 2000)), 200);",
      ].join('\n'),
    );
    const result = summariseReports([slow], ['.vitest-result.json']);
    expect(result.failedTests).toEqual([
      '  failed: @scratch/slow sample.test.mjs > waits too long: timed out (the test or one of its hooks did not finish within its vitest timeout)',
    ]);
  });

  it("a stalled suite's row lists vitest's workers among the process lines first, then the rest, at most 12", () => {
    const dir = scratchPackage('stalled-with-browser', null);
    // the watchdog lists each process after those it started: a browser's processes before the worker
    const browser = Array.from(
      { length: 14 },
      (_, i) =>
        `pid ${100 + i} main thread S do_epoll_wait, 0.00 CPU s/s; other threads: none (/usr/bin/chromium --type=renderer)`,
    );
    const worker =
      'pid 99 main thread R -, 0.98 CPU s/s; other threads: 6× S futex_wait_queue (node …/vitest/dist/workers/forks.js)';
    writeFileSync(
      join(dir, '.vitest-result.watchdog.json'),
      JSON.stringify({
        kind: 'stall',
        message: 'srhooks test watchdog: a test has run for 400 s',
        running: ['a.test.ts > hangs'],
        processes: [...browser, worker],
      }),
    );
    const [row] = summariseReports([dir], ['.vitest-result.json']).rows;
    const lines = (row ?? '').split('\n');
    expect(lines[1]).toBe('    still running: a.test.ts > hangs');
    expect(lines[2]).toBe(`    process: ${worker}`);
    expect(lines.filter((line) => line.includes('chromium'))).toHaveLength(11);
    expect(lines.at(-1)).toBe('    process: … 3 more');
  });
});

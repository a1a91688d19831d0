// Reads every package's vitest JSON reports into the totals behind `N passed, N failed, N skipped`,
// one row per package, one line per test that did not run (a skip is never silent: it is listed
// by package, file and name, with its message when vitest recorded one), and one line per failed test
// or file with the first line of its failure (CI shows only the tail of the output: a failure must be
// named there). A package with a test script
// but no report failed to run at all and counts as one failure. A suite the test watchdog stopped
// (scripts/vitest-watchdog.mjs: `<report>.watchdog.json` beside the report) counts as one failure and
// names what was still running; a run it stopped only because vitest did not exit is listed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const NOT_RUN = new Set(['pending', 'skipped', 'todo']);
const FAILURE_LINE_MAX = 300;

/**
 * What vitest's JSON report holds for a test or hook that ran past its timeout: the stack of the error
 * vitest made when the test was declared, whose first line is this text and not "Test timed out".
 */
const TIMEOUT_STACK_LINE = 'Error: STACK_TRACE_ERROR';

/** The first non-empty line of a failure message, without colour codes, cut to a readable length. */
export function firstFailureLine(messages) {
  const text = (messages ?? [])
    .filter(Boolean)
    .join('\n')
    .replace(/\u001b\[[0-9;]*m/g, '');
  const line =
    text
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? '(no message)';
  if (line === TIMEOUT_STACK_LINE)
    return 'timed out (the test or one of its hooks did not finish within its vitest timeout)';
  return line.length > FAILURE_LINE_MAX ? `${line.slice(0, FAILURE_LINE_MAX)}…` : line;
}

/** The file the watchdog writes beside a report when it stopped that run. */
export function watchdogFileFor(reportName) {
  return `${reportName.replace(/\.json$/, '')}.watchdog.json`;
}

/** Where the checks keep that file when the suite ran again after the watchdog stopped it. */
export function firstRunWatchdogFileFor(reportName) {
  return `${reportName.replace(/\.json$/, '')}.watchdog-first-run.json`;
}

/** At most this many of the watchdog's process lines go into the summary (the record beside the report has all). */
const PROCESS_LINES = 12;

/**
 * The watchdog's list of what was still running, then what the processes below vitest were doing when it
 * stopped them, one indented line each: the summary is the end of CI's output, often all that is kept of it.
 * vitest's own processes (its workers) first: the watchdog lists each process after the processes it started
 * (a browser's dozen among them), and those lines should not crowd the workers' out.
 */
function stillRunning(entry) {
  const listed = entry.processes ?? [];
  const processes = [
    ...listed.filter((line) => line.includes('vitest')),
    ...listed.filter((line) => !line.includes('vitest')),
  ];
  const shown = processes.slice(0, PROCESS_LINES).map((line) => `\n    process: ${line}`);
  if (processes.length > PROCESS_LINES)
    shown.push(`\n    process: … ${processes.length - PROCESS_LINES} more`);
  return (entry.running ?? []).map((line) => `\n    still running: ${line}`).join('') + shown.join('');
}

/** "result" for .vitest-result.json, "reliability" for .vitest-reliability.json. */
function suiteOf(reportName) {
  return reportName.replace(/\.json$/, '').replace(/^\.vitest-/, '');
}

/**
 * @param {string[]} packageDirs absolute package folders
 * @param {string[]} reportNames report file names looked for in each folder
 */
export function summariseReports(packageDirs, reportNames) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const rows = [];
  const skippedTests = [];
  const failedTests = [];
  for (const dir of packageDirs) {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const name = manifest.name;
    let stalled = 0;
    for (const reportName of reportNames) {
      const firstRun = join(dir, firstRunWatchdogFileFor(reportName));
      if (existsSync(firstRun)) {
        const entry = JSON.parse(readFileSync(firstRun, 'utf8'));
        rows.push(
          `${name}: ${suiteOf(reportName)} stopped on its first run, then ran again: ${entry.message}${stillRunning(entry)}`,
        );
      }
      const marker = join(dir, watchdogFileFor(reportName));
      if (!existsSync(marker)) continue;
      const entry = JSON.parse(readFileSync(marker, 'utf8'));
      if (entry.kind === 'stall') {
        stalled += 1;
        rows.push(`${name}: ${suiteOf(reportName)} stopped: ${entry.message}${stillRunning(entry)}`);
      } else {
        rows.push(`${name}: ${entry.message}`);
      }
    }
    failed += stalled;
    const reports = reportNames.map((file) => join(dir, file)).filter((file) => existsSync(file));
    if (reports.length === 0) {
      if (manifest.scripts?.test && stalled === 0) {
        rows.push(`${name}: no test report (the suite did not run)`);
        failed += 1;
      }
      continue;
    }
    let p = 0;
    let f = 0;
    let s = 0;
    for (const file of reports) {
      const report = JSON.parse(readFileSync(file, 'utf8'));
      p += report.numPassedTests ?? 0;
      // A failed test counts once (vitest also counts its describe blocks and file among the failed
      // suites); a file that failed without a failed test (an import error, a failing hook) counts once.
      f += report.numFailedTests ?? 0;
      f += (report.testResults ?? []).filter(
        (suite) =>
          suite.status === 'failed' && !(suite.assertionResults ?? []).some((t) => t.status === 'failed'),
      ).length;
      s += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
      for (const suite of report.testResults ?? []) {
        const where = suite.name?.startsWith(dir) ? suite.name.slice(dir.length + 1) : (suite.name ?? '?');
        const tests = suite.assertionResults ?? [];
        if (suite.status === 'failed' && !tests.some((t) => t.status === 'failed')) {
          failedTests.push(`  failed: ${name} ${where}: ${firstFailureLine([suite.message])}`);
        }
        for (const test of tests) {
          if (test.status === 'failed') {
            failedTests.push(
              `  failed: ${name} ${where} > ${test.fullName ?? test.title}: ${firstFailureLine(test.failureMessages)}`,
            );
            continue;
          }
          if (!NOT_RUN.has(test.status)) continue;
          const note = test.failureMessages?.filter(Boolean).join('; ');
          skippedTests.push(
            `  ${test.status === 'todo' ? 'todo' : 'skipped'}: ${name} ${where} > ${test.fullName ?? test.title}${note ? ` (${note})` : ''}`,
          );
        }
      }
    }
    passed += p;
    failed += f;
    skipped += s;
    rows.push(`${name}: ${p} passed, ${f} failed${s ? `, ${s} skipped` : ''}`);
  }
  return { passed, failed, skipped, rows, skippedTests, failedTests };
}

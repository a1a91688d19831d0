#!/usr/bin/env node
// The test command behind `npm test` / `pnpm check`: lint, typecheck and every package's vitest
// suite through turbo, then one line `N passed, N failed` with the totals over all packages
// (read from each package's vitest JSON report). Exits non-zero when anything failed.
//
// A suite the test watchdog stopped because it stalled (scripts/vitest-watchdog.mjs) runs once more,
// on its own; the summary names what stalled the first time either way.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { failedTurboTasks, newestTurboSummary, rerunStalledTasks } from './stalled-suites.mjs';
import { firstRunWatchdogFileFor, summariseReports, watchdogFileFor } from './test-summary.mjs';
import { turboTimeline } from './turbo-timeline.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const packageDirs = ['packages', 'apps', 'tests'].flatMap((group) =>
  existsSync(join(root, group))
    ? readdirSync(join(root, group))
        .map((name) => join(root, group, name))
        .filter((dir) => existsSync(join(dir, 'package.json')))
    : [],
);
// Each package's vitest writes a JSON report; the reliability suites (test:reliability) a second one.
const reportNames = ['.vitest-result.json', '.vitest-reliability.json'];
for (const dir of packageDirs) {
  for (const name of reportNames) {
    rmSync(join(dir, name), { force: true });
    rmSync(join(dir, watchdogFileFor(name)), { force: true });
    rmSync(join(dir, firstRunWatchdogFileFor(name)), { force: true });
  }
}

function run(label, command, args, cwd = root) {
  process.stderr.write(`\n== ${label}: ${command} ${args.join(' ')}\n`);
  const result = spawnSync(command, args, {
    cwd,
    stdio: 'inherit',
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
  });
  return result.status === 0;
}

/**
 * Runs turbo; then every test task of it that failed only because the watchdog stopped it as
 * stalled runs once more on its own. True when every task succeeded in the end.
 */
function runTurbo(label, args) {
  const since = Date.now();
  const ok = run(label, turbo, [...args, '--summarize']);
  const summary = newestTurboSummary(root, since);
  if (summary !== null) process.stderr.write(`\n${turboTimeline(summary).join('\n')}\n`);
  if (ok) return true;
  const failed = failedTurboTasks(root, since);
  return failed !== null && rerunStalledTasks(root, failed, run);
}

const turbo = join(root, 'node_modules', '.bin', 'turbo');
const biome = join(root, 'node_modules', '.bin', 'biome');
const extra = process.argv.slice(2);
const lintOk = run('lint', biome, ['check', '.']);
// `--skip-reliability` leaves out the reliability suites (handy while developing).
const skipReliability = extra.includes('--skip-reliability');
// The packages with a reliability suite (test:reliability): the client's (a faulty sandbox in-process,
// mostly waiting) and the receiver's (crash, outage and hostile-input scenarios against the built
// receiver; about 190 s, mostly waiting on the outages and delays it injects, a minute of it loading
// both cores on purpose). They run beside the other suites: their assertions are about correctness,
// never durations, and every suite's time limits are for hangs, not for a slow machine.
const RELIABILITY_SUITES = ['@srhooks/client', '@srhooks/receiver'];
// Six tasks at a time on 2 cores: the CLI's and the receiver's suites, their reliability suites and the
// repository and release tests (installs and builds in a scratch clone) all mostly wait, so each runs
// beside the others rather than after them. With four, and the receiver's reliability suite after
// every other one, a clean-clone run of 2026-12-07 (3e8a0848) took 861 s for 1275 CPU s, 1.5 of the
// 2 cores on average: a 661 s turbo phase, then 190 s of reliability suite at half a core.
const testsOk = runTurbo('build, typecheck, test', [
  'run',
  'typecheck',
  'test',
  ...(skipReliability ? [] : RELIABILITY_SUITES.map((name) => `${name}#test:reliability`)),
  '--continue',
  '--concurrency=6',
  '--output-logs=new-only',
]);

const totals = summariseReports(packageDirs, reportNames);
const { passed, skipped, rows, skippedTests, failedTests } = totals;
let { failed } = totals;
if (!lintOk) {
  rows.push('lint: biome check failed');
  failed += 1;
}
if (!testsOk && failed === 0) {
  rows.push('turbo: a build, typecheck or test task failed');
  failed += 1;
}
const summary = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
process.stdout.write(`\n${[...rows, ...skippedTests, ...failedTests].join('\n')}\n${summary}\n`);
writeFileSync(join(root, '.test-summary'), `${summary}\n`);
process.exitCode = failed === 0 && lintOk && testsOk ? 0 : 1;

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
// `--skip-reliability` leaves out the slower reliability suites (handy while developing).
const extra = process.argv.slice(2);
const lintOk = run('lint', biome, ['check', '.']);
// Reliability suites that mostly wait (on fault schedules and latency they inject) rather than load
// the machine run beside the other suites: the client's (a faulty sandbox in-process; about 4 CPU s
// over 45 s).
const RELIABILITY_BESIDE_TESTS = ['@srhooks/client'];
const skipReliability = extra.includes('--skip-reliability');
// Four tasks at a time on 2 cores: the receiver's and the CLI's suites mostly wait (the receiver's
// 208 CPU s over 218 s wall alone), so the repository and release tests (installs and builds in a
// scratch clone) run beside them instead of after them, and after each other no longer: with three, a
// clean-clone run of 2026-12-07 (db4c92a1) took 898 s for 1336 CPU s, 1.5 of the 2 cores on average, its
// turbo phase 688 s with the release tests waiting 427 s for the repository tests' slot.
const testsOk = runTurbo('build, typecheck, test', [
  'run',
  'typecheck',
  'test',
  ...(skipReliability ? [] : RELIABILITY_BESIDE_TESTS.map((name) => `${name}#test:reliability`)),
  '--continue',
  '--concurrency=4',
  '--output-logs=new-only',
]);
// The other reliability suites run after every other suite and one at a time: they load the machine
// on purpose (none of them touches the machine's services: outages go through a proxy they own).
// Running the receiver's beside the others instead (six turbo tasks at a time, the CLI suite four files
// at a time) cost more than it saved: a clean-clone run of 2026-12-07 (993fe598) took 1072 s for 1892 CPU s
// (861 s for 1275 CPU s in this order), every suite slower on the crowded cores, and connection-loss's
// forward jobs not done within its 90 s.
const reliabilityOk = skipReliability
  ? true
  : runTurbo('reliability', [
      'run',
      'test:reliability',
      ...RELIABILITY_BESIDE_TESTS.map((name) => `--filter=!${name}`),
      '--continue',
      '--concurrency=1',
      '--output-logs=new-only',
    ]);
const turboOk = testsOk && reliabilityOk;

const totals = summariseReports(packageDirs, reportNames);
const { passed, skipped, rows, skippedTests, failedTests } = totals;
let { failed } = totals;
if (!lintOk) {
  rows.push('lint: biome check failed');
  failed += 1;
}
if (!turboOk && failed === 0) {
  rows.push('turbo: a build, typecheck or test task failed');
  failed += 1;
}
const summary = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
process.stdout.write(`\n${[...rows, ...skippedTests, ...failedTests].join('\n')}\n${summary}\n`);
writeFileSync(join(root, '.test-summary'), `${summary}\n`);
process.exitCode = failed === 0 && lintOk && turboOk ? 0 : 1;

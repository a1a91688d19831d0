// After a turbo run of the checks (scripts/run-checks.mjs): which tasks failed, and a second run
// for each test task that failed only because the test watchdog stopped it as stalled
// (scripts/vitest-watchdog.mjs). Anything else that failed stays failed.
import { existsSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { firstRunWatchdogFileFor, watchdogFileFor } from './test-summary.mjs';

// Which report each test script writes (the packages' scripts name these files).
const reportOfScript = { test: '.vitest-result.json', 'test:reliability': '.vitest-reliability.json' };

/**
 * The run summary the turbo run (`--summarize`) wrote under `<root>/.turbo/runs` at or after `since`
 * (ms), the newest if several; null when there is none.
 */
export function newestTurboSummary(root, since) {
  const runs = join(root, '.turbo', 'runs');
  const newest = existsSync(runs)
    ? readdirSync(runs)
        .filter((name) => name.endsWith('.json'))
        .map((name) => join(runs, name))
        // A file's time comes from the kernel's coarse clock, a few ms behind Date.now(): allow 1 s.
        .filter((file) => statSync(file).mtimeMs >= since - 1000)
        .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]
    : undefined;
  return newest === undefined ? null : JSON.parse(readFileSync(newest, 'utf8'));
}

/**
 * The tasks that did not succeed in the turbo run (`--summarize`) that wrote its summary under
 * `<root>/.turbo/runs` at or after `since` (ms); null when there is no such summary.
 */
export function failedTurboTasks(root, since) {
  const summary = newestTurboSummary(root, since);
  if (summary === null) return null;
  // A task skipped because a task it depends on failed has no exit code: it did not succeed either.
  return summary.tasks.filter((task) => task.execution?.exitCode !== 0);
}

/**
 * Runs once more (`npm run <script>` in its package) each failed test task whose suite the watchdog
 * stopped as stalled, after moving the watchdog's record aside for the summary. True when every
 * failed task was such a task and its second run passed.
 * @param {string} root the repository
 * @param {{ taskId: string, task: string, directory?: string }[]} failed
 * @param {(label: string, command: string, args: string[], cwd: string) => boolean} run
 */
export function rerunStalledTasks(root, failed, run) {
  let ok = true;
  for (const task of failed) {
    const report = reportOfScript[task.task];
    const dir = join(root, task.directory ?? '');
    const marker = report === undefined ? undefined : join(dir, watchdogFileFor(report));
    if (
      marker === undefined ||
      !existsSync(marker) ||
      JSON.parse(readFileSync(marker, 'utf8')).kind !== 'stall'
    ) {
      ok = false;
      continue;
    }
    renameSync(marker, join(dir, firstRunWatchdogFileFor(report)));
    const again = run(
      `${task.taskId}, again: the watchdog stopped it as stalled`,
      'npm',
      ['run', task.task],
      dir,
    );
    ok &&= again;
  }
  return ok;
}

// What a turbo run of the checks spent its time on (scripts/run-checks.mjs prints it after each run):
// every task that ran, by start, with when it started and how long it took, from the run summary
// turbo writes with `--summarize`, and how many tasks ran at a time on average. CI runs the checks on
// a 2-core machine; this is the timeline to read before reordering tasks or changing concurrency.

/** Seconds with one decimal. */
function seconds(ms) {
  return (ms / 1000).toFixed(1);
}

/**
 * The lines of the timeline of one run summary (`{ tasks: [{ taskId, execution, cache }] }`); tasks
 * that did not run (no start) are left out. Empty when no task ran.
 */
export function turboTimeline(summary) {
  const ran = (summary.tasks ?? [])
    .filter((task) => Number.isFinite(task.execution?.startTime) && Number.isFinite(task.execution?.endTime))
    .sort((a, b) => a.execution.startTime - b.execution.startTime || a.taskId.localeCompare(b.taskId));
  if (ran.length === 0) return [];
  const first = ran[0].execution.startTime;
  const last = Math.max(...ran.map((task) => task.execution.endTime));
  const width = Math.max(...ran.map((task) => task.taskId.length));
  const lines = ['turbo tasks by start: start (s after the first), took (s), task'];
  let busy = 0;
  for (const task of ran) {
    const { startTime, endTime, exitCode } = task.execution;
    busy += endTime - startTime;
    const notes = [
      task.cache?.status === 'HIT' ? 'cache hit' : null,
      exitCode !== 0 && exitCode !== undefined ? `exit ${exitCode}` : null,
    ].filter((note) => note !== null);
    lines.push(
      `  +${seconds(startTime - first).padStart(6)}  ${seconds(endTime - startTime).padStart(6)}  ${notes.length ? `${task.taskId.padEnd(width)}  (${notes.join(', ')})` : task.taskId}`,
    );
  }
  const wall = last - first;
  lines.push(
    `  ${seconds(wall)} s from the first start to the last end; ${seconds(busy)} task-seconds, ${(wall > 0 ? busy / wall : 0).toFixed(2)} tasks at a time on average`,
  );
  return lines;
}

/**
 * After each turbo run the checks print its timeline (scripts/turbo-timeline.mjs): every task that
 * ran, by start, with its start and duration, and how many tasks ran at a time on average, read from
 * the summary turbo writes with `--summarize`.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './repo-root.js';

interface SummaryTask {
  taskId: string;
  cache?: { status: string };
  execution?: { startTime?: number; endTime?: number; exitCode?: number };
}
const { turboTimeline } = (await import(join(REPO_ROOT, 'scripts/turbo-timeline.mjs'))) as {
  turboTimeline: (summary: { tasks: SummaryTask[] }) => string[];
};

const T0 = 1_796_438_310_000;

describe('the turbo timeline', () => {
  it('lists the tasks that ran by start, with start and duration, cache hits and failures, and the average concurrency', () => {
    const lines = turboTimeline({
      tasks: [
        {
          taskId: '@srhooks/cli#test',
          cache: { status: 'MISS' },
          execution: { startTime: T0 + 90_000, endTime: T0 + 522_000, exitCode: 0 },
        },
        {
          taskId: '@srhooks/contracts#build',
          cache: { status: 'HIT' },
          execution: { startTime: T0, endTime: T0 + 1_500, exitCode: 0 },
        },
        {
          taskId: '@srhooks/receiver#test',
          cache: { status: 'MISS' },
          execution: { startTime: T0 + 1_500, endTime: T0 + 301_500, exitCode: 1 },
        },
        // skipped: a task it depends on failed
        { taskId: '@srhooks/release-tests#test', cache: { status: 'MISS' }, execution: {} },
      ],
    });
    expect(lines).toEqual([
      'turbo tasks by start: start (s after the first), took (s), task',
      '  +   0.0     1.5  @srhooks/contracts#build  (cache hit)',
      '  +   1.5   300.0  @srhooks/receiver#test    (exit 1)',
      '  +  90.0   432.0  @srhooks/cli#test',
      '  522.0 s from the first start to the last end; 733.5 task-seconds, 1.41 tasks at a time on average',
    ]);
  });

  it('says nothing when no task ran', () => {
    expect(turboTimeline({ tasks: [{ taskId: '@srhooks/cli#test', execution: {} }] })).toEqual([]);
    expect(turboTimeline({ tasks: [] })).toEqual([]);
  });
});

/**
 * A stuck suite cannot hold CI until its deadline: the test watchdog (scripts/vitest-watchdog.mjs,
 * named by every package's test scripts) stops a vitest run whose test never gives the event loop
 * back, or that never exits after reporting, and the summary behind `npm test` says which. Checked
 * on real vitest runs of scratch packages, with a 1 s grace instead of the default 300 s.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './repo-root.js';

const { summariseReports } = (await import(join(REPO_ROOT, 'scripts/test-summary.mjs'))) as {
  summariseReports: (dirs: string[], reports: string[]) => { passed: number; failed: number; rows: string[] };
};
interface TurboTask {
  taskId: string;
  task: string;
  directory?: string;
}
type RunStep = (label: string, command: string, args: string[], cwd: string) => boolean;
const { failedTurboTasks, rerunStalledTasks } = (await import(
  join(REPO_ROOT, 'scripts/stalled-suites.mjs')
)) as {
  failedTurboTasks: (root: string, since: number) => TurboTask[] | null;
  rerunStalledTasks: (root: string, failed: TurboTask[], run: RunStep) => boolean;
};

const VITEST = join(REPO_ROOT, 'tests/repository/node_modules/vitest/vitest.mjs');
const WATCHDOG = join(REPO_ROOT, 'scripts/vitest-watchdog.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'srhooks-watchdog-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The packages' test script, with this repository's vitest and watchdog. */
const TEST_SCRIPT = `node ${VITEST} run --reporter=default --reporter=json --outputFile.json=.vitest-result.json --reporter=${WATCHDOG}`;

function scratchPackage(name: string, files: Record<string, string>): string {
  const dir = join(scratch, name);
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: `@scratch/${name}`, type: 'module', scripts: { test: TEST_SCRIPT } }),
  );
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

interface Run {
  code: number | null;
  stderr: string;
}

/** Runs vitest as the packages' test scripts do; gives up (and fails the test) after 90 s. */
function runVitest(dir: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        VITEST,
        'run',
        '--reporter=default',
        '--reporter=json',
        '--outputFile.json=.vitest-result.json',
        `--reporter=${WATCHDOG}`,
      ],
      { cwd: dir, env: { ...process.env, CI: '1', SRHOOKS_TEST_WATCHDOG_GRACE_MS: '1000' } },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.resume();
    const giveUp = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vitest in ${dir} was still running after 90 s: the watchdog did not stop it`));
    }, 90_000);
    child.on('close', (code) => {
      clearTimeout(giveUp);
      resolve({ code, stderr });
    });
  });
}

/** Processes whose command line names the scratch folder (a vitest worker left behind would). */
function processesIn(dir: string): string[] {
  return readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .flatMap((pid) => {
      try {
        const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        const cwd = readFileSync(`/proc/${pid}/environ`, 'utf8');
        return args.includes(dir) || cwd.includes(`PWD=${dir}\0`) ? [`${pid}: ${args}`] : [];
      } catch {
        return [];
      }
    });
}

const SMALL_TIMEOUTS =
  "export default { test: { include: ['*.test.mjs'], testTimeout: 1000, hookTimeout: 1000 } };";

describe('the test watchdog', () => {
  it('stops a file that never gives the event loop back, and the summary counts it and names the file', async () => {
    const dir = scratchPackage('spins', {
      'vitest.config.mjs': SMALL_TIMEOUTS,
      'spins.test.mjs': ["import { it } from 'vitest';", "it('spins', () => { for (;;) {} });"].join('\n'),
      'fine.test.mjs': "import { it, expect } from 'vitest';\nit('fine', () => expect(1).toBe(1));",
    });
    const run = await runVitest(dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('srhooks test watchdog: no test or hook started or ended for');
    expect(run.stderr).toMatch(
      /Still running:\n {2}spins\.test\.mjs \(open: none of its tests has ended yet\)/,
    );
    expect(run.stderr).not.toContain('fine.test.mjs (open');
    // Before stopping them it says what the processes were doing: the spinning worker's main thread on
    // the CPU (R), not waiting in the kernel; the record beside the report holds the same lines.
    expect(run.stderr).toContain('The processes below vitest (a second apart):');
    expect(run.stderr).toMatch(/\n {2}pid \d+ main thread R [^\n]*CPU s\/s; other threads: [^\n]*vitest/);
    const record = JSON.parse(readFileSync(join(dir, '.vitest-result.watchdog.json'), 'utf8'));
    expect(record.processes).toEqual(
      expect.arrayContaining([expect.stringMatching(/^pid \d+ main thread R /)]),
    );
    expect(processesIn(dir)).toEqual([]);

    const summary = summariseReports([dir], ['.vitest-result.json']);
    expect(summary.failed).toBe(1);
    expect(summary.rows).toHaveLength(1);
    expect(summary.rows[0]).toMatch(
      /^@scratch\/spins: result stopped: srhooks test watchdog: no test or hook/,
    );
    expect(summary.rows[0]).toContain('still running: spins.test.mjs (open');
    // and what the processes were doing: the summary ends CI's output, often all that is kept of it
    expect(summary.rows[0]).toMatch(/\n {4}process: pid \d+ main thread R [^\n]*CPU s\/s/);
  });

  it('says a worker blocked in Atomics.wait sleeps in the kernel (futex), not on the CPU nor in its event loop', async () => {
    const dir = scratchPackage('blocked', {
      'vitest.config.mjs': SMALL_TIMEOUTS,
      'blocked.test.mjs': [
        "import { beforeAll, it, expect } from 'vitest';",
        // A beforeAll that blocks its worker's thread (as a synchronous wait on another thread would):
        // its 1 s hook timeout never fires.
        'beforeAll(() => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000); });',
        "it('never runs', () => expect(1).toBe(1));",
      ].join('\n'),
    });
    const run = await runVitest(dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('srhooks test watchdog:');
    expect(run.stderr).toMatch(/\n {2}pid \d+ main thread S futex[^\n]*vitest/);
    expect(processesIn(dir)).toEqual([]);
  });

  it('names a test that has run past its own timeout (it reported its start before it stopped giving the loop back)', async () => {
    const dir = scratchPackage('named', {
      // Until the test's start arrives the watchdog allows the longest timeout plus 1 s from the last
      // report (here 11 s): room for the worker's report on a loaded machine (with 1 s timeouts and a
      // 500 ms wait, and again with 3 s and 1.5 s, the report came too late and the run was stopped as
      // a silent one instead).
      'vitest.config.mjs':
        "export default { test: { include: ['*.test.mjs'], testTimeout: 10000, hookTimeout: 1000 } };",
      'named.test.mjs': [
        "import { describe, it, expect } from 'vitest';",
        "it('first', () => expect(1).toBe(1));",
        "describe('outer', () => {",
        // The wait lets the worker send the test's start; then it spins past its 4 s timeout.
        "  it('waits then spins', async () => { await new Promise((r) => setTimeout(r, 3000)); for (;;) {} }, 4000);",
        '});',
      ].join('\n'),
    });
    const run = await runVitest(dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /srhooks test watchdog: named\.test\.mjs > outer > waits then spins has run for \d+ s, longer than its timeout plus 1 s/,
    );
    expect(processesIn(dir)).toEqual([]);
    expect(summariseReports([dir], ['.vitest-result.json']).failed).toBe(1);
  });

  it('stops a run that reported everything but does not exit, keeps its result, and the summary lists it', async () => {
    const dir = scratchPackage('no-exit', {
      'vitest.config.mjs':
        "export default { test: { include: ['*.test.mjs'], globalSetup: ['./never-tears-down.mjs'] } };",
      'never-tears-down.mjs': 'export default () => () => new Promise(() => setInterval(() => {}, 1000));',
      'ok.test.mjs': "import { it, expect } from 'vitest';\nit('ok', () => expect(1).toBe(1));",
    });
    const run = await runVitest(dir);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /srhooks test watchdog: vitest reported its whole run \(passed\) but had not exited/,
    );
    expect(processesIn(dir)).toEqual([]);
    const summary = summariseReports([dir], ['.vitest-result.json']);
    expect(summary).toMatchObject({ passed: 1, failed: 0 });
    expect(summary.rows).toEqual([
      expect.stringMatching(
        /^@scratch\/no-exit: srhooks test watchdog: vitest reported its whole run \(passed\)/,
      ),
      '@scratch/no-exit: 1 passed, 0 failed',
    ]);
  });

  it('leaves a run alone whose tests take longer than the grace but finish within their own timeouts', async () => {
    const dir = scratchPackage('slow', {
      'vitest.config.mjs': SMALL_TIMEOUTS,
      'slow.test.mjs': [
        "import { it, expect } from 'vitest';",
        "it('takes 3 s of its 5 s', async () => { await new Promise((r) => setTimeout(r, 3000)); expect(1).toBe(1); }, 5000);",
      ].join('\n'),
    });
    const run = await runVitest(dir);
    expect(run.stderr).not.toContain('srhooks test watchdog');
    expect(run.code).toBe(0);
    expect(existsSync(join(dir, '.vitest-result.watchdog.json'))).toBe(false);
    expect(summariseReports([dir], ['.vitest-result.json'])).toMatchObject({ passed: 1, failed: 0 });
  });
  it('gives vitest time to start: a start slower than the timeouts plus the grace is no stall', async () => {
    // On a slow, loaded CI machine vitest's own start (config, transform, workers) once took longer
    // than 1 s timeouts plus a 1 s grace, and runs that had not stalled were stopped. Here a global
    // setup takes 4 s before the first file starts.
    const dir = scratchPackage('slow-start', {
      'vitest.config.mjs':
        "export default { test: { include: ['*.test.mjs'], testTimeout: 1000, hookTimeout: 1000, globalSetup: ['./slow-setup.mjs'] } };",
      'slow-setup.mjs': 'export default () => new Promise((resolve) => setTimeout(resolve, 4000));',
      'ok.test.mjs': "import { it, expect } from 'vitest';\nit('ok', () => expect(1).toBe(1));",
    });
    const run = await runVitest(dir);
    expect(run.stderr).not.toContain('srhooks test watchdog');
    expect(run.code).toBe(0);
    expect(summariseReports([dir], ['.vitest-result.json'])).toMatchObject({ passed: 1, failed: 0 });
  });
});

describe("the test watchdog's record of what runs", () => {
  interface Reported {
    id: string;
    moduleId?: string;
    fullName?: string;
    module?: Reported;
    options?: { timeout: number };
  }
  interface Watchdog {
    testTimeout: number;
    hookTimeout: number;
    quietLimit: number;
    stuck(): string | null;
    onTestModuleStart(module: Reported): void;
    onTestModuleEnd(module: Reported): void;
    onTestCaseReady(test: Reported): void;
    onTestCaseResult(test: Reported): void;
  }
  /** The reporter itself (no timer, no stopping: only what it counts as stuck), with a 100 ms grace. */
  async function watchdog(): Promise<Watchdog> {
    const { default: WatchdogReporter } = (await import(WATCHDOG)) as { default: new () => Watchdog };
    const before = process.env.SRHOOKS_TEST_WATCHDOG_GRACE_MS;
    process.env.SRHOOKS_TEST_WATCHDOG_GRACE_MS = '100';
    try {
      const reporter = new WatchdogReporter();
      Object.assign(reporter, { testTimeout: 100, hookTimeout: 100, quietLimit: 60_000 });
      return reporter;
    } finally {
      if (before === undefined) delete process.env.SRHOOKS_TEST_WATCHDOG_GRACE_MS;
      else process.env.SRHOOKS_TEST_WATCHDOG_GRACE_MS = before;
    }
  }
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("a test's start that arrives after its end does not count as running (vitest reports batches concurrently)", async () => {
    // Seen on a loaded CI machine: a test vitest reported passed "ran" for 330 s and the suite was stopped.
    const reporter = await watchdog();
    const module = { id: 'm1', moduleId: 'a.test.mjs' };
    const test = { id: 't1', fullName: 'passes', module, options: { timeout: 100 } };
    reporter.onTestModuleStart(module);
    reporter.onTestCaseResult(test);
    reporter.onTestCaseReady(test);
    await pause(300); // past the test's timeout plus the grace
    expect(reporter.stuck()).toBeNull();
  });

  it('between files (none open: vitest starts the next worker) the quiet limit is at least a minute', async () => {
    // Seen on a 0.7-CPU run: after one file ended, the next file's worker took more than 1 s timeouts
    // plus a 1 s grace to start, and the watchdog stopped a run that had not stalled.
    const reporter = await watchdog();
    Object.assign(reporter, { quietLimit: 200 });
    const module = { id: 'm4', moduleId: 'd.test.mjs' };
    reporter.onTestModuleStart(module);
    reporter.onTestModuleEnd(module);
    await pause(400);
    expect(reporter.stuck()).toBeNull();
    // With a file open, the quiet limit is the timeouts plus the grace (the check is not vacuous).
    reporter.onTestModuleStart({ id: 'm5', moduleId: 'e.test.mjs' });
    await pause(400);
    expect(reporter.stuck()).toMatch(/^no test or hook started or ended for \d+ s/);
  });

  it('a file that ended runs nothing any more, even when the end of one of its tests never arrived', async () => {
    const reporter = await watchdog();
    const module = { id: 'm2', moduleId: 'b.test.mjs' };
    reporter.onTestModuleStart(module);
    reporter.onTestCaseReady({ id: 't2', fullName: 'its end is lost', module, options: { timeout: 100 } });
    reporter.onTestModuleEnd(module);
    await pause(300);
    expect(reporter.stuck()).toBeNull();
    // A test still running in a file that is open is what the watchdog is for (the check is not vacuous).
    const open = { id: 'm3', moduleId: 'c.test.mjs' };
    reporter.onTestModuleStart(open);
    reporter.onTestCaseReady({ id: 't3', fullName: 'spins', module: open, options: { timeout: 100 } });
    await pause(300);
    expect(reporter.stuck()).toMatch(
      /^c\.test\.mjs > spins has run for \d+ s, longer than its timeout plus 0 s$/,
    );
  });
});

describe('a suite the watchdog stopped as stalled runs once more (scripts/stalled-suites.mjs)', () => {
  /** What run-checks does for a step, with the short grace; records what it ran. */
  function recordingRun(ran: string[]): RunStep {
    return (_label, command, args, cwd) => {
      ran.push(`${command} ${args.join(' ')} in ${cwd}`);
      const result = spawnSync(command, args, {
        cwd,
        stdio: 'ignore',
        env: { ...process.env, CI: '1', SRHOOKS_TEST_WATCHDOG_GRACE_MS: '1000' },
      });
      return result.status === 0;
    };
  }

  it('a suite that stalls once passes on its second run; the summary counts that run and names the stall', async () => {
    const dir = scratchPackage('stalls-once', {
      'vitest.config.mjs': SMALL_TIMEOUTS,
      'once.test.mjs': [
        "import { existsSync, writeFileSync } from 'node:fs';",
        "import { it, expect } from 'vitest';",
        "it('spins the first time only', () => {",
        "  if (!existsSync('ran-once')) { writeFileSync('ran-once', ''); for (;;) {} }",
        '  expect(1).toBe(1);',
        '});',
      ].join('\n'),
    });
    expect((await runVitest(dir)).code).toBe(1);
    const ran: string[] = [];
    const task = { taskId: '@scratch/stalls-once#test', task: 'test', directory: 'stalls-once' };
    expect(rerunStalledTasks(scratch, [task], recordingRun(ran))).toBe(true);
    expect(ran).toEqual([`npm run test in ${dir}`]);
    const summary = summariseReports([dir], ['.vitest-result.json']);
    expect(summary).toMatchObject({ passed: 1, failed: 0 });
    expect(summary.rows[0]).toMatch(
      /^@scratch\/stalls-once: result stopped on its first run, then ran again: srhooks test watchdog: /,
    );
    expect(summary.rows[0]).toContain('still running: once.test.mjs (open');
    expect(summary.rows[0]).toMatch(/\n {4}process: pid \d+ main thread R /);
    expect(summary.rows[1]).toBe('@scratch/stalls-once: 1 passed, 0 failed');
  });

  it('a suite that stalls twice stays failed, and nothing but a stalled test task runs again', async () => {
    const dir = scratchPackage('stalls-always', {
      'vitest.config.mjs': SMALL_TIMEOUTS,
      'always.test.mjs': "import { it } from 'vitest';\nit('spins', () => { for (;;) {} });",
    });
    expect((await runVitest(dir)).code).toBe(1);
    const ran: string[] = [];
    const tasks = [
      { taskId: '@scratch/stalls-always#test', task: 'test', directory: 'stalls-always' },
      { taskId: '@scratch/stalls-always#typecheck', task: 'typecheck', directory: 'stalls-always' },
    ];
    expect(rerunStalledTasks(scratch, tasks, recordingRun(ran))).toBe(false);
    expect(ran).toEqual([`npm run test in ${dir}`]);
    const summary = summariseReports([dir], ['.vitest-result.json']);
    expect(summary.failed).toBe(1);
    expect(summary.rows.map((row) => row.split(':').slice(0, 2).join(':'))).toEqual([
      '@scratch/stalls-always: result stopped on its first run, then ran again',
      '@scratch/stalls-always: result stopped',
    ]);

    // A test task that failed without a stall is not run again.
    const failing = scratchPackage('fails', {
      'fails.test.mjs': "import { it, expect } from 'vitest';\nit('fails', () => expect(1).toBe(2));",
    });
    expect((await runVitest(failing)).code).toBe(1);
    const ranAgain: string[] = [];
    expect(
      rerunStalledTasks(
        scratch,
        [{ taskId: '@scratch/fails#test', task: 'test', directory: 'fails' }],
        recordingRun(ranAgain),
      ),
    ).toBe(false);
    expect(ranAgain).toEqual([]);
  });

  it("reads the failed tasks from the newest turbo run summary (the shape turbo 2.11's --summarize writes)", () => {
    const root = join(scratch, 'turbo-root');
    mkdirSync(join(root, '.turbo', 'runs'), { recursive: true });
    expect(failedTurboTasks(root, Date.now())).toBeNull();
    const since = Date.now();
    writeFileSync(
      join(root, '.turbo', 'runs', 'run.json'),
      JSON.stringify({
        tasks: [
          {
            taskId: '@srhooks/contracts#generate',
            task: 'generate',
            directory: 'packages/contracts',
            execution: { exitCode: 0 },
          },
          {
            taskId: '@srhooks/client#test',
            task: 'test',
            directory: 'packages/client',
            execution: { exitCode: 1 },
          },
          // Skipped under --continue because a task it depends on failed: no execution.
          { taskId: '@srhooks/cli#test', task: 'test', directory: 'apps/cli' },
        ],
      }),
    );
    expect(failedTurboTasks(root, since)?.map((task) => task.taskId)).toEqual([
      '@srhooks/client#test',
      '@srhooks/cli#test',
    ]);
    expect(failedTurboTasks(root, Date.now() + 60_000)).toBeNull();
  });
});

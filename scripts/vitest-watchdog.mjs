// A vitest reporter that keeps a stuck suite from holding CI until its deadline. Every package's
// test scripts name it (`--reporter=../../scripts/vitest-watchdog.mjs`).
//
// vitest's own limits (testTimeout, hookTimeout) stop a test that waits too long, but not one that
// never gives the event loop back (a synchronous loop) and not a run whose workers never exit. So:
// - **Stall.** When a test or hook has run longer than its own timeout plus a grace
//   (`SRHOOKS_TEST_WATCHDOG_GRACE_MS`, default 300 s), or, with no test or hook running, nothing has
//   started or ended for the suite's longest timeout plus that grace (while no test file is open: at
//   least START_ALLOWANCE_MS, vitest starting itself or a file's worker on a loaded machine), the
//   watchdog prints what is still running (file, test or hook, and for how long), writes that to
//   `<json report>.watchdog.json` beside the JSON report, stops vitest and its workers, and exits 1.
//   The summary behind `npm test` (scripts/test-summary.mjs) counts it as a failure and names the tests.
// - **No exit.** When vitest has reported its whole run but is still alive a minute later (or the
//   grace, when that is shorter), the
//   watchdog says so, records it the same way, stops it and exits with the run's own result (its
//   report is complete). The summary lists it.
// - **What the processes were doing.** Before it stops a stalled run, the watchdog looks at each
//   process below vitest twice, a second apart (Linux /proc): its CPU seconds in that second and what
//   each thread waits on in the kernel (`wchan`). A worker whose main thread sits in `do_epoll_wait`
//   has a free event loop (its own timeouts could fire: its reports went missing); one in `futex…`
//   waits on a lock or `Atomics.wait`; one running on the CPU is in a synchronous loop; one in
//   `hrtimer_nanosleep` sleeps (e.g. SQLite's busy wait). The lines go to stderr and into the record.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { watchdogFileFor } from './test-summary.mjs';

const CHECK_EVERY_MS = 1000;
// While no test file is open, vitest is loading its config, transforming, or starting a worker for the
// next file: on a slow, loaded CI machine that took longer than short timeouts plus a short grace (1 s
// each stopped runs that had not stalled), so it gets at least this long.
const START_ALLOWANCE_MS = 60_000;

function graceMs() {
  const raw = process.env.SRHOOKS_TEST_WATCHDOG_GRACE_MS;
  if (raw === undefined || raw === '') return 300_000;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 100) {
    throw new Error(
      `SRHOOKS_TEST_WATCHDOG_GRACE_MS must be a whole number of milliseconds ≥ 100, got "${raw}"`,
    );
  }
  return value;
}

/** Every process below `root` (Linux /proc; elsewhere none), deepest first. */
function descendantsOf(root) {
  const children = new Map();
  let entries;
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ")".
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(pid));
    } catch {
      // The process ended while we looked.
    }
  }
  const found = [];
  const walk = (pid) => {
    for (const child of children.get(pid) ?? []) {
      walk(child);
      found.push(child);
    }
  };
  walk(root);
  return found;
}

/** A process's or thread's state letter, CPU ticks (user + system) and kernel wait; null when gone. */
function procState(path) {
  try {
    const stat = readFileSync(`${path}/stat`, 'utf8');
    // "pid (comm) state ppid …": utime and stime are the 12th and 13th fields after the state.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    let wchan = '';
    try {
      wchan = readFileSync(`${path}/wchan`, 'utf8').trim();
    } catch {
      // Not readable here.
    }
    return {
      state: fields[0],
      ticks: Number(fields[11]) + Number(fields[12]),
      wchan: wchan === '' || wchan === '0' ? '-' : wchan,
    };
  } catch {
    return null;
  }
}

/** What each process below `root` and each of its threads is doing now (Linux /proc; elsewhere none). */
export function snapshotProcesses(root) {
  return descendantsOf(root).flatMap((pid) => {
    const main = procState(`/proc/${pid}`);
    if (main === null) return [];
    let command = '';
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      // Gone meanwhile.
    }
    let threads = [];
    try {
      threads = readdirSync(`/proc/${pid}/task`)
        .filter((tid) => tid !== String(pid))
        .map((tid) => procState(`/proc/${pid}/task/${tid}`))
        .filter((thread) => thread !== null);
    } catch {
      // Gone meanwhile.
    }
    return [{ pid, command, main, threads }];
  });
}

/** One line per process: its main thread's state and wait, its CPU share between the two snapshots, its other threads. */
export function describeProcesses(before, after, elapsedMs, ticksPerSecond = 100) {
  const earlier = new Map(before.map((entry) => [entry.pid, entry]));
  return after.map(({ pid, command, main, threads }) => {
    const first = earlier.get(pid);
    const cpu =
      first === undefined
        ? 'CPU share unknown'
        : `${((main.ticks - first.main.ticks) / ticksPerSecond / (elapsedMs / 1000)).toFixed(2)} CPU s/s`;
    const others = new Map();
    for (const thread of threads) {
      const key = `${thread.state} ${thread.wchan}`;
      others.set(key, (others.get(key) ?? 0) + 1);
    }
    const otherText = [...others].map(([key, count]) => `${count}× ${key}`).join(', ');
    const shortCommand = command.length > 120 ? `${command.slice(0, 117)}...` : command;
    return `pid ${pid} main thread ${main.state} ${main.wchan}, ${cpu}; other threads: ${otherText || 'none'} (${shortCommand})`;
  });
}

function stopEverythingBelow(pid) {
  for (const child of descendantsOf(pid)) {
    try {
      process.kill(child, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

function seconds(ms) {
  return `${Math.round(ms / 1000)} s`;
}

export default class WatchdogReporter {
  constructor() {
    this.grace = graceMs();
    this.lastProgress = Date.now();
    /** @type {Map<string, { what: string, since: number, budget: number | null, module: string }>} */
    this.running = new Map();
    /** @type {Set<string>} the tests and hooks that have ended */
    this.ended = new Set();
    this.testTimeout = 5000;
    this.hookTimeout = 10_000;
    this.quietLimit = 0;
    this.root = process.cwd();
    this.marker = null;
    this.timer = null;
  }

  onInit(vitest) {
    const config = vitest.config;
    this.root = config.root ?? process.cwd();
    this.testTimeout = config.testTimeout ?? 5000;
    this.hookTimeout = config.hookTimeout ?? 10_000;
    this.quietLimit = Math.max(this.testTimeout, this.hookTimeout) + this.grace;
    const json = typeof config.outputFile === 'object' ? config.outputFile?.json : undefined;
    this.marker = join(this.root, watchdogFileFor(json ?? '.vitest-result.json'));
    this.timer = setInterval(() => this.check(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  where(moduleId) {
    return relative(this.root, moduleId) || moduleId;
  }

  /**
   * @param {number | null} budget how long it may run before it counts as stuck (null: a whole file)
   * @param {string} module the id of the file it belongs to
   */
  begin(key, what, budget, module) {
    this.lastProgress = Date.now();
    // vitest reports the updates of a worker's batches concurrently, so a test's (or hook's) start can
    // arrive after its end (seen on a loaded machine: a test that had passed "ran" until the watchdog
    // stopped the suite). What has ended stays ended.
    if (this.ended.has(key)) return;
    this.running.set(key, { what, since: this.lastProgress, budget, module });
  }

  end(key) {
    this.lastProgress = Date.now();
    this.running.delete(key);
    this.ended.add(key);
  }

  onTestModuleStart(module) {
    this.begin(
      `module:${module.id}`,
      `${this.where(module.moduleId)} (open: none of its tests has ended yet)`,
      null,
      module.id,
    );
  }

  onTestModuleEnd(module) {
    this.end(`module:${module.id}`);
    // A file that ended runs nothing any more, whatever of its reports is still to come or was lost.
    for (const [key, entry] of this.running) {
      if (entry.module === module.id) this.end(key);
    }
  }

  onTestCaseReady(test) {
    const timeout = test.options?.timeout ?? this.testTimeout;
    this.begin(
      `test:${test.id}`,
      `${this.where(test.module.moduleId)} > ${test.fullName}`,
      timeout + this.grace,
      test.module.id,
    );
  }

  onTestCaseResult(test) {
    this.end(`test:${test.id}`);
    const open = this.running.get(`module:${test.module.id}`);
    if (open) open.what = `${this.where(test.module.moduleId)} (its last test to end was "${test.fullName}")`;
  }

  onHookStart(hook) {
    const owner = hook.entity;
    const name =
      owner.type === 'module'
        ? this.where(owner.moduleId)
        : `${this.where(owner.module.moduleId)} > ${owner.fullName}`;
    // A hook's own timeout is not reported; the larger of the two configured ones stands in for it.
    const timeout = Math.max(this.hookTimeout, this.testTimeout);
    const module = owner.type === 'module' ? owner.id : owner.module.id;
    this.begin(`hook:${hook.name}:${owner.id}`, `${name} (${hook.name})`, timeout + this.grace, module);
  }

  onHookEnd(hook) {
    this.end(`hook:${hook.name}:${hook.entity.id}`);
  }

  onTestRunEnd(_modules, _errors, reason) {
    clearInterval(this.timer);
    const ended = Date.now();
    const exitCode = reason === 'passed' ? 0 : 1;
    const timer = setTimeout(
      () => {
        const message =
          `srhooks test watchdog: vitest reported its whole run (${reason}) but had not exited ` +
          `${seconds(Date.now() - ended)} later; stopping it. Its report is complete.`;
        this.record({ kind: 'no-exit', reason, message, running: [] });
        process.stderr.write(`\n${message}\n`);
        stopEverythingBelow(process.pid);
        process.exit(exitCode);
      },
      Math.min(this.grace, 60_000),
    );
    timer.unref();
  }

  /** What made the run count as stuck, or null while it is not. */
  stuck() {
    const now = Date.now();
    const timed = [...this.running.values()].filter((entry) => entry.budget !== null);
    if (timed.length > 0) {
      const over = timed.find((entry) => now - entry.since > entry.budget);
      return over
        ? `${over.what} has run for ${seconds(now - over.since)}, longer than its timeout plus ${seconds(this.grace)}`
        : null;
    }
    const quiet = now - this.lastProgress;
    const fileOpen = [...this.running.values()].some((entry) => entry.budget === null);
    if (!fileOpen) {
      return quiet > Math.max(this.quietLimit, START_ALLOWANCE_MS)
        ? `no test file open and none started for ${seconds(quiet)}`
        : null;
    }
    return quiet > this.quietLimit
      ? `no test or hook started or ended for ${seconds(quiet)} (the longest timeout plus ${seconds(this.grace)})`
      : null;
  }

  check() {
    const why = this.stuck();
    if (why === null) return;
    clearInterval(this.timer);
    // Tests and hooks first (the module entries only say a file is open).
    const running = [...this.running.values()]
      .sort((a, b) => Number(a.budget === null) - Number(b.budget === null))
      .map(({ what, since }) => `${what}, running for ${seconds(Date.now() - since)}`);
    const message =
      `srhooks test watchdog: ${why}; something never gave the event loop back or never ended. ` +
      'Stopping vitest and its workers.';
    const before = snapshotProcesses(process.pid);
    const lookedAt = Date.now();
    setTimeout(() => {
      const processes = describeProcesses(before, snapshotProcesses(process.pid), Date.now() - lookedAt);
      this.record({ kind: 'stall', message, running, processes });
      process.stderr.write(
        `\n${message}\nStill running:\n${running.map((line) => `  ${line}`).join('\n')}\n` +
          `The processes below vitest (a second apart):\n${processes.map((line) => `  ${line}`).join('\n')}\n`,
      );
      stopEverythingBelow(process.pid);
      process.exit(1);
    }, 1000);
  }

  record(entry) {
    try {
      writeFileSync(this.marker, `${JSON.stringify(entry, null, 2)}\n`);
    } catch (error) {
      process.stderr.write(`srhooks test watchdog: could not write ${this.marker}: ${error.message}\n`);
    }
  }
}

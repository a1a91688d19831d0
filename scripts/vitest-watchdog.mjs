// A vitest reporter that keeps a stuck suite from holding CI until its deadline. Every package's
// test scripts name it (`--reporter=../../scripts/vitest-watchdog.mjs`).
//
// vitest's own limits (testTimeout, hookTimeout) stop a test that waits too long, but not one that
// never gives the event loop back (a synchronous loop) and not a run whose workers never exit. So:
// - **Stall.** When a test or hook has run longer than its own timeout plus a grace
//   (`SRHOOKS_TEST_WATCHDOG_GRACE_MS`, default 300 s), or, with no test or hook running, nothing has
//   started or ended for the suite's longest timeout plus that grace, the watchdog prints what is still
//   running (file, test or hook, and for how long), writes that to `<json report>.watchdog.json`
//   beside the JSON report, stops vitest and its workers, and exits 1. The summary behind `npm test`
//   (scripts/test-summary.mjs) counts it as a failure and names the tests.
// - **No exit.** When vitest has reported its whole run but is still alive a minute later (or the
//   grace, when that is shorter), the
//   watchdog says so, records it the same way, stops it and exits with the run's own result (its
//   report is complete). The summary lists it.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { watchdogFileFor } from './test-summary.mjs';

const CHECK_EVERY_MS = 1000;

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
    /** @type {Map<string, { what: string, since: number, budget: number | null }>} */
    this.running = new Map();
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

  /** @param {number | null} budget how long it may run before it counts as stuck (null: a whole file) */
  begin(key, what, budget) {
    this.lastProgress = Date.now();
    this.running.set(key, { what, since: this.lastProgress, budget });
  }

  end(key) {
    this.lastProgress = Date.now();
    this.running.delete(key);
  }

  onTestModuleStart(module) {
    this.begin(
      `module:${module.id}`,
      `${this.where(module.moduleId)} (open: none of its tests has ended yet)`,
      null,
    );
  }

  onTestModuleEnd(module) {
    this.end(`module:${module.id}`);
  }

  onTestCaseReady(test) {
    const timeout = test.options?.timeout ?? this.testTimeout;
    this.begin(
      `test:${test.id}`,
      `${this.where(test.module.moduleId)} > ${test.fullName}`,
      timeout + this.grace,
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
    this.begin(`hook:${hook.name}:${owner.id}`, `${name} (${hook.name})`, timeout + this.grace);
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
    this.record({ kind: 'stall', message, running });
    process.stderr.write(`\n${message}\nStill running:\n${running.map((line) => `  ${line}`).join('\n')}\n`);
    stopEverythingBelow(process.pid);
    process.exit(1);
  }

  record(entry) {
    try {
      writeFileSync(this.marker, `${JSON.stringify(entry, null, 2)}\n`);
    } catch (error) {
      process.stderr.write(`srhooks test watchdog: could not write ${this.marker}: ${error.message}\n`);
    }
  }
}

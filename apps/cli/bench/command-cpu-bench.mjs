#!/usr/bin/env node
/**
 * Per-command start-up CPU: the CPU time (user + system, all threads) a `srhooks` process spends on
 * a command that fails fast at the network (a closed local port), so what is measured is loading
 * and starting, not waiting; `events list (answered)` gets an answer (401) from a local server, so it
 * also parses one (the first answer costs what quick-start.ts is about). `sandbox` and `listen` are measured from start until they print that
 * they run, then stopped with SIGINT. Each process is preloaded with a tiny CommonJS file that writes
 * `process.cpuUsage()` at exit; `node -e 0` with the same preload is the floor. Runs are
 * interleaved (floor, then each command once per build) so background load hits all alike;
 * medians are printed. `BENCH_BASELINE_CLI=/path/to/other/dist/cli.js` adds a second build to
 * compare against (e.g. a copy of the tree at an older commit). Needs a build first.
 *
 *   node bench/command-cpu-bench.mjs            # BENCH_RUNS (default 9), BENCH_ONLY=listen,login
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
if (!existsSync(cli)) {
  console.error(
    `error: ${cli} does not exist\nrun the build first: npx -y pnpm@12.4.2 --filter @srhooks/cli build`,
  );
  process.exit(1);
}
const builds = { current: cli };
if (process.env.BENCH_BASELINE_CLI) builds.baseline = process.env.BENCH_BASELINE_CLI;

const work = mkdtempSync(join(tmpdir(), 'srhooks-cpu-bench-'));
const preload = join(work, 'cpu-at-exit.cjs');
writeFileSync(
  preload,
  "process.on('exit', () => { const u = process.cpuUsage(); require('node:fs').writeFileSync(process.env.SRHOOKS_BENCH_CPU_FILE, String((u.user + u.system) / 1000)); });\n",
);

/** A local port nobody listens on (bound, then closed). */
const closedPort = await new Promise((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});
const closed = `http://127.0.0.1:${closedPort}`;
// A local server that answers every request 401 as the receiver's admin API does without a token: a
// command that gets an answer parses it (Node's fetch parses with llhttp compiled to WebAssembly), which a
// refused connection never shows (quick-start.ts).
const answering = createHttpServer((_request, response) => {
  response.writeHead(401, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ ok: false, error: { code: 'unauthorized', message: 'bench: no token' } }));
});
await new Promise((resolve) => answering.listen(0, '127.0.0.1', resolve));
const answered = `http://127.0.0.1:${answering.address().port}`;
const credentials = {
  SRHOOKS_CLIENT_ID: 'bench-client',
  SRHOOKS_CLIENT_SECRET: 'bench-secret-0123456789',
  SRHOOKS_API_URL: `${closed}/api`,
  SRHOOKS_TOKEN_URL: `${closed}/token`,
};
const cases = {
  '--version': { args: ['--version'] },
  'webhooks list': { args: ['webhooks', 'list', '--shop', 'bench'], env: credentials },
  login: {
    args: ['login', '--shop', 'bench', '--client-id', 'a', '--client-secret', 'bench-secret-0123456789'],
    env: { SRHOOKS_TOKEN_URL: `${closed}/token`, SRHOOKS_API_URL: `${closed}/api` },
  },
  'events list': {
    args: ['events', 'list', '--receiver', closed],
    env: { SRHOOKS_ADMIN_TOKEN: 'bench-admin-token-0123456789' },
  },
  'events list (answered)': {
    args: ['events', 'list', '--receiver', answered],
    env: { SRHOOKS_ADMIN_TOKEN: 'bench-admin-token-0123456789' },
  },
  trigger: { args: ['trigger', 'order_confirm', '--to', `${closed}/hooks`] },
  'sandbox order': { args: ['sandbox', 'order', '--sandbox-url', closed] },
  sandbox: { args: ['sandbox', '--port', '0'], until: /running at/ },
  listen: { args: ['listen', '--port', '0'], until: /listening on/ },
};
const only = process.env.BENCH_ONLY?.split(',');
const names = Object.keys(cases).filter((name) => !only || only.includes(name));

let sequence = 0;
function cpuOnce(script, spec) {
  return new Promise((resolve) => {
    const dir = join(work, `run-${sequence++}`);
    const cpuFile = `${dir}.cpu`;
    const args = script ? ['-r', preload, script, ...spec.args] : ['-r', preload, '-e', '0'];
    const child = spawn(process.execPath, args, {
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        SRHOOKS_CONFIG_DIR: dir,
        NO_COLOR: '1',
        SRHOOKS_BENCH_CPU_FILE: cpuFile,
        ...(spec.env ?? {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let stopping = false;
    const watch = (chunk) => {
      output += chunk;
      if (spec.until && !stopping && spec.until.test(output)) {
        stopping = true;
        child.kill('SIGINT');
      }
    };
    child.stdout.on('data', watch);
    child.stderr.on('data', watch);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', () => {
      clearTimeout(timer);
      let ms = Number.NaN;
      if (existsSync(cpuFile)) ms = Number(readFileSync(cpuFile, 'utf8'));
      rmSync(dir, { recursive: true, force: true });
      rmSync(cpuFile, { force: true });
      resolve(ms);
    });
  });
}

function median(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

// warm the file system cache
for (const name of names) for (const script of Object.values(builds)) await cpuOnce(script, cases[name]);

const samples = { floor: [] };
for (let run = 0; run < RUNS; run += 1) {
  samples.floor.push(await cpuOnce(null, {}));
  for (const name of names) {
    for (const [build, script] of Object.entries(builds)) {
      const key = `${name}|${build}`;
      samples[key] = [...(samples[key] ?? []), await cpuOnce(script, cases[name])];
    }
  }
}
rmSync(work, { recursive: true, force: true });
answering.close();

const floor = median(samples.floor);
console.log(`node -e 0 (floor)   ${floor.toFixed(0).padStart(5)} ms CPU   median of ${RUNS}`);
const result = {
  bench: 'cli-command-cpu',
  runs: RUNS,
  node: process.version,
  floorMs: Math.round(floor),
  commands: {},
};
for (const name of names) {
  const current = median(samples[`${name}|current`]);
  const entry = { currentMs: Math.round(current) };
  let line = `${name.padEnd(18)} ${current.toFixed(0).padStart(5)} ms CPU`;
  if (builds.baseline) {
    const baseline = median(samples[`${name}|baseline`]);
    entry.baselineMs = Math.round(baseline);
    line += `   baseline ${baseline.toFixed(0).padStart(5)} ms (${(((current - baseline) / baseline) * 100).toFixed(0)}%)`;
  }
  result.commands[name] = entry;
  console.log(line);
}
console.log(JSON.stringify(result));

#!/usr/bin/env node
// `pnpm bench`: runs every package's benchmark one after another (never in parallel: the
// machine is small and shared), collects the JSON line each prints last, and writes
// bench/results.json and bench/results.md. Numbers are measured in one run; nothing asserts them.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const suites = [
  { name: 'contracts-decode', dir: 'packages/contracts', title: 'Decode + validate one delivery' },
  { name: 'client-sync', dir: 'packages/client', title: 'Client: sync 200 subscriptions at 3 req/s' },
  {
    name: 'receiver-ingest',
    dir: 'apps/receiver',
    title: 'Receiver ingest vs its durable floors (bare-fastify ceiling for reference)',
  },
  {
    name: 'receiver-handling',
    dir: 'apps/receiver',
    script: 'bench:handling',
    title: 'Receiver: handled ÷ ingested (forward, nats), 50,000-job backlog drain',
  },
  {
    name: 'receiver-recovery',
    dir: 'apps/receiver',
    script: 'bench:recovery',
    title: 'Receiver: recover 10,000 missed orders at 3 req/s vs the rate limit minimum',
  },
  {
    name: 'receiver-spool-drain',
    dir: 'apps/receiver',
    script: 'bench:spool-drain',
    title: 'Receiver: drain 5,000 spooled deliveries vs the store ingesting them directly',
  },
  { name: 'cli-startup', dir: 'apps/cli', title: 'CLI start vs node -e 0' },
];
const only = process.argv.slice(2);
const results = {
  measuredAt: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
  suites: {},
};

for (const suite of suites) {
  if (only.length > 0 && !only.includes(suite.name)) continue;
  process.stderr.write(`\n== ${suite.title} (${suite.dir})\n`);
  const run = spawnSync('npm', ['run', '--silent', suite.script ?? 'bench'], {
    cwd: join(root, suite.dir),
    encoding: 'utf8',
    env: process.env,
  });
  process.stderr.write(run.stdout ?? '');
  process.stderr.write(run.stderr ?? '');
  const lastJson = (run.stdout ?? '')
    .trim()
    .split('\n')
    .reverse()
    .find((line) => line.trim().startsWith('{'));
  results.suites[suite.name] = {
    title: suite.title,
    ok: run.status === 0 && lastJson !== undefined,
    ...(lastJson ? { result: JSON.parse(lastJson) } : { error: `exit ${run.status}, no JSON result line` }),
  };
}

function renderValue(value) {
  if (typeof value === 'number')
    return Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1);
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
const lines = [
  `# srhooks benchmarks`,
  '',
  `Measured ${results.measuredAt} on ${results.machine.cpus} × ${results.machine.cpuModel}, ${results.machine.memoryGiB} GiB, Node ${results.machine.node}.`,
  '',
  '| suite | metric | value |',
  '| --- | --- | --- |',
];
/** `{a: {b: 1}}` → `[['a.b', 1]]`, so nested results read as one row per figure. */
function flatten(value, prefix = '') {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [[prefix, value]];
  return Object.entries(value).flatMap(([key, inner]) => flatten(inner, prefix ? `${prefix}.${key}` : key));
}
for (const suite of Object.values(results.suites)) {
  if (!suite.ok) {
    lines.push(`| ${suite.title} | error | ${suite.error ?? 'failed'} |`);
    continue;
  }
  for (const [metric, value] of flatten(suite.result)) {
    if (metric === 'bench' || metric === 'benchmark' || value === null) continue;
    lines.push(`| ${suite.title} | ${metric} | ${renderValue(value)} |`);
  }
}
mkdirSync(join(root, 'bench'), { recursive: true });
writeFileSync(join(root, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(root, 'bench', 'results.md'), `${lines.join('\n')}\n`);
process.stdout.write(`${lines.join('\n')}\n`);
process.exitCode = Object.values(results.suites).every((suite) => suite.ok) ? 0 : 1;

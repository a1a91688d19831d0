#!/usr/bin/env node
/**
 * CLI start-up benchmark: wall time of `srhooks --version` and `srhooks --help` against
 * `node -e 0` (the floor every Node CLI pays). Runs each command RUNS times, interleaved so
 * background load hits all three alike, and reports medians and ratios. The last line is JSON
 * (for the root `pnpm bench` table). Needs a build first (`pnpm --filter @srhooks/cli build`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
if (!existsSync(cli)) {
  console.error(
    `error: ${cli} does not exist\nrun the build first: npx -y pnpm@12.4.2 --filter @srhooks/cli build`,
  );
  process.exit(1);
}

const cases = {
  baseline: [process.execPath, ['-e', '0']],
  version: [process.execPath, [cli, '--version']],
  help: [process.execPath, [cli, '--help']],
};

function timeOnce([command, args]) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return elapsed;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

// warm the file system cache
for (const entry of Object.values(cases)) timeOnce(entry);

const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (let run = 0; run < RUNS; run += 1) {
  for (const [name, entry] of Object.entries(cases)) samples[name].push(timeOnce(entry));
}

const medians = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
const round = (value, digits = 2) => Number(value.toFixed(digits));
const result = {
  bench: 'cli-startup',
  runs: RUNS,
  node: process.version,
  medianMs: {
    nodeE0: round(medians.baseline, 1),
    version: round(medians.version, 1),
    help: round(medians.help, 1),
  },
  ratio: { version: round(medians.version / medians.baseline), help: round(medians.help / medians.baseline) },
  target: 1.6,
};

console.log(`node -e 0          ${result.medianMs.nodeE0.toFixed(1)} ms (median of ${RUNS})`);
console.log(
  `srhooks --version  ${result.medianMs.version.toFixed(1)} ms  ${result.ratio.version}× node -e 0`,
);
console.log(`srhooks --help     ${result.medianMs.help.toFixed(1)} ms  ${result.ratio.help}× node -e 0`);
console.log(`target ≤ ${result.target}×`);
console.log(JSON.stringify(result));

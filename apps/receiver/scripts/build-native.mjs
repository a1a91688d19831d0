#!/usr/bin/env node
/**
 * Builds the receiver's native addon (native/memory_trim.cc, see src/memory/memory-trim.ts) with
 * node-gyp and copies it to dist/native/memory_trim.node. Uses the running node's own headers when
 * its installation has them (no download); otherwise node-gyp fetches them as usual.
 *
 * The addon is optional: when it cannot be built here (no C compiler, no headers), this prints why and
 * what it costs, removes any stale copy, and exits 0 — the receiver then runs without trimming. The
 * receiver's tests require it on Linux with glibc, so CI notices a build that stopped working.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const native = join(root, 'native');
const target = join(root, 'dist', 'native', 'memory_trim.node');
const prefix = dirname(dirname(process.execPath));
const nodedir = existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];

rmSync(target, { force: true });
try {
  const nodeGyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  execFileSync(process.execPath, [nodeGyp, 'rebuild', '--release', ...nodedir], {
    cwd: native,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join(native, 'build', 'Release', 'memory_trim.node'), target);
} catch (error) {
  const detail = String(error?.stderr ?? error?.message ?? error)
    .trim()
    .split('\n')
    .slice(-3)
    .join(' ');
  console.warn(
    `srhooks receiver: the memory-trim addon was not built (${detail}). The receiver works without it; ` +
      'memory freed after a burst of large deliveries then stays with the process. ' +
      'To build it: a C++ compiler, make, python3 and node-gyp (`pnpm --filter @srhooks/receiver build`).',
  );
}

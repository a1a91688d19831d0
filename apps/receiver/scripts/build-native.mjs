#!/usr/bin/env node
/**
 * Builds the receiver's native addon (native/memory_trim.cc, see src/memory/memory-trim.ts) with
 * node-gyp and copies it to dist/native/memory_trim.node. Uses the running node's own headers when
 * its installation has them (no download); otherwise node-gyp fetches them as usual.
 *
 * The addon is optional: when it cannot be built here (no C compiler, no headers), this prints why and
 * what it costs, removes any stale copy, and exits 0 — the receiver then runs without trimming. The
 * receiver's tests require it on Linux with glibc, so CI notices a build that stopped working.
 *
 * It ships with the published package: the package's `install` script runs it with `--if-unloadable`
 * (an installed package carries the addon built where it was packed; kept when it loads in this node,
 * built again when not — another Node version, platform or C library), and a user can run it by hand.
 * node-gyp is the package's own dev dependency here; in an installed package the one npm (or pnpm)
 * gives its lifecycle scripts (`npm_config_node_gyp`), else npm's bundled one.
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

/** Whether the addon at `target` loads in this node (then an install keeps it). */
function loads() {
  try {
    createRequire(import.meta.url)(target);
    return true;
  } catch {
    return false;
  }
}

/** node-gyp: this package's own (a workspace), the package manager's, or npm's bundled one. */
function nodeGypScript() {
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    const candidates = [
      process.env.npm_config_node_gyp,
      join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
      join(prefix, 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    ];
    const found = candidates.find((file) => file && existsSync(file));
    if (found) return found;
    throw new Error('node-gyp was not found (install it: npm install -g node-gyp)');
  }
}

if (process.argv.includes('--if-unloadable')) {
  // A workspace checkout builds it with `build` (dist/ may not exist yet at install time).
  if (existsSync(join(root, 'tsconfig.build.json'))) process.exit(0);
  if (existsSync(target) && loads()) process.exit(0);
}

rmSync(target, { force: true });
try {
  const nodeGyp = nodeGypScript();
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
      `To build it: a C++ compiler, make and python3, then run this again: node ${fileURLToPath(import.meta.url)}`,
  );
}

/**
 * `dist/main.js` as an operator runs it, for tests that start real receiver processes: rebuilt first
 * (tsc) when it is missing or older than any source file it is built from.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RECEIVER_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BUILT_MAIN = join(RECEIVER_ROOT, 'dist/main.js');

/** The newest modification time of the built sources under `dir` (tests and test support left out). */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'test-support') newest = Math.max(newest, newestSource(path));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

/** Builds dist/ with tsc unless dist/main.js is newer than every source (allow ~60 s). */
export function ensureBuiltMain(): string {
  if (!existsSync(BUILT_MAIN) || statSync(BUILT_MAIN).mtimeMs < newestSource(join(RECEIVER_ROOT, 'src'))) {
    execFileSync(
      process.execPath,
      [join(RECEIVER_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      { cwd: RECEIVER_ROOT },
    );
  }
  return BUILT_MAIN;
}

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The tests run the bundled CLI as a user would (`node dist/cli.js …`). In turbo, `build` runs
 * before `test`; run alone, this builds the bundle when it is missing or older than src/.
 */
export default function setup(): void {
  const cli = join(root, 'dist/cli.js');
  const stale =
    !existsSync(cli) ||
    statSync(cli).mtimeMs <
      Math.max(newestSource(join(root, 'src')), statSync(join(root, 'tsup.config.ts')).mtimeMs);
  if (stale)
    execFileSync(process.execPath, [join(root, 'node_modules/tsup/dist/cli-default.js')], {
      cwd: root,
      stdio: 'inherit',
    });
}
